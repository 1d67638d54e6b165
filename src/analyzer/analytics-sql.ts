/**
 * SQL over one run's analytics: an in-memory DuckDB with a view per table and level, sandboxed so a query can
 * only read the run's own Parquet files:
 * - `<table>`: every sampled tick (level 1), e.g. `population`, `births`;
 * - `<table>_lod<f>`: buckets of f ticks, with rows of a bucket cut by a part boundary merged (weighted mean,
 *   min of mins, max of maxes), e.g. `population_lod1000`;
 * - `organisms`: births joined with deaths (one row per organism; death columns null while it lives).
 * Only reading statements run (SELECT, WITH, EXPLAIN, DESCRIBE, SUMMARIZE …); DuckDB's own file access is
 * limited to the run's files and locked, so `read_csv('/etc/passwd')` or `COPY … TO` fail.
 * DuckDB (a 68 MB native module) is imported on first use, so commands and a node that never query pay nothing.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { EvochoraError } from '../errors.js';
import { METRIC_PLUGINS } from '../pipeline/analytics/plugin-catalogue.js';
import type { MetricColumn } from '../pipeline/analytics/metric-plugin.js';
import { AnalyzerErrorCode } from './error-codes.js';
import type { RunCatalog } from './run-catalog.js';

export class AnalyticsQueryError extends EvochoraError {
  constructor(message: string, code: string = AnalyzerErrorCode.ANALYTICS_QUERY_FAILED) {
    super(code, message, {
      actions: [
        '`evochora analytics query --run RUN "SHOW TABLES"` lists the tables; docs/analytics.md has their columns.',
      ],
    });
  }
}

/** DuckDB statement types that only read (see @duckdb/node-bindings StatementType). */
const READ_ONLY_STATEMENTS = new Set([1 /* SELECT */, 4 /* EXPLAIN */, 22 /* RELATION */]);

export interface QueryResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly rows: ReadonlyArray<ReadonlyArray<unknown>>;
  /** True when the result had more rows than the limit. */
  readonly truncated: boolean;
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** JSON-safe values: BIGINTs as numbers when exact, other DuckDB values as text. */
function jsValue(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsValue);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return String(v);
  return v;
}

/** The merged view of a coarser level: a bucket split over parts becomes one row. */
function mergedLevelSql(files: readonly string[], columns: readonly MetricColumn[]): string {
  const parts = [`tick`, `CAST(sum(samples) AS BIGINT) AS samples`];
  for (const c of columns) {
    const n = ident(c.name);
    if (c.type === 'string') parts.push(`first(${n} ORDER BY samples DESC) AS ${n}`);
    else
      parts.push(
        `sum(${n} * samples) / nullif(sum(CASE WHEN ${n} IS NULL THEN 0 ELSE samples END), 0) AS ${n}`,
        `min(${ident(`${c.name}_min`)}) AS ${ident(`${c.name}_min`)}`,
        `max(${ident(`${c.name}_max`)}) AS ${ident(`${c.name}_max`)}`,
      );
  }
  return `SELECT ${parts.join(', ')} FROM read_parquet([${files.map(sqlString).join(', ')}]) GROUP BY tick`;
}

export class AnalyticsSql {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly fingerprint: string,
    readonly views: readonly string[],
  ) {}

  static async open(catalog: RunCatalog): Promise<AnalyticsSql> {
    const { instance, connection: c, files, views } = await AnalyticsSql.withViews(catalog);
    // From here on DuckDB may touch only the run's files, and nobody can change that.
    await c.run(`SET allowed_paths = [${files.map(sqlString).join(', ')}]`);
    await c.run('SET enable_external_access = false');
    await c.run('SET lock_configuration = true');
    return new AnalyticsSql(instance, c, catalog.fingerprint, views.sort());
  }

  /**
   * Writes views of the run to `outDir` (one file per view: `<view>.parquet` or `.csv`), in a DuckDB of its own
   * that runs only these statements (no user SQL reaches it). Returns the files written.
   */
  static async exportViews(
    catalog: RunCatalog,
    outDir: string,
    options: { format: 'parquet' | 'csv'; views?: (view: string) => boolean; onView?: (view: string) => void },
  ): Promise<Array<{ view: string; path: string; rows: number }>> {
    const { instance, connection: c, views } = await AnalyticsSql.withViews(catalog);
    const out: Array<{ view: string; path: string; rows: number }> = [];
    try {
      for (const view of views) {
        if (options.views && !options.views(view)) continue;
        options.onView?.(view);
        const path = `${outDir}/${view}.${options.format}`;
        const how = options.format === 'parquet' ? '(FORMAT parquet, COMPRESSION zstd)' : '(FORMAT csv, HEADER)';
        const r = await c.runAndReadAll(`COPY (SELECT * FROM ${ident(view)}) TO ${sqlString(path)} ${how}`);
        out.push({ view, path, rows: Number(r.getRows()[0]?.[0] ?? 0) });
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    return out;
  }

  private static async withViews(
    catalog: RunCatalog,
  ): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection; files: string[]; views: string[] }> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const c = await instance.connect();
    const files: string[] = [];
    const views: string[] = [];
    for (const t of catalog.tables.values()) {
      const columns = METRIC_PLUGINS.find((p) => p.id === t.id)?.columns;
      for (const [level, paths] of t.levels) {
        files.push(...paths);
        const name = level === 1 ? t.id : `${t.id}_lod${level}`;
        const body =
          level === 1 || !columns
            ? `SELECT * FROM read_parquet([${paths.map(sqlString).join(', ')}]) ORDER BY tick`
            : `${mergedLevelSql(paths, columns)} ORDER BY tick`;
        await c.run(`CREATE VIEW ${ident(name)} AS ${body}`);
        views.push(name);
      }
    }
    if (catalog.tables.has('births')) {
      const deaths = catalog.tables.has('deaths');
      await c.run(
        `CREATE VIEW organisms AS SELECT b.organism_id, b.parent_id, b.birth_tick, ${
          deaths
            ? 'd.death_tick, d.lifespan, d.cause AS death_cause,'
            : 'NULL AS death_tick, NULL AS lifespan, NULL AS death_cause,'
        } b.genome_hash, b.program_id, b.position, b.energy AS birth_energy FROM births b ${
          deaths ? 'LEFT JOIN deaths d USING (organism_id)' : ''
        } ORDER BY b.organism_id`,
      );
      views.push('organisms');
    }
    return { instance, connection: c, files, views };
  }

  /** Runs read-only SQL (several statements: each must read; the last one's rows are returned). */
  async query(sql: string, maxRows = 10_000): Promise<QueryResult> {
    let extracted;
    try {
      extracted = await this.connection.extractStatements(sql);
    } catch (err) {
      throw new AnalyticsQueryError((err as Error).message);
    }
    if (extracted.count === 0) throw new AnalyticsQueryError('The SQL holds no statement.');
    let last: QueryResult | undefined;
    for (let i = 0; i < extracted.count; i++) {
      let prepared;
      try {
        prepared = await extracted.prepare(i);
      } catch (err) {
        throw new AnalyticsQueryError((err as Error).message);
      }
      if (!READ_ONLY_STATEMENTS.has(prepared.statementType as number))
        throw new AnalyticsQueryError(
          `Statement ${i + 1} would change something (statement type ${String(prepared.statementType)}); analytics SQL only reads.`,
          AnalyzerErrorCode.ANALYTICS_QUERY_NOT_READ_ONLY,
        );
      try {
        const reader = await prepared.runAndReadUntil(maxRows + 1);
        const names = reader.columnNames();
        const types = reader.columnTypes().map(String);
        const rows = reader.getRowsJS().map((r) => r.map(jsValue));
        last = {
          columns: names.map((name, k) => ({ name, type: types[k]! })),
          rows: rows.slice(0, maxRows),
          truncated: rows.length > maxRows,
        };
      } catch (err) {
        throw new AnalyticsQueryError((err as Error).message);
      }
    }
    return last!;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
