/**
 * A simulation that continues another one's state with changed options: a fork. Cells, organisms, tick and
 * totals are taken as they are; the options (plugins, thermodynamics, limits, …) and, when asked, the random
 * streams start anew from here. Without changes a fork is not needed: stepping the original continues exactly.
 */
import { restoreCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { RuntimeOptions } from './config.js';
import { RuntimeConfigError } from './errors.js';
import { PluginRandom } from './rng/plugin-random.js';
import type { Simulation } from './simulation.js';

export function forkSimulation(sim: Simulation, options: RuntimeOptions, reseed: boolean): Simulation {
  const current = sim.options;
  if (options.shape.join('x') !== current.shape.join('x') || options.toroidal !== current.toroidal)
    throw new RuntimeConfigError(
      `a fork keeps its world: shape ${current.shape.join('×')} ${current.toroidal ? 'torus' : 'bounded'} cannot become ${options.shape.join('×')} ${options.toroidal ? 'torus' : 'bounded'}`,
    );
  const parentStates = sim.plugins.tick.map((p) => ({ kind: p.kind, state: p.saveState ? p.saveState() : null }));
  const cp = saveCheckpoint(sim);
  const { seed, ...rest } = options;
  cp.options = { ...structuredClone(rest), seed: seed.toString() };
  // Plugin states are matched by kind below (the plugin list may have changed).
  cp.pluginStates = [];
  if (reseed) cp.pluginRandom = new PluginRandom(seed).getState();
  const next = restoreCheckpoint(cp, sim.threading);
  // Each tick plugin continues the parent's state of its kind (the n-th of a kind takes the n-th); a new one starts fresh.
  const taken = new Map<string, number>();
  for (const p of next.plugins.tick) {
    const n = taken.get(p.kind) ?? 0;
    taken.set(p.kind, n + 1);
    const match = parentStates.filter((s) => s.kind === p.kind)[n];
    if (match && match.state !== null) p.loadState?.(match.state);
  }
  return next;
}
