import type { Organism } from './organism.js';
import type { World } from './world.js';

const DATA = 1;
const LABEL = 4;
const LABELREF = 5;

/**
 * Analytics fingerprint of an organism's genome: its owned non-DATA molecules at coordinates relative to
 * its birth position, markers dropped, LABEL/LABELREF values normalised (XOR with the first label's
 * value) so that label-namespace rewrites do not change it. 16 hex digits.
 */
export function computeGenomeHash(world: World, o: Organism): string {
  const cells = world.ownedCellsSorted(o.id);
  let base = -1;
  for (const idx of cells) {
    const m = world.cells[idx]!;
    if (((m >>> 20) & 0xff) === LABEL) {
      base = m & 0xfffff;
      break;
    }
  }
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x2545f491 | 0;
  const mix = (n: number): void => {
    h1 = Math.imul(h1 ^ n, 0x01000193);
    h2 = Math.imul(h2 ^ n ^ (h1 >>> 15), 0x85ebca6b);
  };
  const c = new Int32Array(world.dims);
  for (const idx of cells) {
    let m = world.cells[idx]! & 0x0fffffff;
    const type = (m >>> 20) & 0xff;
    if (type === DATA) continue;
    if ((type === LABEL || type === LABELREF) && base >= 0) m = (m & ~0xfffff) | ((m & 0xfffff) ^ base);
    world.coordsOf(idx, c);
    for (let d = 0; d < world.dims; d++) {
      const n = world.shape[d]!;
      let r = c[d]! - o.initialPosition[d]!;
      if (world.toroidal) {
        r = ((r % n) + n) % n;
        if (r >= n / 2) r -= n;
      }
      mix(r);
    }
    mix(m);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
