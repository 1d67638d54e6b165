import { num } from './plugin-options.js';
import type { PluginHost, TickPlugin } from './types.js';

/**
 * Seeds the world with food once, on its first run: a random `percentage` of the empty cells receives
 * ENERGY:amount (±amountVariance). Partial Fisher–Yates over the empty cells, so the cost is one scan.
 */
export class SeedEnergyPlugin implements TickPlugin {
  readonly kind = 'seedEnergy';
  private done = false;
  private readonly percentage: number;
  private readonly amount: number;
  private readonly variance: number;

  constructor(o: Record<string, unknown>) {
    this.percentage = num(o, 'percentage', 0.0025);
    this.amount = num(o, 'amount', 10000);
    this.variance = num(o, 'amountVariance', 0.2);
  }

  onTick(sim: PluginHost): void {
    if (this.done) return;
    this.done = true;
    const world = sim.world;
    const rng = sim.pluginRandom;
    let n = 0;
    const empty = new Int32Array(world.size);
    for (let i = 0; i < world.size; i++) if (world.cells[i] === 0 && world.owners[i] === 0) empty[n++] = i;
    const k = Math.floor(n * this.percentage);
    for (let i = 0; i < k; i++) {
      const j = i + rng.nextInt(n - i);
      const idx = empty[j]!;
      empty[j] = empty[i]!;
      empty[i] = idx;
      const v = Math.round(this.amount * (1 + (2 * rng.nextDouble() - 1) * this.variance));
      const value = Math.max(1, Math.min(524287, v));
      world.setCell(idx, (2 << 20) | value, 0);
    }
  }

  saveState(): unknown {
    return { done: this.done };
  }

  loadState(state: unknown): void {
    this.done = Boolean((state as { done?: boolean } | null)?.done);
  }
}
