import { num } from './plugin-options.js';
import { areaUnowned } from './neighbourhood.js';
import type { PluginHost, TickPlugin } from './types.js';

/** Each tick, `executionsPerTick` attempts with `probability` to drop ENERGY:amount on a random empty cell away from organisms. */
export class SolarRadiationPlugin implements TickPlugin {
  readonly kind = 'solarRadiation';
  private readonly probability: number;
  private readonly executions: number;
  private readonly amount: number;
  private readonly radius: number;
  private scratch = new Int32Array(0);

  constructor(o: Record<string, unknown>) {
    this.probability = num(o, 'probability', 0.02);
    this.executions = num(o, 'executionsPerTick', 1);
    this.amount = num(o, 'amount', 10000);
    this.radius = num(o, 'safetyRadius', 1);
  }

  onTick(sim: PluginHost): void {
    const world = sim.world;
    const rng = sim.pluginRandom;
    if (this.scratch.length !== world.dims) this.scratch = new Int32Array(world.dims);
    for (let i = 0; i < this.executions; i++) {
      if (rng.nextDouble() >= this.probability) continue;
      const idx = rng.nextInt(world.size);
      if (world.cells[idx] !== 0 || !areaUnowned(world, idx, this.radius, this.scratch)) continue;
      world.setCell(idx, (2 << 20) | (this.amount & 0xfffff), 0);
    }
  }
}
