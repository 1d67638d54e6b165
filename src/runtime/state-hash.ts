import { saveCheckpoint } from './checkpoint.js';
import type { Simulation } from './simulation.js';

/**
 * A 64-bit (hex) fingerprint of the whole simulation state: world arrays, organisms, plugin RNG and
 * tick. Used by determinism tests; O(world size), so not for per-tick use in big worlds.
 */
export function stateHash(sim: Simulation): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 | 0;
  const mix = (n: number): void => {
    h1 = Math.imul(h1 ^ n, 0x01000193);
    h2 = Math.imul(h2 ^ (n >>> 16) ^ (h1 >>> 7), 0x85ebca6b);
  };
  const { cells, owners } = sim.world;
  for (let i = 0; i < cells.length; i++) {
    mix(cells[i]!);
    mix(owners[i]!);
  }
  const cp = saveCheckpoint(sim);
  const text = JSON.stringify({
    t: cp.tick,
    n: cp.nextOrganismId,
    r: cp.pluginRandom,
    p: cp.pluginStates,
    o: cp.organisms,
  });
  for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
