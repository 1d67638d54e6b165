/**
 * Spatial density: how full the world is and how crowded the organisms are. The world's first two dimensions
 * are cut into a 16 × 16 grid of regions (whatever its size), and each living organism counts in the region of
 * its instruction pointer.
 */
import type { MetricPlugin } from '../metric-plugin.js';

const GRID = 16;

export const spatialDensityPlugin: MetricPlugin = {
  id: 'spatial_density',
  version: 1,
  kind: 'per-tick',
  needsCells: true,
  doc: 'Fraction of the world occupied and owned, and how the living organisms spread over a 16 × 16 grid of regions.',
  columns: [
    { name: 'occupied_fraction', type: 'double', doc: 'Occupied cells ÷ all cells of the world.' },
    { name: 'owned_fraction', type: 'double', doc: 'Owned cells ÷ all cells.' },
    { name: 'regions_with_organisms', type: 'int', doc: 'Regions (of 256) holding at least one organism’s IP.' },
    { name: 'max_per_region', type: 'int', doc: 'Organisms in the most crowded region.' },
    { name: 'mean_per_occupied_region', type: 'double', doc: 'Living organisms ÷ regions_with_organisms.' },
  ],
  measure(s, emit) {
    const shape = s.worldShape;
    let cells = 1;
    for (const d of shape) cells *= d;
    const w = shape[0] ?? 1;
    const h = shape[1] ?? 1;
    const counts = new Map<number, number>();
    let alive = 0;
    for (const o of s.organisms) {
      if (o.isDead) continue;
      alive++;
      const ip = o.ip?.components ?? [];
      const gx = Math.min(GRID - 1, Math.floor(((ip[0] ?? 0) * GRID) / w));
      const gy = Math.min(GRID - 1, Math.floor(((ip[1] ?? 0) * GRID) / h));
      const key = gx * GRID + gy;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let max = 0;
    for (const n of counts.values()) max = Math.max(max, n);
    const c = s.cells!;
    emit([
      cells > 0 ? c.occupiedCells / cells : 0,
      cells > 0 ? c.ownedCells / cells : 0,
      counts.size,
      max,
      counts.size > 0 ? alive / counts.size : 0,
    ]);
  },
};
