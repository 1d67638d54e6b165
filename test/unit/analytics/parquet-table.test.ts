import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { MetricTable } from '../../../src/pipeline/analytics/metric-table.js';
import {
  PARQUET_ROW_GROUP_ROWS,
  readParquetRows,
  tableToParquet,
} from '../../../src/pipeline/analytics/parquet-table.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-parquet-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = [
  { name: 'parent', type: 'int' as const, doc: '' },
  { name: 'mean', type: 'double' as const, doc: '' },
  { name: 'label', type: 'string' as const, doc: '' },
];
const FACTS = { runId: 'r', table: 't', level: 1, schemaVersion: 1 };

describe('analytics Parquet files', () => {
  it('read back whole across row groups, parts with and without nulls together, by DuckDB and hyparquet', async () => {
    // Part a: no nulls (REQUIRED columns), more rows than one row group, ticks past 2^32.
    const a = MetricTable.forPlugin(COLUMNS);
    const rows = PARQUET_ROW_GROUP_ROWS * 2 + 17;
    const base = 2 ** 40;
    for (let i = 0; i < rows; i++) a.push(base + i, [i % 7 === 0 ? -i : i, i / 4, `g${i % 3}`]);
    // Part b: nulls in every column but the tick.
    const b = MetricTable.forPlugin(COLUMNS);
    b.push(base + rows, [null, null, null]);
    b.push(base + rows + 1, [3, 0.5, 'x']);
    const fileA = join(dir, 'a.parquet');
    const fileB = join(dir, 'b.parquet');
    const bytesA = await tableToParquet(a, FACTS);
    writeFileSync(fileA, bytesA);
    writeFileSync(fileB, await tableToParquet(b, FACTS));

    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const all = (
        await c.runAndReadAll(
          `SELECT tick, parent, mean, label FROM read_parquet(['${fileA}', '${fileB}']) ORDER BY tick`,
        )
      ).getRows();
      expect(all.length).toBe(rows + 2);
      for (const i of [0, 1, 7, PARQUET_ROW_GROUP_ROWS - 1, PARQUET_ROW_GROUP_ROWS, rows - 1])
        expect(all[i]).toEqual([BigInt(base + i), BigInt(i % 7 === 0 ? -i : i), i / 4, `g${i % 3}`]);
      expect(all[rows]).toEqual([BigInt(base + rows), null, null, null]);
      expect(all[rows + 1]).toEqual([BigInt(base + rows + 1), 3n, 0.5, 'x']);
      const groups = (
        await c.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${fileA}')`)
      ).getRows();
      expect(groups[0]![0]).toBe(3n);
    } finally {
      c.closeSync();
    }
    const back = await readParquetRows(bytesA, ['tick', 'parent']);
    expect(back.length).toBe(rows);
    expect(back[rows - 1]).toEqual({ tick: BigInt(base + rows - 1), parent: BigInt(rows - 1) });
  });
});
