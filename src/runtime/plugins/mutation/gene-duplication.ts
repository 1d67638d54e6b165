import type { Organism } from '../../organism.js';
import { num } from '../plugin-options.js';
import type { BirthHandler, PluginHost } from '../types.js';
import { bodyGaps, dvAxis, stepAlong } from './body.js';

const LABEL = 4;

/**
 * Duplication at birth (probability `rate`): the block starting at a random own LABEL (up to the next
 * LABEL or non-own cell along the DV) is copied into an empty run inside the body that is at least
 * max(minNopSize, block length) long. Duplicated genes can then diverge (fuzzy labels + selection spread).
 */
export class GeneDuplicationPlugin implements BirthHandler {
  readonly kind = 'geneDuplication';
  private readonly rate: number;
  private readonly minNopSize: number;

  constructor(o: Record<string, unknown>) {
    this.rate = num(o, 'rate', 0.1);
    this.minNopSize = num(o, 'minNopSize', 8);
  }

  onBirth(sim: PluginHost, child: Organism): void {
    const rng = sim.pluginRandom;
    if (rng.nextDouble() >= this.rate) return;
    const world = sim.world;
    const labels: number[] = [];
    for (const idx of world.ownedCellsSorted(child.id))
      if (((world.cells[idx]! >>> 20) & 0xff) === LABEL) labels.push(idx);
    if (labels.length === 0) return;
    const axis = dvAxis(child);
    const start = labels[rng.nextInt(labels.length)]!;
    const block: number[] = [world.cells[start]! & 0x0fffffff];
    let idx = start;
    for (let i = 0; i < 256; i++) {
      idx = stepAlong(world, idx, axis, 1);
      if (idx < 0) break;
      const m = world.cells[idx]!;
      if (world.owners[idx] !== child.id || ((m >>> 20) & 0xff) === LABEL) break;
      block.push(m & 0x0fffffff);
    }
    const need = Math.max(this.minNopSize, block.length);
    const gaps = bodyGaps(world, child.id, axis).filter((g) => g.length >= need);
    if (gaps.length === 0) return;
    const gap = gaps[rng.nextInt(gaps.length)]!;
    for (let i = 0; i < block.length; i++) {
      const m = block[i]!;
      if (m !== 0) world.setCell(stepAlong(world, gap.start, axis, i), m, child.id);
    }
  }
}
