import { num } from './plugin-options.js';
import { areaUnowned } from './neighbourhood.js';
import type { PluginHost, TickPlugin } from './types.js';

const GEYSER_MARK = (3 << 20) | (-1 & 0xfffff); // STRUCTURE:-1

/**
 * Geysers: on the first run, max(1, percentage·cells) sites (empty, no owned cell within safetyRadius)
 * are marked STRUCTURE:-1. Every `interval` ticks each geyser puts ENERGY:amount into a random empty axis
 * neighbour whose surroundings are unowned.
 */
export class GeyserPlugin implements TickPlugin {
  readonly kind = 'geyser';
  private sites: number[] | null = null;
  private readonly percentage: number;
  private readonly interval: number;
  private readonly amount: number;
  private readonly radius: number;
  private scratch = new Int32Array(0);

  constructor(o: Record<string, unknown>) {
    this.percentage = num(o, 'percentage', 0.0002);
    this.interval = Math.max(1, num(o, 'interval', 100));
    this.amount = num(o, 'amount', 10000);
    this.radius = num(o, 'safetyRadius', 3);
  }

  onTick(sim: PluginHost): void {
    const world = sim.world;
    const rng = sim.pluginRandom;
    if (this.scratch.length !== world.dims) this.scratch = new Int32Array(world.dims);
    if (this.sites === null) {
      this.sites = [];
      const want = Math.max(1, Math.round(this.percentage * world.size));
      let attempts = want * 20;
      while (this.sites.length < want && attempts-- > 0) {
        const idx = rng.nextInt(world.size);
        if (world.cells[idx] !== 0 || !areaUnowned(world, idx, this.radius, this.scratch)) continue;
        world.setCell(idx, GEYSER_MARK, 0);
        this.sites.push(idx);
      }
      return;
    }
    if (sim.tick % this.interval !== 0) return;
    const c = new Int32Array(world.dims);
    for (const site of this.sites) {
      world.coordsOf(site, c);
      const dir = rng.nextInt(2 * world.dims);
      c[dir >> 1] = c[dir >> 1]! + (dir & 1 ? -1 : 1);
      const idx = world.indexOf(c);
      if (idx < 0 || world.cells[idx] !== 0 || !areaUnowned(world, idx, this.radius, this.scratch)) continue;
      world.setCell(idx, (2 << 20) | (this.amount & 0xfffff), 0);
    }
  }

  saveState(): unknown {
    return { sites: this.sites };
  }

  loadState(state: unknown): void {
    const s = (state as { sites?: number[] | null } | null)?.sites;
    this.sites = Array.isArray(s) ? s.slice() : null;
  }
}
