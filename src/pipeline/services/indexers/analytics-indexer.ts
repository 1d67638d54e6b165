/**
 * AnalyticsIndexer: member of the `analytics` consumer group of the batch topic. It runs the configured metric
 * plugins over every sample of each stored batch and writes the run's analytics (Parquet tables with levels of
 * detail, see src/pipeline/analytics/) through the storage's analytics port, beside the run.
 *
 * Batches gather into a part per run, written when it holds `maxPartSamples` samples or is `flushIntervalMs`
 * old, and on stop. A notification is acknowledged once its batch is in the part: a crash loses the unwritten
 * part, and the next start's catch-up (batches no part manifest covers) analyses those batches again.
 */
import type { BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { AnalyticsStore } from '../../api/analytics-store.js';
import { releaseChunks, type BatchFileInfo } from '../../api/batch-storage.js';
import type { Metrics } from '../../api/monitorable.js';
import type { ServiceContext } from '../../api/service.js';

import type { PreflightIssue } from '../../api/component-type.js';

import { BatchIndexer } from './batch-indexer.js';
import { AnalyticsPart } from '../../analytics/analytics-part.js';
import {
  analyzedBatchKeys,
  lineageOf,
  readStoredBatch,
  runFactsOf,
  unanalyzedBatches,
  writePart,
} from '../../analytics/analytics-operations.js';

import { METRIC_PLUGINS, selectPlugins } from '../../analytics/plugin-catalogue.js';
import type { MetricPlugin } from '../../analytics/metric-plugin.js';
import type { Lineage } from '../../analytics/lineage.js';
import { PipelineErrorCode } from '../../error-codes.js';
import { DiskFullWait } from '../../api/disk-full-wait.js';
import type { AnalyticsIndexerOptions } from './analytics-indexer-options.js';

export type { AnalyticsIndexerOptions };

interface OpenPart {
  readonly part: AnalyticsPart;
  /** When the part was opened, or when its last write found the disk full. */
  openedAt: number;
}

export class AnalyticsIndexer extends BatchIndexer<AnalyticsIndexerOptions> {
  protected readonly kind = 'analytics';
  protected readonly output: object;
  private readonly analytics: AnalyticsStore;
  private readonly plugins: readonly MetricPlugin[];
  private readonly open = new Map<string, OpenPart>();
  private readonly partsDiskFull = new DiskFullWait(this.name, this.logger, {
    record: (code, message) => this.recordError(code, message),
    resolve: (code) => this.resolveErrors(code),
  });
  /** Per run: the lineage so far (seeded from the written parts when the run is first seen), shared by its parts. */
  private readonly lineages = new Map<string, Lineage>();
  /** Per run: batch keys some written part covers (read from the manifests once, then kept up to date). */
  private readonly covered = new Map<string, Set<string>>();
  private partsWritten = 0;
  private bytesWritten = 0;
  private samplesAnalyzed = 0;
  private batchesSkipped = 0;

  constructor(context: ServiceContext<AnalyticsIndexerOptions>) {
    super(context);
    this.analytics = this.port<AnalyticsStore>('analytics');
    this.output = this.analytics;
    this.plugins = selectPlugins(context.options.plugins);
  }

  private async coveredKeys(runId: string): Promise<Set<string>> {
    let s = this.covered.get(runId);
    if (!s) {
      s = await analyzedBatchKeys(this.analytics, runId);
      this.covered.set(runId, s);
    }
    return s;
  }

  protected async handleBatch(b: BatchInfoMsg): Promise<{ chunks: number; ticks: number }> {
    const runId = b.simulationRunId;
    const covered = await this.coveredKeys(runId);
    const open = this.open.get(runId);
    if (covered.has(b.storageKey) || open?.part.hasBatch(b.storageKey)) {
      this.batchesSkipped++;
      return { chunks: 0, ticks: 0 };
    }
    const chunks = await readStoredBatch(this.storage, b.storageKey);
    const entry = open ?? {
      part: new AnalyticsPart(
        await runFactsOf(this.storage, runId),
        this.plugins,
        this.opts.lodFactors,
        this.opts.resolution,
        await this.lineageOf(runId),
      ),
      openedAt: Date.now(),
    };
    this.open.set(runId, entry);
    const before = entry.part.samples;
    entry.part.addBatch(b.storageKey, chunks); // measured as it is walked: nothing of the bytes is kept
    releaseChunks(chunks);
    this.samplesAnalyzed += entry.part.samples - before;
    if (entry.part.samples >= this.opts.maxPartSamples) await this.flush(runId);
    return { chunks: chunks.length, ticks: entry.part.samples - before };
  }

  private async lineageOf(runId: string): Promise<Lineage> {
    let l = this.lineages.get(runId);
    if (!l) {
      l = await lineageOf(this.analytics, runId);
      this.lineages.set(runId, l);
      // Runs this indexer no longer hears of: keep the lineages of the few most recent.
      while (this.lineages.size > 4) this.lineages.delete(this.lineages.keys().next().value as string);
    }
    return l;
  }

  private async flush(runId: string): Promise<void> {
    const entry = this.open.get(runId);
    if (!entry) return;
    this.open.delete(runId);
    try {
      const r = await writePart(this.analytics, entry.part);
      this.partsDiskFull.onSuccess();
      this.partsWritten++;
      this.bytesWritten += r.bytes;
      const covered = await this.coveredKeys(runId);
      for (const key of entry.part.batchKeys()) covered.add(key);
    } catch (err) {
      if (!this.stopRequested && this.partsDiskFull.onError(err, `analytics part of run ${runId}`)) {
        // Kept and tried again after the next flush interval; the recording waits on the full disk meanwhile.
        entry.openedAt = Date.now();
        this.open.set(runId, entry);
        return;
      }
      // The batches of this part were acknowledged: they are lost for now, and the next start's catch-up
      // (batches no manifest covers) analyses them again.
      this.recordError(
        PipelineErrorCode.ANALYTICS_WRITE_FAILED,
        `part of run ${runId} not written: ${(err as Error).message}`,
      );
      this.logger.error({ service: this.name, runId }, `Analytics part not written: ${(err as Error).message}`);
    }
  }

  protected override async afterReceive(): Promise<void> {
    const now = Date.now();
    for (const [runId, entry] of [...this.open])
      if (now - entry.openedAt >= this.opts.flushIntervalMs) await this.flush(runId);
  }

  protected override async beforeStop(): Promise<void> {
    for (const runId of [...this.open.keys()]) await this.flush(runId);
  }

  protected missingBatches(runId: string): Promise<BatchFileInfo[]> {
    return unanalyzedBatches(this.storage, this.analytics, runId);
  }

  protected async hasBatch(runId: string, batch: BatchFileInfo): Promise<boolean> {
    return (await this.coveredKeys(runId)).has(batch.key) || this.open.get(runId)?.part.hasBatch(batch.key) === true;
  }

  protected override indexerMetrics(): Metrics {
    return {
      ...super.indexerMetrics(),
      analytics_parts_written: this.partsWritten,
      analytics_bytes_written: this.bytesWritten,
      analytics_samples: this.samplesAnalyzed,
      analytics_batches_skipped: this.batchesSkipped,
      analytics_open_parts: this.open.size,
      ...(this.partsDiskFull.waiting ? this.partsDiskFull.metrics() : {}),
    };
  }
}

/** Before anything starts: every configured plugin exists and the levels of detail are whole multiples. */
export function preflightAnalyticsIndexer(options: AnalyticsIndexerOptions): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  const known = new Set(METRIC_PLUGINS.map((p) => p.id));
  for (const id of options.plugins)
    if (!known.has(id))
      issues.push({ path: 'plugins', value: id, expected: `a metric plugin: ${[...known].join(', ')}` });
  for (const f of options.lodFactors)
    if (!Number.isInteger(f) || f < 2)
      issues.push({ path: 'lodFactors', value: f, expected: 'whole numbers of ticks, 2 or more' });
  return issues;
}
