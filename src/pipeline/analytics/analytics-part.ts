/**
 * One part of a run's analytics being built: the configured plugins' tables for the batches added so far.
 * `files()` gives what to write: each table at level 1, each per-tick table at every coarser level, and the
 * manifest (write it last).
 */
import { VERSION } from '../../version.js';
import type { StoredChunk } from '../api/batch-storage.js';
import { AnalyticsSampler, type AnalyticsResolution, type RunFacts } from './analytics-samples.js';
import { manifestPath, partName, tableFilePath } from './analytics-keys.js';
import { aggregateLevel } from './levels.js';
import type { AnalyticsSample, MetricPlugin, MetricRow } from './metric-plugin.js';
import type { Lineage } from './lineage.js';
import { MetricTable } from './metric-table.js';
import { MANIFEST_FORMAT, type PartManifest, type PartTableFile } from './part-manifest.js';
import { tableToParquet } from './parquet-table.js';

export interface PartFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export class AnalyticsPart {
  private readonly tables: MetricTable[];
  private readonly sampler: AnalyticsSampler;
  private readonly batches: Array<{ key: string; firstTick: number; lastTick: number }> = [];
  /**
   * The plugins (indices) each kind of sample runs, and per plugin one row sink into its table: made once, since the
   * walk calls them for every sample (closures made per sample were most of what the analytics walk allocated).
   */
  private readonly everySamplePlugins: number[] = [];
  private readonly measuredPlugins: number[] = [];
  private readonly eventPlugins: number[] = [];
  private readonly emitters: Array<(row: MetricRow) => void>;
  /** The tick the plugin being run measures, and the rows it gave. */
  private rowTick = 0;
  private rows = 0;
  private firstTick = Number.MAX_SAFE_INTEGER;
  private lastTick = -1;
  samples = 0;

  constructor(
    readonly run: RunFacts,
    private readonly plugins: readonly MetricPlugin[],
    private readonly lodFactors: readonly number[],
    resolution: AnalyticsResolution = 'snapshots',
    /** The run's lineage so far (shared by its consecutive parts); a fresh one knows only what this part sees. */
    lineage?: Lineage,
  ) {
    this.tables = plugins.map((p) => MetricTable.forPlugin(p.columns));
    this.emitters = this.tables.map((table) => (row: MetricRow) => {
      table.push(this.rowTick, row);
      this.rows++;
    });
    plugins.forEach((p, i) => {
      if (p.kind === 'events') this.eventPlugins.push(i);
      else if (p.everySample === true) this.everySamplePlugins.push(i);
      else this.measuredPlugins.push(i);
    });
    this.sampler = new AnalyticsSampler(
      run,
      plugins.some((p) => p.needsCells === true),
      resolution,
      lineage,
    );
  }

  get batchCount(): number {
    return this.batches.length;
  }

  batchKeys(): string[] {
    return this.batches.map((b) => b.key);
  }

  hasBatch(key: string): boolean {
    return this.batches.some((b) => b.key === key);
  }

  /** Measures every sample of a stored batch's chunks (ascending ticks). */
  addBatch(key: string, chunks: readonly StoredChunk[]): void {
    if (chunks.length === 0) return;
    const handlers = {
      sample: (sample: AnalyticsSample) => {
        this.samples++;
        if (this.everySamplePlugins.length > 0) this.runPlugins(this.everySamplePlugins, sample);
      },
      measured: (sample: AnalyticsSample) => this.runPlugins(this.measuredPlugins, sample),
      events: (sample: AnalyticsSample) => this.runPlugins(this.eventPlugins, sample),
    };
    for (const chunk of chunks) this.sampler.walk(chunk.data, handlers);
    const first = chunks[0]!.firstTick;
    const last = chunks[chunks.length - 1]!.lastTick;
    this.firstTick = Math.min(this.firstTick, first);
    this.lastTick = Math.max(this.lastTick, last);
    this.batches.push({ key, firstTick: first, lastTick: last });
  }

  /** Runs the plugins `which` lists on a sample (a per-tick plugin must give exactly one row). */
  private runPlugins(which: readonly number[], sample: AnalyticsSample): void {
    for (let k = 0; k < which.length; k++) {
      const i = which[k]!;
      const p = this.plugins[i]!;
      this.rowTick = sample.tick;
      this.rows = 0;
      p.measure(sample, this.emitters[i]!);
      if (p.kind === 'per-tick' && this.rows !== 1)
        throw new RangeError(`per-tick plugin ${p.id} gave ${this.rows} rows for tick ${sample.tick}`);
    }
  }

  /** The part's Parquet files, then its manifest (last). */
  async files(): Promise<PartFile[]> {
    const part = partName(this.firstTick, this.lastTick);
    const out: PartFile[] = [];
    const listed: PartTableFile[] = [];
    const add = async (p: MetricPlugin, level: number, table: MetricTable): Promise<void> => {
      const path = tableFilePath(p.id, level, part);
      const bytes = await tableToParquet(table, {
        runId: this.run.runId,
        table: p.id,
        level,
        schemaVersion: p.version,
      });
      out.push({ path, bytes });
      listed.push({
        table: p.id,
        kind: p.kind,
        schemaVersion: p.version,
        level,
        path,
        rows: table.rowCount,
        bytes: bytes.length,
      });
    };
    for (const [i, p] of this.plugins.entries()) {
      const table = this.tables[i]!;
      await add(p, 1, table);
      if (p.kind === 'per-tick') for (const f of this.lodFactors) await add(p, f, aggregateLevel(table, p.columns, f));
    }
    const manifest: PartManifest = {
      format: MANIFEST_FORMAT,
      runId: this.run.runId,
      firstTick: this.firstTick,
      lastTick: this.lastTick,
      samples: this.samples,
      resolution: this.sampler.resolution,
      batches: [...this.batches].sort((a, b) => a.firstTick - b.firstTick),
      files: listed,
      writtenAtMs: Date.now(),
      writer: `evochora ${VERSION}`,
    };
    out.push({ path: manifestPath(part), bytes: Buffer.from(JSON.stringify(manifest, null, 1)) });
    return out;
  }
}
