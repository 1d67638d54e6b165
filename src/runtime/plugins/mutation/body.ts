import type { Organism } from '../../organism.js';
import type { World } from '../../world.js';

/** A run of empty, unowned cells inside an organism's body along its DV axis. */
export interface Gap {
  /** Flat index of the first cell of the run (runs go in +axis direction). */
  start: number;
  length: number;
}

/** The DV axis of an organism (first non-zero component, default 0). */
export function dvAxis(o: Organism): number {
  for (let d = 0; d < o.dv.length; d++) if (o.dv[d] !== 0) return d;
  return 0;
}

/**
 * Empty runs between two owned cells on the same scan line along `axis` ("inside the body"). Runs longer
 * than half the axis are treated as outside (a body that wraps around the torus edge).
 */
export function bodyGaps(world: World, owner: number, axis: number): Gap[] {
  const cells = world.ownedCellsSorted(owner);
  const stride = world.strides[axis]!;
  const size = world.shape[axis]!;
  const lines = new Map<number, number[]>();
  for (const idx of cells) {
    const pos = Math.floor(idx / stride) % size;
    const key = idx - pos * stride;
    let l = lines.get(key);
    if (!l) {
      l = [];
      lines.set(key, l);
    }
    l.push(pos);
  }
  const gaps: Gap[] = [];
  const keys = [...lines.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const l = lines.get(key)!.sort((a, b) => a - b);
    for (let i = 1; i < l.length; i++) {
      const from = l[i - 1]! + 1;
      const len = l[i]! - from;
      if (len <= 0 || len > size / 2) continue;
      let runStart = -1;
      for (let p = from; p <= l[i]!; p++) {
        const idx = key + p * stride;
        const empty = p < l[i]! && world.cells[idx] === 0 && world.owners[idx] === 0;
        if (empty && runStart < 0) runStart = p;
        if (!empty && runStart >= 0) {
          gaps.push({ start: key + runStart * stride, length: p - runStart });
          runStart = -1;
        }
      }
    }
  }
  return gaps;
}

/** Flat index `steps` cells from `idx` along `axis` (direction sign), wrapping on a torus; -1 outside. */
export function stepAlong(world: World, idx: number, axis: number, steps: number): number {
  const stride = world.strides[axis]!;
  const size = world.shape[axis]!;
  const pos = Math.floor(idx / stride) % size;
  let np = pos + steps;
  if (np < 0 || np >= size) {
    if (!world.toroidal) return -1;
    np = ((np % size) + size) % size;
  }
  return idx + (np - pos) * stride;
}
