import type { Organism } from '../../organism.js';
import { num } from '../plugin-options.js';
import type { BirthHandler, PluginHost } from '../types.js';
import { dvAxis, stepAlong } from './body.js';

const LABEL = 4;
const STRUCTURE = 3;

/**
 * Deletion at birth (probability `rate`): a LABEL is chosen with weight (copies of its value)^countExponent
 * (duplicated genes are deleted preferentially); it and the cells after it along the DV are erased up to
 * the next LABEL, STRUCTURE, foreign or unowned cell.
 */
export class GeneDeletionPlugin implements BirthHandler {
  readonly kind = 'geneDeletion';
  private readonly rate: number;
  private readonly exponent: number;

  constructor(o: Record<string, unknown>) {
    this.rate = num(o, 'rate', 0.025);
    this.exponent = num(o, 'countExponent', 2);
  }

  onBirth(sim: PluginHost, child: Organism): void {
    const rng = sim.pluginRandom;
    if (rng.nextDouble() >= this.rate) return;
    const world = sim.world;
    const labels: number[] = [];
    const counts = new Map<number, number>();
    for (const idx of world.ownedCellsSorted(child.id)) {
      const m = world.cells[idx]!;
      if (((m >>> 20) & 0xff) !== LABEL) continue;
      labels.push(idx);
      counts.set(m & 0xfffff, (counts.get(m & 0xfffff) ?? 0) + 1);
    }
    if (labels.length === 0) return;
    const weights = labels.map((idx) => (counts.get(world.cells[idx]! & 0xfffff) ?? 1) ** this.exponent);
    const total = weights.reduce((a, b) => a + b, 0);
    let r = rng.nextDouble() * total;
    let chosen = labels[labels.length - 1]!;
    for (let i = 0; i < labels.length; i++) {
      r -= weights[i]!;
      if (r < 0) {
        chosen = labels[i]!;
        break;
      }
    }
    const axis = dvAxis(child);
    const sign = child.dv[axis]! < 0 ? -1 : 1;
    world.setCell(chosen, 0, 0);
    let idx = chosen;
    for (let i = 0; i < world.shape[axis]!; i++) {
      idx = stepAlong(world, idx, axis, sign);
      if (idx < 0) break;
      const m = world.cells[idx]!;
      const t = (m >>> 20) & 0xff;
      if (world.owners[idx] !== child.id || t === LABEL || t === STRUCTURE) break;
      world.setCell(idx, 0, 0);
    }
  }
}
