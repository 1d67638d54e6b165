/**
 * EnvironmentIndexer and OrganismIndexer: members of the `environment` and `organism` consumer groups of
 * the batch topic. Each BatchInfo names one batch file; the indexer reads it and upserts its chunks (cells) or
 * its per-tick organism blobs plus static organism rows into the index database (catch-up: batch-indexer.ts).
 */
import type { BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { IndexDatabase } from '../../api/index-database.js';
import type { BatchFileInfo } from '../../api/batch-storage.js';
import type { ServiceContext } from '../../api/service.js';

import { type IndexerOptions } from './indexer-options.js';
import { BatchIndexer } from './batch-indexer.js';
import {
  indexBatchOfKind,
  isBatchIndexed,
  unindexedBatches,
  type BatchIndexOptions,
  type BatchKind,
} from './index-operations.js';
import type { OrganismIndexerOptions } from './batch-indexer-options.js';

/** A batch indexer whose output is the index database. */
abstract class IndexDatabaseBatchIndexer<O extends IndexerOptions = IndexerOptions> extends BatchIndexer<O> {
  protected abstract override readonly kind: BatchKind;
  protected readonly database: IndexDatabase;
  protected readonly output: object;

  protected constructor(context: ServiceContext<O>) {
    super(context);
    this.database = this.port<IndexDatabase>('database');
    this.output = this.database;
  }

  /** How this kind of indexer writes a batch (the organism indexer's blob compression). */
  protected indexOptions(): BatchIndexOptions {
    return {};
  }

  protected handleBatch(b: BatchInfoMsg): Promise<{ chunks: number; ticks: number }> {
    return indexBatchOfKind(
      this.kind,
      this.storage,
      this.database,
      b.simulationRunId,
      b.storageKey,
      this.indexOptions(),
    );
  }

  protected missingBatches(runId: string): Promise<BatchFileInfo[]> {
    return unindexedBatches(this.storage, this.database, runId, this.kind);
  }

  protected async hasBatch(runId: string, batch: BatchFileInfo): Promise<boolean> {
    const reader = await this.database.reader(runId);
    return reader !== undefined && (await isBatchIndexed(reader, this.kind, batch));
  }
}

export class EnvironmentIndexer extends IndexDatabaseBatchIndexer {
  protected readonly kind = 'environment';
  constructor(context: ServiceContext<IndexerOptions>) {
    super(context);
  }
}

export type { OrganismIndexerOptions };

export class OrganismIndexer extends IndexDatabaseBatchIndexer<OrganismIndexerOptions> {
  protected readonly kind = 'organism';
  constructor(context: ServiceContext<OrganismIndexerOptions>) {
    super(context);
  }

  protected override indexOptions(): BatchIndexOptions {
    return {
      organismBlobLevel: this.opts.blobCompressionLevel,
      organismReferences: this.opts.references,
      organismReferenceChunkBytes: this.opts.referenceChunkBytes,
    };
  }
}
