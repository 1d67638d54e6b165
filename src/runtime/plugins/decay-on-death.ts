import { num } from './plugin-options.js';
import type { Organism } from '../organism.js';
import type { DeathHandler, PluginHost } from './types.js';

/** Replaces every non-empty cell of a dead organism with `replacement` (packed; default 0 = the body vanishes). */
export class DecayOnDeathPlugin implements DeathHandler {
  readonly kind = 'decayOnDeath';
  private readonly replacement: number;

  constructor(o: Record<string, unknown>) {
    this.replacement = num(o, 'replacement', 0) | 0;
  }

  onDeath(sim: PluginHost, dead: Organism): void {
    const world = sim.world;
    for (const idx of world.ownedCellsSorted(dead.id)) {
      if (world.cells[idx] !== 0) world.setCell(idx, this.replacement, this.replacement === 0 ? 0 : dead.id);
    }
  }
}
