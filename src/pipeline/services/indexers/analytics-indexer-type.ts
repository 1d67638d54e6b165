/** The AnalyticsIndexer type: options and ports here, the indexer (metric plugins, Parquet) loaded when a pipeline runs one. */
import type { ServiceType } from '../../api/component-type.js';
import { lazyServiceType } from '../../api/lazy-service-type.js';
import { analyticsIndexerOptions } from './analytics-indexer-options.js';

export const analyticsIndexerType: ServiceType<typeof analyticsIndexerOptions> = lazyServiceType({
  className: 'AnalyticsIndexer',
  description:
    'Runs metric plugins over every stored batch and writes per-run analytics (Parquet with levels of detail) beside the run.',
  ports: {
    topic: { usage: ['topic-read'] },
    storage: { usage: ['storage-read'] },
    analytics: { usage: ['analytics-write'] },
    dlq: { usage: ['queue-out'], optional: true },
  },
  options: analyticsIndexerOptions,
  load: () => import('./analytics-indexer.js'),
  preflight: (indexer, options) => indexer.preflightAnalyticsIndexer(options),
  create: (indexer, context) => new indexer.AnalyticsIndexer(context),
});
