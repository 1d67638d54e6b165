/** The PersistenceService type: its options and ports here, the service loaded when a pipeline runs one. */
import type { ServiceType } from '../api/component-type.js';
import { lazyServiceType } from '../api/lazy-service-type.js';
import { persistenceServiceOptions } from './persistence-service-options.js';

export const persistenceServiceType: ServiceType<typeof persistenceServiceOptions> = lazyServiceType({
  className: 'PersistenceService',
  description:
    'Drains tick chunks from a queue in batches and writes each batch atomically to storage; retries, then dead-letters.',
  ports: {
    input: { usage: ['queue-in'] },
    storage: { usage: ['storage-write'] },
    dlq: { usage: ['queue-out'], optional: true },
    idempotencyTracker: { usage: ['idempotency'], optional: true },
    topic: { usage: ['topic-write'], optional: true },
  },
  options: persistenceServiceOptions,
  load: () => import('./persistence-service.js'),
  create: (service, context) => new service.PersistenceService(context),
});
