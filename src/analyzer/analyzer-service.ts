/**
 * The analyzer's operations over runs' analytics, shared by `/analyzer/api` and `evochora analytics`: what a
 * run's analytics hold, a metric over a tick range at the level of detail that fits a number of points, SQL,
 * the phylogeny, the genotype bank and genotype abundance over time (the Muller plot's data).
 *
 * A live run gains a part every few seconds: the catalogue is re-read when it is older than a second, and a
 * run's SQL views are rebuilt when its parts changed. A few runs stay open (least recently used first out).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError } from '../http/http-router.js';
import type { AnalyticsReader } from '../pipeline/api/analytics-store.js';
import { METRIC_PLUGINS } from '../pipeline/analytics/plugin-catalogue.js';
import { levelColumns } from '../pipeline/analytics/levels.js';
import { AnalyticsSql, type QueryResult } from './analytics-sql.js';
import { alifeCsv, buildPhylogeny, newick, type Phylogeny } from './phylogeny.js';
import { genomeListing, type GenomeListing } from './genome-listing.js';
import type { BatchStorageReader } from '../pipeline/api/batch-storage.js';
import { AnalyticsTableNotFoundError, RunCatalog, type CatalogTable } from './run-catalog.js';

/** A genotype and the genotype it arose from (null for a founder). */
export interface GenomeOrigin {
  readonly genomeHash: string;
  readonly parentGenome: string | null;
}

export interface ManifestTable {
  readonly id: string;
  readonly kind: 'per-tick' | 'events';
  readonly schemaVersion: number;
  readonly doc: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string; readonly doc: string }>;
  readonly levels: ReadonlyArray<{ readonly level: number; readonly rows: number; readonly view: string }>;
  readonly bytes: number;
}

export interface AnalyticsManifest {
  readonly runId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly samples: number;
  readonly parts: number;
  readonly fingerprint: string;
  readonly tables: readonly ManifestTable[];
}

export interface MetricSeries {
  readonly runId: string;
  readonly table: string;
  /** The level answered: 1 = every sampled tick, f = buckets of f ticks (columns c, c_min, c_max). */
  readonly level: number;
  readonly from: number;
  readonly to: number;
  readonly columns: readonly string[];
  /** Column-major: one array per column, `tick` first. */
  readonly data: ReadonlyArray<ReadonlyArray<unknown>>;
}

export interface MullerSeries {
  readonly runId: string;
  readonly ticks: readonly number[];
  /** The most abundant genotypes (by organisms born), then `other`: living organisms per tick. */
  readonly genotypes: ReadonlyArray<{ readonly genomeHash: string; readonly counts: readonly number[] }>;
}

const MAX_POINTS = 100_000;
const OPEN_RUNS = 4;

interface OpenRun {
  catalog: RunCatalog;
  checkedAt: number;
  sql?: Promise<AnalyticsSql>;
}

function viewName(table: string, level: number): string {
  return level === 1 ? table : `${table}_lod${level}`;
}

export class AnalyzerService {
  private readonly open = new Map<string, OpenRun>();

  constructor(
    private readonly store: AnalyticsReader,
    /** Where analytics of non-local storage (S3) are mirrored for DuckDB. */
    private readonly mirrorRoot: string = join(tmpdir(), 'evochora-analytics'),
    /** The run's batches, for what analytics do not hold (a genome's cells); usually the same storage. */
    private readonly storage?: BatchStorageReader,
  ) {}

  async listRuns(): Promise<Array<{ runId: string; firstTick: number; lastTick: number; samples: number }>> {
    const out = [];
    for (const runId of await this.store.listAnalyticsRuns()) {
      try {
        const c = await this.catalog(runId);
        out.push({ runId, firstTick: c.firstTick, lastTick: c.lastTick, samples: c.samples });
      } catch {
        // a run whose analytics have no part yet is not listed
      }
    }
    return out.sort((a, b) => (a.runId < b.runId ? 1 : -1));
  }

  async catalog(runId: string): Promise<RunCatalog> {
    const now = Date.now();
    let r = this.open.get(runId);
    if (r && now - r.checkedAt < 1000) return r.catalog;
    const catalog = await RunCatalog.open(this.store, runId, this.mirrorRoot);
    if (r && r.catalog.fingerprint === catalog.fingerprint) r.checkedAt = now;
    else {
      void r?.sql?.then((s) => s.close()).catch(() => undefined);
      r = { catalog, checkedAt: now };
    }
    this.open.delete(runId);
    this.open.set(runId, r);
    while (this.open.size > OPEN_RUNS) {
      const oldest = this.open.keys().next().value as string;
      void this.open
        .get(oldest)
        ?.sql?.then((s) => s.close())
        .catch(() => undefined);
      this.open.delete(oldest);
    }
    return r.catalog;
  }

  private async sql(runId: string): Promise<AnalyticsSql> {
    await this.catalog(runId);
    const r = this.open.get(runId)!;
    r.sql ??= AnalyticsSql.open(r.catalog);
    r.sql.catch(() => (r.sql = undefined));
    return r.sql;
  }

  async manifest(runId: string): Promise<AnalyticsManifest> {
    const c = await this.catalog(runId);
    return {
      runId,
      firstTick: c.firstTick,
      lastTick: c.lastTick,
      samples: c.samples,
      parts: c.parts.length,
      fingerprint: c.fingerprint,
      tables: [...c.tables.values()].map((t) => this.describeTable(t)),
    };
  }

  private describeTable(t: CatalogTable): ManifestTable {
    const plugin = METRIC_PLUGINS.find((p) => p.id === t.id);
    return {
      id: t.id,
      kind: t.kind,
      schemaVersion: t.schemaVersion,
      doc: plugin?.doc ?? '',
      columns: [{ name: 'tick', type: 'int', doc: 'Sampled tick.' }, ...(plugin?.columns ?? [])],
      levels: [...t.levels.keys()]
        .sort((a, b) => a - b)
        .map((level) => ({ level, rows: t.rows.get(level) ?? 0, view: viewName(t.id, level) })),
      bytes: t.bytes,
    };
  }

  /**
   * A table over [from, to] at the finest level whose rows in that range fit `points` (the coarsest when none
   * does), or at `level` when given. `columns` picks columns (tick always comes first).
   */
  async metric(
    runId: string,
    table: string,
    options: { from?: number; to?: number; points?: number; level?: number; columns?: readonly string[] },
  ): Promise<MetricSeries> {
    const c = await this.catalog(runId);
    const t = c.table(table);
    const from = options.from ?? c.firstTick;
    const to = options.to ?? c.lastTick;
    if (to < from) throw new BadRequestError(`to (${to}) is before from (${from}).`);
    const points = options.points ?? 2000;
    if (points < 1 || points > MAX_POINTS) throw new BadRequestError(`points must be 1..${MAX_POINTS}, got ${points}.`);
    const levels = [...t.levels.keys()].sort((a, b) => a - b);
    let level: number;
    if (options.level !== undefined) {
      if (!t.levels.has(options.level))
        throw new AnalyticsTableNotFoundError(runId, `level ${options.level} of '${table}'`, levels.map(String));
      level = options.level;
    } else {
      const span = to - from + 1;
      const rowsPerTick = (t.rows.get(1) ?? 0) / Math.max(1, c.lastTick - c.firstTick + 1);
      level = levels.find((l) => span * Math.min(rowsPerTick, 1 / l) <= points) ?? levels[levels.length - 1]!;
    }
    const plugin = METRIC_PLUGINS.find((p) => p.id === table);
    const available = plugin
      ? level === 1
        ? ['tick', ...plugin.columns.map((x) => x.name)]
        : levelColumns(plugin.columns).map((x) => x.name)
      : undefined;
    let wanted = ['*'];
    if (options.columns && options.columns.length > 0) {
      for (const col of options.columns)
        if (available && !available.includes(col))
          throw new AnalyticsTableNotFoundError(runId, `column '${col}' in '${viewName(table, level)}'`, available);
      wanted = ['tick', ...options.columns.filter((x) => x !== 'tick')].map((x) => `"${x}"`);
    }
    const limit = t.kind === 'events' ? MAX_POINTS : Math.max(points * 2 + 10, 100);
    const sql = await this.sql(runId);
    const r = await sql.query(
      `SELECT ${wanted.join(', ')} FROM "${viewName(table, level)}" WHERE tick BETWEEN ${from} AND ${to} ORDER BY tick LIMIT ${limit}`,
      limit,
    );
    return {
      runId,
      table,
      level,
      from,
      to,
      columns: r.columns.map((x) => x.name),
      data: r.columns.map((_, i) => r.rows.map((row) => row[i])),
    };
  }

  async query(runId: string, sqlText: string, maxRows = 10_000): Promise<QueryResult & { views: readonly string[] }> {
    const sql = await this.sql(runId);
    return { ...(await sql.query(sqlText, maxRows)), views: sql.views };
  }

  async phylogeny(runId: string): Promise<Phylogeny> {
    (await this.catalog(runId)).table('births');
    const r = await (
      await this.sql(runId)
    ).query(
      'SELECT organism_id, parent_id, birth_tick, death_tick, genome_hash, program_id, death_cause FROM organisms',
      Number.MAX_SAFE_INTEGER - 1,
    );
    return buildPhylogeny(
      r.rows.map((x) => ({
        id: x[0] as number,
        parentId: (x[1] as number | null) ?? null,
        birthTick: x[2] as number,
        deathTick: (x[3] as number | null) ?? null,
        genomeHash: (x[4] as string) ?? '',
        programId: (x[5] as string) ?? '',
        deathCause: (x[6] as string | null) ?? null,
      })),
    );
  }

  /** Distinct genomes: when each first appeared, how many organisms carried it, how many still live. */
  async genotypes(runId: string, limit = 100): Promise<QueryResult> {
    (await this.catalog(runId)).table('births');
    return (await this.sql(runId)).query(
      `SELECT genome_hash, min(birth_tick) AS first_tick, max(birth_tick) AS last_birth_tick, count(*) AS organisms,
              count(*) FILTER (WHERE death_tick IS NULL) AS alive, arg_min(organism_id, birth_tick) AS first_organism,
              arg_min(parent_id, birth_tick) AS first_parent, avg(lifespan) AS mean_lifespan
         FROM organisms GROUP BY genome_hash ORDER BY organisms DESC, first_tick LIMIT ${Math.max(1, Math.min(limit, 100_000))}`,
      100_000,
    );
  }

  /**
   * Every genotype with the genotype it arose from (its first organism's parent's genome; null for a founder), in
   * order of first appearance: what lineage colouring (web visualizer, `video --mode lineage`) is computed from.
   */
  async genomeTree(runId: string): Promise<GenomeOrigin[]> {
    (await this.catalog(runId)).table('births');
    const r = await (
      await this.sql(runId)
    ).query(
      `WITH o AS (SELECT organism_id, parent_id, birth_tick, genome_hash FROM organisms)
       SELECT c.genome_hash, arg_min(p.genome_hash, c.birth_tick) AS parent_genome, min(c.birth_tick) AS first_tick
         FROM o c LEFT JOIN o p ON c.parent_id = p.organism_id
        GROUP BY c.genome_hash ORDER BY first_tick, c.genome_hash`,
      1_000_000,
    );
    return (r.rows as Array<[string, string | null, number]>).map(([genomeHash, parent]) => ({
      genomeHash,
      parentGenome: parent === null || parent === genomeHash ? null : parent,
    }));
  }

  /** Every organism's genotype (organism id → genome hash): with `genomeTree`, what colours an owner by lineage. */
  async organismGenomes(runId: string): Promise<Map<number, string>> {
    (await this.catalog(runId)).table('births');
    const r = await (await this.sql(runId)).query('SELECT organism_id, genome_hash FROM organisms', 100_000_000);
    return new Map((r.rows as Array<[number, string]>).map(([id, g]) => [Number(id), g]));
  }

  /** The genome of a genotype, disassembled from the cells its first organism owned when it first appeared. */
  async genome(runId: string, genomeHash: string): Promise<GenomeListing> {
    (await this.catalog(runId)).table('births');
    const r = await (
      await this.sql(runId)
    ).query(
      `SELECT organism_id, tick FROM births WHERE genome_hash = '${genomeHash.replaceAll("'", "''")}' ORDER BY tick, organism_id LIMIT 1`,
      1,
    );
    const first = r.rows[0];
    if (!first) throw new AnalyticsTableNotFoundError(runId, `genotype '${genomeHash}'`, ['a genome_hash of births']);
    if (!this.storage) throw new AnalyticsTableNotFoundError(runId, 'batch storage to read genomes from', []);
    const listing = await genomeListing(this.storage, runId, genomeHash, first[0] as number, first[1] as number);
    if (!listing)
      throw new AnalyticsTableNotFoundError(runId, `stored tick ${String(first[1])} for genotype '${genomeHash}'`, []);
    return listing;
  }

  /** Living organisms per genotype at `points` ticks across the run: the top `top` genotypes and `other`. */
  async muller(runId: string, points = 200, top = 8): Promise<MullerSeries> {
    const c = await this.catalog(runId);
    c.table('births');
    if (points < 2 || points > 5000) throw new BadRequestError(`points must be 2..5000, got ${points}.`);
    if (top < 1 || top > 50) throw new BadRequestError(`top must be 1..50, got ${top}.`);
    const step = Math.max(1, Math.ceil((c.lastTick - c.firstTick + 1) / points));
    const r = await (
      await this.sql(runId)
    ).query(
      `WITH o AS (SELECT genome_hash, birth_tick, coalesce(death_tick, 9007199254740991) AS death FROM organisms),
            leaders AS (SELECT genome_hash FROM o GROUP BY 1 ORDER BY count(*) DESC, min(birth_tick) LIMIT ${top}),
            t AS (SELECT unnest(range(${c.firstTick}, ${c.lastTick + 1}, ${step})) AS tick)
       SELECT t.tick, CASE WHEN o.genome_hash IN (SELECT genome_hash FROM leaders) THEN o.genome_hash ELSE 'other' END AS g,
              count(*) AS n
         FROM t JOIN o ON o.birth_tick <= t.tick AND o.death > t.tick
        GROUP BY 1, 2 ORDER BY 1`,
      10_000_000,
    );
    const ticks: number[] = [];
    for (let tick = c.firstTick; tick <= c.lastTick; tick += step) ticks.push(tick);
    const index = new Map(ticks.map((tick, i) => [tick, i]));
    const series = new Map<string, number[]>();
    for (const [tick, g, n] of r.rows as Array<[number, string, number]>) {
      let s = series.get(g);
      if (!s) series.set(g, (s = new Array<number>(ticks.length).fill(0)));
      s[index.get(tick)!] = n;
    }
    const genotypes = [...series.entries()]
      .sort((a, b) => (a[0] === 'other' ? 1 : b[0] === 'other' ? -1 : 0))
      .map(([genomeHash, counts]) => ({ genomeHash, counts }));
    return { runId, ticks, genotypes };
  }

  /**
   * Writes the run's tables to `outDir`: every view at `level` (1 = full detail; events tables and the
   * organisms view only at level 1), or all levels, as Parquet or CSV; plus the phylogeny (ALife CSV and
   * Newick) when the run has births.
   */
  async export(
    runId: string,
    outDir: string,
    options: { format: 'parquet' | 'csv'; level?: number; tables?: readonly string[]; onFile?: (name: string) => void },
  ): Promise<Array<{ file: string; rows: number }>> {
    const c = await this.catalog(runId);
    for (const t of options.tables ?? []) c.table(t);
    mkdirSync(outDir, { recursive: true });
    const wantedLevel = options.level;
    const files = await AnalyticsSql.exportViews(c, outDir, {
      format: options.format,
      onView: options.onFile,
      views: (view) => {
        const m = /^(.*?)(?:_lod(\d+))?$/.exec(view)!;
        const table = m[1]!;
        const level = m[2] ? Number(m[2]) : 1;
        if (options.tables && options.tables.length > 0 && !options.tables.includes(table)) return false;
        return wantedLevel === undefined
          ? level === 1
          : level === wantedLevel || (level === 1 && !c.tables.get(table)?.levels.has(wantedLevel));
      },
    });
    const out = files.map((f) => ({ file: f.path, rows: f.rows }));
    if (
      c.tables.has('births') &&
      (!options.tables || options.tables.length === 0 || options.tables.includes('births'))
    ) {
      const p = await this.phylogeny(runId);
      writeFileSync(join(outDir, 'phylogeny.alife.csv'), alifeCsv(p));
      writeFileSync(join(outDir, 'phylogeny.nwk'), newick(p));
      out.push(
        { file: join(outDir, 'phylogeny.alife.csv'), rows: p.nodes.length },
        { file: join(outDir, 'phylogeny.nwk'), rows: p.nodes.length },
      );
    }
    return out;
  }

  close(): void {
    for (const r of this.open.values()) void r.sql?.then((s) => s.close()).catch(() => undefined);
    this.open.clear();
  }
}
