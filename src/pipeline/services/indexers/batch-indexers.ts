/**
 * EnvironmentIndexer and OrganismIndexer: members of the `environment` and `organism` consumer groups of
 * the batch topic. Each BatchInfo names one batch file; the indexer reads it and upserts its chunks
 * (cells) or its per-tick organism blobs plus static organism rows.
 */
import { BatchInfo, type BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import type { ServiceContext } from '../../api/service.js';
import type { ServiceType } from '../../registry.js';
import { AbstractIndexer, INDEXER_OPTION_FIELDS } from './abstract-indexer.js';
import { indexEnvironmentBatch, indexOrganismBatch, type IndexedRange } from './index-operations.js';



abstract class BatchIndexer extends AbstractIndexer<BatchInfoMsg> {
  private newestTick = -1;
  private ticks = 0;
  private chunks = 0;

  protected abstract indexBatch(runId: string, key: string): Promise<IndexedRange>;

  protected async index(b: BatchInfoMsg): Promise<void> {
    const r = await this.indexBatch(b.simulationRunId, b.storageKey);
    this.chunks += r.chunks;
    this.ticks += Number(b.tickCount ?? 0);
    this.newestTick = Math.max(this.newestTick, Number(b.tickEnd));
  }

  protected describe(b: BatchInfoMsg): { runId: string; key: string; messageType: string; encoded: Uint8Array; metadata: Record<string, string> } {
    return {
      runId: b.simulationRunId,
      key: b.storageKey,
      messageType: 'BatchInfo',
      encoded: BatchInfo.encode(b).finish(),
      metadata: { startTick: String(b.tickStart), endTick: String(b.tickEnd), tickCount: String(b.tickCount ?? 0) },
    };
  }

  protected override indexerMetrics(): Metrics {
    return { newest_indexed_tick: this.newestTick, ticks_indexed: this.ticks, chunks_indexed: this.chunks };
  }
}

export class EnvironmentIndexer extends BatchIndexer {
  constructor(context: ServiceContext) {
    super(context);
  }
  protected indexBatch(runId: string, key: string): Promise<IndexedRange> {
    return indexEnvironmentBatch(this.storage, this.database, runId, key);
  }
}

export class OrganismIndexer extends BatchIndexer {
  constructor(context: ServiceContext) {
    super(context);
  }
  protected indexBatch(runId: string, key: string): Promise<IndexedRange> {
    return indexOrganismBatch(this.storage, this.database, runId, key);
  }
}

const batchPorts = (dbUsage: string): ServiceType['ports'] => ({
  topic: { usage: ['topic-read'] },
  storage: { usage: ['storage-read'] },
  database: { usage: [dbUsage] },
  dlq: { usage: ['queue-out'], optional: true },
});

export const environmentIndexerType: ServiceType = {
  className: 'EnvironmentIndexer',
  description: 'Indexes the cells of every stored batch (chunks addressable by tick range) from batch-topic notifications.',
  ports: batchPorts('db-env-write'),
  options: { kind: 'object', doc: 'EnvironmentIndexer options', fields: { ...INDEXER_OPTION_FIELDS } },
  create: (context) => new EnvironmentIndexer(context),
};

export const organismIndexerType: ServiceType = {
  className: 'OrganismIndexer',
  description: 'Indexes organisms of every stored batch (one blob per tick + static organism rows) from batch-topic notifications.',
  ports: batchPorts('db-organism-write'),
  options: { kind: 'object', doc: 'OrganismIndexer options', fields: { ...INDEXER_OPTION_FIELDS } },
  create: (context) => new OrganismIndexer(context),
};
