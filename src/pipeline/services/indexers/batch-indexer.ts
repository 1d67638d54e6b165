/**
 * What every batch indexer shares: a member of a consumer group of the batch topic that handles each BatchInfo
 * (one stored batch file), and catches up at start.
 *
 * Catch-up: notifications of the in-memory topic die with the node, so a node stopped while an indexer was
 * behind would leave its output truncated. When an indexer starts, it lists every run in storage and collects
 * the batches its output lacks (`missingBatches`, the same check `evochora index` uses), then handles them
 * one by one, oldest first, between live notifications. Live notifications go first; a backlog batch is
 * checked again right before it is handled (it may have been done live or by another member meanwhile) and
 * claimed within the process so two members of one group never handle it at once. Handling is idempotent,
 * so any overlap is harmless. A graceful stop does not drain the backlog: it finishes the batch in hand and
 * leaves the rest to the next start's catch-up.
 */
import { BatchInfo, type BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import type { BatchFileInfo } from '../../api/batch-storage.js';
import type { ServiceContext } from '../../api/service.js';
import { AbstractIndexer, type CatchUpScan, type IndexerOptions } from './abstract-indexer.js';
import { ATTR, EVENT } from '../../tracing/span-names.js';
import { failSpan } from '../../tracing/span-outcomes.js';

/** Backlog batches being handled by some member in this process, per output (`kind:key`). */
const catchUpClaims = new WeakMap<object, Set<string>>();

function claimsOf(db: object): Set<string> {
  let s = catchUpClaims.get(db);
  if (!s) catchUpClaims.set(db, (s = new Set()));
  return s;
}

export abstract class BatchIndexer<O extends IndexerOptions = IndexerOptions> extends AbstractIndexer<BatchInfoMsg, O> {
  private newestTick = -1;
  private ticks = 0;
  private chunks = 0;
  private readonly catchUpEnabled: boolean;
  private backlog: Array<{ runId: string; batch: BatchFileInfo }> = [];
  /** Taken from the backlog but not finished: still pending. */
  private inHand = 0;
  private catchUpRuns = 0;
  private catchUpIndexed = 0;
  private catchUpSkipped = 0;
  private catchUpFailed = 0;

  /** What this indexer makes of a batch (claims and logs name it). */
  protected abstract readonly kind: string;
  /** The object the indexer writes to: claims are per output, so members writing elsewhere do not wait. */
  protected abstract readonly output: object;
  /** Handles one stored batch (idempotent); says how many chunks and sampled ticks it held. */
  protected abstract handleBatch(b: BatchInfoMsg): Promise<{ chunks: number; ticks: number }>;
  /** The run's stored batches the output lacks, ascending. */
  protected abstract missingBatches(runId: string): Promise<BatchFileInfo[]>;
  /** Whether the output already holds the batch. */
  protected abstract hasBatch(runId: string, batch: BatchFileInfo): Promise<boolean>;

  protected constructor(context: ServiceContext<O>) {
    super(context);
    this.catchUpEnabled = context.options.catchUp;
  }

  protected async index(b: BatchInfoMsg): Promise<void> {
    const r = await this.handleBatch(b);
    this.chunks += r.chunks;
    this.ticks += r.ticks;
    this.newestTick = Math.max(this.newestTick, Number(b.tickEnd));
  }

  protected override async scanCatchUp(): Promise<CatchUpScan | void> {
    if (!this.catchUpEnabled) return;
    let runs = 0;
    let items = 0;
    for (const runId of await this.storage.listRunIds()) {
      if (this.stopRequested) break;
      const n = await this.scanRun(runId);
      if (n > 0) runs++;
      items += n;
    }
    return { runs, items };
  }

  /** Queues the stored batches of one run that the index lacks; returns how many. */
  private async scanRun(runId: string): Promise<number> {
    try {
      const missing = await this.missingBatches(runId);
      if (missing.length === 0) return 0;
      this.catchUpRuns++;
      for (const batch of missing) this.backlog.push({ runId, batch });
      this.logger.info(
        { service: this.name, runId, batches: missing.length },
        `Catch-up: ${missing.length} stored batches of run ${runId} are not indexed (${this.kind}) yet`,
      );
      return missing.length;
    } catch (err) {
      this.logger.warn({ service: this.name, runId }, `Catch-up: run ${runId} not scanned: ${(err as Error).message}`);
      return 0;
    }
  }

  protected override catchUpPending(): boolean {
    return this.backlog.length > 0;
  }

  protected override async catchUpStep(): Promise<void> {
    const item = this.backlog.shift();
    if (!item) return;
    const { runId, batch } = item;
    const claims = claimsOf(this.output);
    const claim = `${this.kind}:${batch.key}`;
    if (claims.has(claim)) return; // another member of this process is indexing it right now
    claims.add(claim);
    this.inHand++;
    try {
      if (await this.hasBatch(runId, batch)) {
        this.catchUpSkipped++;
        return;
      }
      const payload = BatchInfo.create({
        simulationRunId: runId,
        storageKey: batch.key,
        tickStart: batch.firstTick,
        tickEnd: batch.lastTick,
        bytes: batch.sizeBytes,
      });
      const span = this.startCatchUpSpan(payload);
      try {
        const r = await this.attempt(payload, 1, span);
        if (r === 'aborted') {
          span.addEvent('handed-back');
          this.backlog.unshift(item);
        } else if (r === 'done') {
          this.catchUpIndexed++;
          if (this.backlog.length === 0)
            this.logger.info({ service: this.name }, `Catch-up done: ${this.catchUpIndexed} batches indexed`);
        } else {
          this.catchUpFailed++;
          failSpan(span, r.error);
          span.setAttribute(ATTR.attempts, r.attempts);
          await this.deadLetter(payload, r.error, r.attempts, r.firstFailure);
          span.addEvent(EVENT.deadLettered);
        }
      } finally {
        span.end();
      }
    } finally {
      claims.delete(claim);
      this.inHand--;
    }
  }

  protected describe(b: BatchInfoMsg): {
    runId: string;
    key: string;
    messageType: string;
    encoded: Uint8Array;
    metadata: Record<string, string>;
  } {
    return {
      runId: b.simulationRunId,
      key: b.storageKey,
      messageType: 'BatchInfo',
      encoded: BatchInfo.encode(b).finish(),
      metadata: { startTick: String(b.tickStart), endTick: String(b.tickEnd), tickCount: String(b.tickCount ?? 0) },
    };
  }

  protected override indexerMetrics(): Metrics {
    return {
      newest_indexed_tick: this.newestTick,
      ticks_indexed: this.ticks,
      chunks_indexed: this.chunks,
      // Stored batches found unindexed at start and not done yet: > 0 means the index is behind storage.
      catch_up_batches_pending: this.backlog.length + this.inHand,
      catch_up_runs: this.catchUpRuns,
      catch_up_batches_indexed: this.catchUpIndexed,
      catch_up_batches_skipped: this.catchUpSkipped,
      catch_up_batches_failed: this.catchUpFailed,
    };
  }
}
