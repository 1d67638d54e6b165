/**
 * EnvironmentIndexer and OrganismIndexer: members of the `environment` and `organism` consumer groups of
 * the batch topic. Each BatchInfo names one batch file; the indexer reads it and upserts its chunks
 * (cells) or its per-tick organism blobs plus static organism rows.
 *
 * Catch-up: notifications of the in-memory topic die with the node, so a node stopped while the indexers
 * were behind would leave the index truncated. When an indexer starts, it lists every run in storage and
 * collects the batches not (completely) in the index for its kind (`unindexedBatches`, the same check and
 * indexing steps `evochora index` uses), then indexes them one by one, oldest first, between live
 * notifications. Live notifications go first; a backlog batch is checked again right before it is indexed
 * (it may have been indexed live or by another member meanwhile) and claimed within the process so two
 * members of one group never index it at once. Indexing is an idempotent upsert, so any overlap is harmless.
 * A graceful stop does not drain the backlog: it finishes the batch in hand and leaves the rest to the next
 * start's catch-up.
 */
import { BatchInfo, type BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { IndexDatabase } from '../../api/index-database.js';
import type { Metrics } from '../../api/monitorable.js';
import type { BatchFileInfo } from '../../api/batch-storage.js';
import type { ServiceContext } from '../../api/service.js';
import type { ServiceType } from '../../api/component-type.js';
import { AbstractIndexer, indexerOptions, type IndexerOptions } from './abstract-indexer.js';
import {
  indexBatchOfKind,
  isBatchIndexed,
  unindexedBatches,
  type BatchIndexOptions,
  type BatchKind,
} from './index-operations.js';
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';

/** Backlog batches being indexed by some member in this process, per database (`kind:key`). */
const catchUpClaims = new WeakMap<IndexDatabase, Set<string>>();

function claimsOf(db: IndexDatabase): Set<string> {
  let s = catchUpClaims.get(db);
  if (!s) catchUpClaims.set(db, (s = new Set()));
  return s;
}

abstract class BatchIndexer<O extends IndexerOptions = IndexerOptions> extends AbstractIndexer<BatchInfoMsg, O> {
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

  protected abstract readonly kind: BatchKind;

  protected constructor(context: ServiceContext<O>) {
    super(context);
    this.catchUpEnabled = context.options.catchUp;
  }

  /** How this kind of indexer writes a batch (the organism indexer's blob compression). */
  protected indexOptions(): BatchIndexOptions {
    return {};
  }

  protected async index(b: BatchInfoMsg): Promise<void> {
    const r = await indexBatchOfKind(
      this.kind,
      this.storage,
      this.database,
      b.simulationRunId,
      b.storageKey,
      this.indexOptions(),
    );
    this.chunks += r.chunks;
    this.ticks += r.ticks;
    this.newestTick = Math.max(this.newestTick, Number(b.tickEnd));
  }

  protected override async scanCatchUp(): Promise<void> {
    if (!this.catchUpEnabled) return;
    for (const runId of await this.storage.listRunIds()) {
      if (this.stopRequested) return;
      try {
        const missing = await unindexedBatches(this.storage, this.database, runId, this.kind);
        if (missing.length === 0) continue;
        this.catchUpRuns++;
        for (const batch of missing) this.backlog.push({ runId, batch });
        this.logger.info(
          { service: this.name, runId, batches: missing.length },
          `Catch-up: ${missing.length} stored batches of run ${runId} are not indexed (${this.kind}) yet`,
        );
      } catch (err) {
        this.logger.warn(
          { service: this.name, runId },
          `Catch-up: run ${runId} not scanned: ${(err as Error).message}`,
        );
      }
    }
  }

  protected override catchUpPending(): boolean {
    return this.backlog.length > 0;
  }

  protected override async catchUpStep(): Promise<void> {
    const item = this.backlog.shift();
    if (!item) return;
    const { runId, batch } = item;
    const claims = claimsOf(this.database);
    const claim = `${this.kind}:${batch.key}`;
    if (claims.has(claim)) return; // another member of this process is indexing it right now
    claims.add(claim);
    this.inHand++;
    try {
      const reader = await this.database.reader(runId);
      if (reader && (await isBatchIndexed(reader, this.kind, batch))) {
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
      const r = await this.attempt(payload, 1);
      if (r === 'aborted') {
        this.backlog.unshift(item);
      } else if (r === 'done') {
        this.catchUpIndexed++;
        if (this.backlog.length === 0)
          this.logger.info({ service: this.name }, `Catch-up done: ${this.catchUpIndexed} batches indexed`);
      } else {
        this.catchUpFailed++;
        await this.deadLetter(payload, r.error, r.attempts, r.firstFailure);
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

export class EnvironmentIndexer extends BatchIndexer {
  protected readonly kind = 'environment';
  constructor(context: ServiceContext<IndexerOptions>) {
    super(context);
  }
}

/** OrganismIndexer's options: every indexer's, and the compression of its organism blobs. */
export type OrganismIndexerOptions = OptionsOf<typeof organismIndexerOptions>;

export class OrganismIndexer extends BatchIndexer<OrganismIndexerOptions> {
  protected readonly kind = 'organism';
  constructor(context: ServiceContext<OrganismIndexerOptions>) {
    super(context);
  }

  protected override indexOptions(): BatchIndexOptions {
    return { organismBlobLevel: this.opts.blobCompressionLevel };
  }
}

const batchPorts = (dbUsage: string): ServiceType['ports'] => ({
  topic: { usage: ['topic-read'] },
  storage: { usage: ['storage-read'] },
  database: { usage: [dbUsage] },
  dlq: { usage: ['queue-out'], optional: true },
});

const environmentIndexerOptions = defineOptions({ ...indexerOptions, doc: 'EnvironmentIndexer options' });
const organismIndexerOptions = defineOptions({
  kind: 'object',
  doc: 'OrganismIndexer options',
  fields: {
    ...indexerOptions.fields,
    blobCompressionLevel: {
      kind: 'int',
      default: 1,
      min: 1,
      max: 19,
      doc: "zstd level of the organism blobs. 6 makes a mature world's index about a quarter smaller for about three times the compression CPU on the main thread (docs/pipeline.md).",
    },
  },
});

export const environmentIndexerType: ServiceType<typeof environmentIndexerOptions> = {
  className: 'EnvironmentIndexer',
  description:
    'Indexes the cells of every stored batch (chunks addressable by tick range) from batch-topic notifications.',
  ports: batchPorts('db-env-write'),
  options: environmentIndexerOptions,
  create: (context) => new EnvironmentIndexer(context),
};

export const organismIndexerType: ServiceType<typeof organismIndexerOptions> = {
  className: 'OrganismIndexer',
  description:
    'Indexes organisms of every stored batch (one blob per tick + static organism rows) from batch-topic notifications.',
  ports: batchPorts('db-organism-write'),
  options: organismIndexerOptions,
  create: (context) => new OrganismIndexer(context),
};
