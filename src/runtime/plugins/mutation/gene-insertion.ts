import { OPCODES, instructionLength } from '../../../isa/opcodes.js';
import type { Organism } from '../../organism.js';
import { num } from '../plugin-options.js';
import type { BirthHandler, PluginHost } from '../types.js';
import { bodyGaps, dvAxis, stepAlong } from './body.js';

const LABEL = 4;
const LABELREF = 5;

/**
 * Insertion at birth (probability `rate`) into an empty run inside the body: either a random instruction
 * with type-correct operands (weight 3) or a new label two bit flips away from an existing one (weight 1).
 */
export class GeneInsertionPlugin implements BirthHandler {
  readonly kind = 'geneInsertion';
  private readonly rate: number;

  constructor(o: Record<string, unknown>) {
    this.rate = num(o, 'rate', 0.05);
  }

  onBirth(sim: PluginHost, child: Organism): void {
    const rng = sim.pluginRandom;
    if (rng.nextDouble() >= this.rate) return;
    const world = sim.world;
    const axis = dvAxis(child);
    const gaps = bodyGaps(world, child.id, axis);
    if (gaps.length === 0) return;
    const gap = gaps[rng.nextInt(gaps.length)]!;
    const labels: number[] = [];
    const labelRefs: number[] = [];
    for (const idx of world.ownedCellsSorted(child.id)) {
      const t = (world.cells[idx]! >>> 20) & 0xff;
      if (t === LABEL) labels.push(world.cells[idx]! & 0xfffff);
      else if (t === LABELREF) labelRefs.push(world.cells[idx]! & 0xfffff);
    }
    const write = (offset: number, mol: number): void => {
      world.setCell(stepAlong(world, gap.start, axis, offset), mol, mol === 0 ? 0 : child.id);
    };
    if (rng.nextInt(4) === 3 && labels.length > 0) {
      const base = labels[rng.nextInt(labels.length)]!;
      const a = rng.nextInt(19);
      let b = rng.nextInt(19);
      if (b === a) b = (b + 1) % 19;
      write(0, (LABEL << 20) | (base ^ (1 << a) ^ (1 << b)));
      return;
    }
    const fitting = OPCODES.filter((o) => o.opcode !== 0 && instructionLength(o, world.dims) <= gap.length);
    if (fitting.length === 0) return;
    const info = fitting[rng.nextInt(fitting.length)]!;
    let k = 0;
    write(k++, info.opcode);
    for (const src of info.operands) {
      if (src === 'R') write(k++, (6 << 20) | rng.nextInt(8));
      else if (src === 'LR') write(k++, (6 << 20) | (256 + rng.nextInt(4)));
      else if (src === 'I') write(k++, (1 << 20) | rng.nextInt(256));
      else if (src === 'L') {
        const v =
          labelRefs.length > 0
            ? labelRefs[rng.nextInt(labelRefs.length)]!
            : labels.length > 0
              ? labels[rng.nextInt(labels.length)]!
              : 0;
        write(k++, (LABELREF << 20) | v);
      } else if (src === 'V') {
        const axisSel = rng.nextInt(world.dims);
        const sign = rng.nextInt(2) === 0 ? 1 : -1;
        for (let d = 0; d < world.dims; d++) write(k++, (1 << 20) | ((d === axisSel ? sign : 0) & 0xfffff));
      }
    }
  }
}
