import type { Organism } from '../organism.js';
import type { BirthHandler, PluginHost } from './types.js';

const LABEL = 4;
const LABELREF = 5;

/**
 * Gives every newborn a private label namespace: all its LABEL and LABELREF molecules are XORed with one
 * random non-zero 19-bit mask, which keeps every Hamming distance inside the genome intact.
 */
export class LabelRewritePlugin implements BirthHandler {
  readonly kind = 'labelRewrite';

  onBirth(sim: PluginHost, child: Organism): void {
    const world = sim.world;
    let mask = 0;
    while (mask === 0) mask = sim.pluginRandom.nextU32() & 0x7ffff;
    for (const idx of world.ownedCellsSorted(child.id)) {
      const mol = world.cells[idx]!;
      const type = (mol >>> 20) & 0xff;
      if (type !== LABEL && type !== LABELREF) continue;
      const value = (mol & 0xfffff) ^ mask;
      world.setCell(idx, (mol & ~0xfffff) | value, child.id);
    }
  }
}
