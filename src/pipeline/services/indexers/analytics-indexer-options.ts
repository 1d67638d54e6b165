/** AnalyticsIndexer's option spec, apart from the indexer (the registry reads it without loading analytics). */
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';
import { DEFAULT_LOD_FACTORS } from '../../analytics/levels.js';
import { DEFAULT_PLUGIN_IDS } from '../../analytics/plugin-catalogue.js';
import { indexerOptions } from './indexer-options.js';

export const analyticsIndexerOptions = defineOptions({
  kind: 'object',
  doc: 'AnalyticsIndexer options',
  fields: {
    ...indexerOptions.fields,
    plugins: {
      kind: 'list',
      of: 'string',
      default: DEFAULT_PLUGIN_IDS,
      doc: `Metric plugins to run (docs/analytics.md): ${DEFAULT_PLUGIN_IDS.join(', ')}.`,
    },
    resolution: {
      kind: 'string',
      enum: ['snapshots', 'every-sample'] as const,
      default: 'snapshots',
      doc: 'When the per-tick tables measure: at every snapshot and ACCUMULATED sample (every accumulatedDeltaInterval samples, 50 by default; cheap) or at every-sample (several times the CPU: docs/analytics.md). Births and deaths are complete either way.',
    },
    lodFactors: {
      kind: 'list',
      of: 'int',
      default: DEFAULT_LOD_FACTORS,
      doc: 'Coarser levels of detail of the per-tick tables: one row per bucket of this many ticks (mean, min, max); each 2 or more.',
    },
    maxPartSamples: {
      kind: 'int',
      // 100,000 wrote a part every ~2 s on a default node (~40 Parquet files each: ~5 % of the main thread's time
      // went to writing small files); at 500,000 the flush interval decides at that speed.
      default: 500_000,
      min: 1,
      max: 10_000_000,
      doc: 'A part (one Parquet file per table and level) is written once it holds this many samples (sampled ticks).',
    },
    flushIntervalMs: {
      kind: 'int',
      default: 10_000,
      min: 100,
      max: 3_600_000,
      doc: 'A part is also written when it is this old, so a live run’s analytics stay current.',
    },
  },
});

export type AnalyticsIndexerOptions = OptionsOf<typeof analyticsIndexerOptions>;
