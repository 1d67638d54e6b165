import { describe, expect, it } from 'vitest';
import { aggregateLevel, levelColumns } from '../../../src/pipeline/analytics/levels.js';
import { MetricTable } from '../../../src/pipeline/analytics/metric-table.js';
import type { MetricColumn } from '../../../src/pipeline/analytics/metric-plugin.js';

const columns: MetricColumn[] = [
  { name: 'x', type: 'int', doc: '' },
  { name: 'y', type: 'double', doc: '' },
  { name: 's', type: 'string', doc: '' },
];

describe('levels of detail', () => {
  it('aggregates buckets of f ticks: mean, min, max; text keeps the first; nulls left out', () => {
    const t = MetricTable.forPlugin(columns);
    // ticks 95..104 with interval 1: buckets 90 (95..99) and 100 (100..104)
    for (let tick = 95; tick <= 104; tick++) t.push(tick, [tick, tick % 2 === 0 ? null : tick * 0.5, `s${tick}`]);
    const l = aggregateLevel(t, columns, 10);
    expect(l.columns.map((c) => c.name)).toEqual(levelColumns(columns).map((c) => c.name));
    expect(l.rows()).toEqual([
      {
        tick: 90,
        samples: 5,
        x: 97,
        x_min: 95,
        x_max: 99,
        y: (47.5 + 48.5 + 49.5) / 3,
        y_min: 47.5,
        y_max: 49.5,
        s: 's95',
      },
      {
        tick: 100,
        samples: 5,
        x: 102,
        x_min: 100,
        x_max: 104,
        y: (50.5 + 51.5) / 2,
        y_min: 50.5,
        y_max: 51.5,
        s: 's100',
      },
    ]);
  });

  it('works for any sampling interval and leaves a bucket of nulls null', () => {
    const t = MetricTable.forPlugin(columns);
    for (let tick = 0; tick < 1000; tick += 30) t.push(tick, [1, null, 'a']);
    const l = aggregateLevel(t, columns, 100);
    expect(l.rowCount).toBe(10);
    expect(l.rows()[0]).toMatchObject({ tick: 0, samples: 4, x: 1, y: null, y_min: null });
    expect(l.rows().reduce((n, r) => n + (r.samples as number), 0)).toBe(t.rowCount);
  });

  it('refuses a row of the wrong width', () => {
    const t = MetricTable.forPlugin(columns);
    expect(() => t.push(1, [1, 2])).toThrow(RangeError);
  });
});
