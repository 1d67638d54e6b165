import type { World } from '../world.js';

let coord = new Int32Array(4);

/** True if no cell within Chebyshev `radius` of `idx` is owned (the safety rule of the energy sources). */
export function areaUnowned(world: World, idx: number, radius: number, scratch: Int32Array): boolean {
  if (radius <= 0) return world.owners[idx] === 0;
  const dims = world.dims;
  world.coordsOf(idx, scratch);
  const span = 2 * radius + 1;
  const total = span ** dims;
  if (coord.length < dims) coord = new Int32Array(dims);
  const c = coord;
  for (let k = 0; k < total; k++) {
    let r = k;
    for (let d = 0; d < dims; d++) {
      c[d] = scratch[d]! + (r % span) - radius;
      r = Math.floor(r / span);
    }
    const j = world.indexOf(c);
    if (j >= 0 && world.owners[j] !== 0) return false;
  }
  return true;
}
