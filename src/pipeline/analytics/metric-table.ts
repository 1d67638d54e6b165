/**
 * A table being filled in memory: one array per column, `tick` first. Per-tick plugin tables, their levels of
 * detail and event tables all use it; parquet-table.ts writes it.
 */
import type { MetricColumn, MetricColumnType, MetricRow } from './metric-plugin.js';

export interface TableColumn {
  readonly name: string;
  readonly type: MetricColumnType;
}

export class MetricTable {
  readonly columns: readonly TableColumn[];
  readonly values: Array<Array<number | string | null>>;

  constructor(columns: readonly TableColumn[]) {
    this.columns = columns;
    this.values = columns.map(() => []);
  }

  /** A table with `tick` followed by the plugin's columns. */
  static forPlugin(columns: readonly MetricColumn[]): MetricTable {
    return new MetricTable([{ name: 'tick', type: 'int' }, ...columns]);
  }

  get rowCount(): number {
    return this.values[0]?.length ?? 0;
  }

  /** Appends `tick` and the row's values (the row must match the plugin's columns). */
  push(tick: number, row: MetricRow): void {
    if (row.length !== this.columns.length - 1)
      throw new RangeError(`row of ${row.length} values for a table of ${this.columns.length - 1} columns`);
    this.values[0]!.push(tick);
    for (let i = 0; i < row.length; i++) this.values[i + 1]!.push(row[i]!);
  }

  column(name: string): Array<number | string | null> {
    const i = this.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new RangeError(`no column ${name}`);
    return this.values[i]!;
  }

  /** The rows as objects (tests, CSV). */
  rows(): Array<Record<string, number | string | null>> {
    const out: Array<Record<string, number | string | null>> = [];
    for (let r = 0; r < this.rowCount; r++) {
      const o: Record<string, number | string | null> = {};
      this.columns.forEach((c, i) => (o[c.name] = this.values[i]![r]!));
      out.push(o);
    }
    return out;
  }
}
