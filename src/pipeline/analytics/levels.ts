/**
 * Levels of detail. Level 1 is every sampled tick. A coarser level with factor f holds one row per bucket of f
 * ticks (bucket = tick − tick mod f, whatever the sampling interval): `tick` is the bucket's first tick,
 * `samples` the samples it aggregates, and each numeric column c becomes c (the mean), c_min and c_max; a text
 * column keeps the bucket's first value. Nulls are left out of the aggregates (all null → null).
 *
 * A bucket cut by a part boundary appears in both parts with its own `samples`: readers merge rows of the
 * same tick (weighted mean, min of mins, max of maxes), as the analyzer's queries do (docs/analytics.md).
 */
import type { MetricColumn } from './metric-plugin.js';
import { MetricTable, type TableColumn } from './metric-table.js';

/** The default coarser levels: buckets of 1,000, 10,000 and 100,000 ticks (level 1 has a row every 50 by default). */
export const DEFAULT_LOD_FACTORS: readonly number[] = [1000, 10000, 100000];

/** The columns of a coarser level of a per-tick table. */
export function levelColumns(columns: readonly MetricColumn[]): TableColumn[] {
  const out: TableColumn[] = [
    { name: 'tick', type: 'int' },
    { name: 'samples', type: 'int' },
  ];
  for (const c of columns) {
    if (c.type === 'string') out.push({ name: c.name, type: 'string' });
    else
      out.push(
        { name: c.name, type: 'double' },
        { name: `${c.name}_min`, type: 'double' },
        { name: `${c.name}_max`, type: 'double' },
      );
  }
  return out;
}

/** Aggregates a level-1 table (tick first, then `columns`, ticks ascending) into buckets of `factor` ticks. */
export function aggregateLevel(table: MetricTable, columns: readonly MetricColumn[], factor: number): MetricTable {
  const out = new MetricTable(levelColumns(columns));
  const ticks = table.values[0] as number[];
  let r = 0;
  while (r < ticks.length) {
    const bucket = ticks[r]! - (ticks[r]! % factor);
    let end = r;
    while (end < ticks.length && ticks[end]! - (ticks[end]! % factor) === bucket) end++;
    const row: Array<number | string | null> = [end - r];
    columns.forEach((c, ci) => {
      const vals = table.values[ci + 1]!;
      if (c.type === 'string') {
        row.push(vals[r] ?? null);
        return;
      }
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = r; i < end; i++) {
        const v = vals[i];
        if (v === null || v === undefined) continue;
        const x = v as number;
        n++;
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (n === 0) row.push(null, null, null);
      else row.push(sum / n, min, max);
    });
    out.push(bucket, row);
    r = end;
  }
  return out;
}
