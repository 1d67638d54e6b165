/** The MetadataIndexer type: options and ports here, the indexer loaded when a pipeline runs one. */
import { defineOptions } from '../../../config/field-spec.js';
import type { ServiceType } from '../../api/component-type.js';
import { lazyServiceType } from '../../api/lazy-service-type.js';
import { indexerOptions } from './indexer-options.js';

const metadataIndexerOptions = defineOptions({ ...indexerOptions, doc: 'MetadataIndexer options' });

export const metadataIndexerType: ServiceType<typeof metadataIndexerOptions> = lazyServiceType({
  className: 'MetadataIndexer',
  description: 'Indexes the SimulationMetadata of each run from metadata-topic notifications.',
  ports: {
    topic: { usage: ['topic-read'] },
    storage: { usage: ['storage-read'] },
    database: { usage: ['db-meta-write'] },
    dlq: { usage: ['queue-out'], optional: true },
  },
  options: metadataIndexerOptions,
  load: () => import('./metadata-indexer.js'),
  create: (indexer, context) => new indexer.MetadataIndexer(context),
});
