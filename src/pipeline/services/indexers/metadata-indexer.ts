/**
 * MetadataIndexer: member of the `metadata` consumer group of the metadata topic. For each MetadataInfo it
 * reads the run's SimulationMetadata from storage and upserts it into the run's index. It keeps listening,
 * so every run the node records gets its metadata indexed.
 */
import { MetadataInfo, type MetadataInfo as MetadataInfoMsg } from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import type { ServiceContext } from '../../api/service.js';
import type { ServiceType } from '../../registry.js';
import { AbstractIndexer, INDEXER_OPTION_FIELDS } from './abstract-indexer.js';
import { indexMetadata } from './index-operations.js';

export class MetadataIndexer extends AbstractIndexer<MetadataInfoMsg> {
  private runs = 0;
  constructor(context: ServiceContext) {
    super(context);
  }

  protected async index(m: MetadataInfoMsg): Promise<void> {
    await indexMetadata(this.storage, this.database, m.simulationRunId);
    this.runs++;
  }

  protected describe(m: MetadataInfoMsg): { runId: string; key: string; messageType: string; encoded: Uint8Array; metadata: Record<string, string> } {
    return { runId: m.simulationRunId, key: m.storageKey, messageType: 'MetadataInfo', encoded: MetadataInfo.encode(m).finish(), metadata: {} };
  }

  protected override indexerMetrics(): Metrics {
    return { runs_indexed: this.runs };
  }
}

export const metadataIndexerType: ServiceType = {
  className: 'MetadataIndexer',
  description: 'Indexes the SimulationMetadata of each run from metadata-topic notifications.',
  ports: {
    topic: { usage: ['topic-read'] },
    storage: { usage: ['storage-read'] },
    database: { usage: ['db-meta-write'] },
    dlq: { usage: ['queue-out'], optional: true },
  },
  options: { kind: 'object', doc: 'MetadataIndexer options', fields: { ...INDEXER_OPTION_FIELDS } },
  create: (context) => new MetadataIndexer(context),
};
