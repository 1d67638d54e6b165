/**
 * The world a configuration simulates: the environment of its SimulationEngine service, with the engine's
 * defaults for what it leaves out. `evochora compile` uses it so a program is compiled for the world the
 * node will run (vector operands take one cell per dimension). Small on purpose: no engine code loads.
 */
import type { EvochoraConfig } from '../../config/config-schema.js';

export const DEFAULT_WORLD_SHAPE: readonly number[] = [512, 512];
export const DEFAULT_TOPOLOGY = 'TORUS';

/** An engine's `environment` option with the defaults for keys a partial config leaves out. */
export function environmentOf(value: unknown): { shape: number[]; topology: string } {
  const env = (value ?? {}) as { shape?: number[]; topology?: string };
  return { shape: env.shape ?? [...DEFAULT_WORLD_SHAPE], topology: env.topology ?? DEFAULT_TOPOLOGY };
}

/** The first SimulationEngine's world, or the engine's default world when the pipeline has none. */
export function configuredWorld(config: EvochoraConfig): { shape: number[]; toroidal: boolean; service?: string } {
  for (const [name, s] of Object.entries(config.pipeline.services)) {
    if (s.className !== 'SimulationEngine') continue;
    const env = environmentOf((s.options as { environment?: unknown } | undefined)?.environment);
    return { shape: env.shape, toroidal: env.topology.toUpperCase() !== 'BOUND', service: name };
  }
  return { shape: [...DEFAULT_WORLD_SHAPE], toroidal: true };
}
