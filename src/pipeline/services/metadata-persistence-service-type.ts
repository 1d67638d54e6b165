/** The MetadataPersistenceService type: its options and ports here, the service loaded when a pipeline runs one. */
import type { ServiceType } from '../api/component-type.js';
import { lazyServiceType } from '../api/lazy-service-type.js';
import { metadataPersistenceServiceOptions } from './metadata-persistence-service-options.js';

export const metadataPersistenceServiceType: ServiceType<typeof metadataPersistenceServiceOptions> = lazyServiceType({
  className: 'MetadataPersistenceService',
  description: 'Writes the SimulationMetadata of each run to storage; retries, then dead-letters.',
  ports: {
    input: { usage: ['queue-in'] },
    storage: { usage: ['storage-write'] },
    dlq: { usage: ['queue-out'], optional: true },
    topic: { usage: ['topic-write'], optional: true },
  },
  options: metadataPersistenceServiceOptions,
  load: () => import('./metadata-persistence-service.js'),
  create: (service, context) => new service.MetadataPersistenceService(context),
});
