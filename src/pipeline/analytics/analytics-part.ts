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
import type { AnalyticsSample, MetricPlugin } from './metric-plugin.js';
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
    /** Runs the plugins `which` selects on a sample (a per-tick plugin must give exactly one row). */
    const run = (which: (p: MetricPlugin) => boolean, sample: AnalyticsSample): void => {
      this.plugins.forEach((p, i) => {
        if (!which(p)) return;
        const table = this.tables[i]!;
        let rows = 0;
        p.measure(sample, (row) => {
          table.push(sample.tick, row);
          rows++;
        });
        if (p.kind === 'per-tick' && rows !== 1)
          throw new RangeError(`per-tick plugin ${p.id} gave ${rows} rows for tick ${sample.tick}`);
      });
    };
    for (const chunk of chunks)
      this.sampler.walk(chunk.data, {
        sample: (sample) => {
          this.samples++;
          run((p) => p.kind === 'per-tick' && p.everySample === true, sample);
        },
        measured: (sample) => run((p) => p.kind === 'per-tick' && p.everySample !== true, sample),
        events: (sample) => run((p) => p.kind === 'events', sample),
      });
    const first = chunks[0]!.firstTick;
    const last = chunks[chunks.length - 1]!.lastTick;
    this.firstTick = Math.min(this.firstTick, first);
    this.lastTick = Math.max(this.lastTick, last);
    this.batches.push({ key, firstTick: first, lastTick: last });
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
