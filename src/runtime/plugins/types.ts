import type { Organism } from '../organism.js';
import type { Simulation } from '../simulation.js';

/** Runs before planning, every tick (energy sources). Draws only from `sim.pluginRandom`. */
export interface TickPlugin {
  readonly kind: string;
  onTick(sim: Simulation): void;
  /** Plugin-private state for checkpoints (JSON-serialisable). */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}

/** Runs on a dead organism's cells before its ownership is cleared. */
export interface DeathHandler {
  readonly kind: string;
  onDeath(sim: Simulation, dead: Organism): void;
}

/** Runs on each newborn, in creation order, before it joins the organism list. */
export interface BirthHandler {
  readonly kind: string;
  onBirth(sim: Simulation, child: Organism): void;
}
