/** The EnvironmentIndexer and OrganismIndexer types: options and ports here, the indexers loaded when a pipeline runs one. */
import type { ServiceType } from '../../api/component-type.js';
import { lazyServiceType } from '../../api/lazy-service-type.js';
import { environmentIndexerOptions, organismIndexerOptions } from './batch-indexer-options.js';

const batchPorts = (dbUsage: string): ServiceType['ports'] => ({
  topic: { usage: ['topic-read'] },
  storage: { usage: ['storage-read'] },
  database: { usage: [dbUsage] },
  dlq: { usage: ['queue-out'], optional: true },
});

const loadIndexers = () => import('./batch-indexers.js');

export const environmentIndexerType: ServiceType<typeof environmentIndexerOptions> = lazyServiceType({
  className: 'EnvironmentIndexer',
  description:
    'Indexes the cells of every stored batch (chunks addressable by tick range) from batch-topic notifications.',
  ports: batchPorts('db-env-write'),
  options: environmentIndexerOptions,
  load: loadIndexers,
  create: (indexers, context) => new indexers.EnvironmentIndexer(context),
});

export const organismIndexerType: ServiceType<typeof organismIndexerOptions> = lazyServiceType({
  className: 'OrganismIndexer',
  description:
    'Indexes organisms of every stored batch (one blob per tick + static organism rows) from batch-topic notifications.',
  ports: batchPorts('db-organism-write'),
  options: organismIndexerOptions,
  load: loadIndexers,
  create: (indexers, context) => new indexers.OrganismIndexer(context),
});
