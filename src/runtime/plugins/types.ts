import type { Organism } from '../organism.js';
import type { PluginRandom } from '../rng/plugin-random.js';
import type { World } from '../world.js';

/**
 * What a plugin sees of the simulation: the world, the plugins' own random stream and the tick. The
 * Simulation is one; plugins depend on this, not on the Simulation (which creates them).
 */
export interface PluginHost {
  readonly world: World;
  readonly pluginRandom: PluginRandom;
  readonly tick: number;
}

/** Runs before planning, every tick (energy sources). Draws only from `sim.pluginRandom`. */
export interface TickPlugin {
  readonly kind: string;
  onTick(sim: PluginHost): void;
  /** Plugin-private state for checkpoints (JSON-serialisable). */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}

/** Runs on a dead organism's cells before its ownership is cleared. */
export interface DeathHandler {
  readonly kind: string;
  onDeath(sim: PluginHost, dead: Organism): void;
}

/** Runs on each newborn, in creation order, before it joins the organism list. */
export interface BirthHandler {
  readonly kind: string;
  onBirth(sim: PluginHost, child: Organism): void;
}
