/**
 * EnvironmentIndexer and OrganismIndexer: members of the `environment` and `organism` consumer groups of
 * the batch topic. Each BatchInfo names one batch file; the indexer reads it and upserts its chunks (cells) or
 * its per-tick organism blobs plus static organism rows into the index database (catch-up: batch-indexer.ts).
 */
import type { BatchInfo as BatchInfoMsg } from '../../contracts/index.js';
import type { IndexDatabase } from '../../api/index-database.js';
import type { BatchFileInfo } from '../../api/batch-storage.js';
import type { ServiceContext } from '../../api/service.js';
import type { ServiceType } from '../../api/component-type.js';
import { indexerOptions, type IndexerOptions } from './abstract-indexer.js';
import { BatchIndexer } from './batch-indexer.js';
import {
  indexBatchOfKind,
  isBatchIndexed,
  unindexedBatches,
  type BatchIndexOptions,
  type BatchKind,
} from './index-operations.js';
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';

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

/** OrganismIndexer's options: every indexer's, and the compression of its organism blobs. */
export type OrganismIndexerOptions = OptionsOf<typeof organismIndexerOptions>;

export class OrganismIndexer extends IndexDatabaseBatchIndexer<OrganismIndexerOptions> {
  protected readonly kind = 'organism';
  constructor(context: ServiceContext<OrganismIndexerOptions>) {
    super(context);
  }

  protected override indexOptions(): BatchIndexOptions {
    return { organismBlobLevel: this.opts.blobCompressionLevel, organismReferences: this.opts.references };
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
    references: {
      kind: 'bool',
      default: false,
      doc: 'Keep references to the stored chunks instead of compressed copies of their organisms (file-system storage): the index shrinks to a few bytes per tick, and reading the organisms of a tick decompresses its whole chunk, cells included (p95 ~10 ms on the mature default world, 60+ ms in a dense 2048×1152 world, against ~7 and ~13 with copies).',
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
