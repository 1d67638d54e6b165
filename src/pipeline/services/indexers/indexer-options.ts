/** The option spec every indexer type shares (a light module: the registry reads it without loading indexers). */
import { retryOptionFields } from '../../api/retry-option-fields.js';
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';

/** The options every indexer takes (each indexer type declares them under its own doc). */
export const indexerOptions = defineOptions({
  kind: 'object',
  doc: 'Indexer options',
  fields: {
    ...retryOptionFields({
      maxRetriesDoc: 'Attempts after the first before a notification goes to the DLQ.',
      backoffMs: 200,
      maxBackoffMs: 10_000,
    }),
    pollTimeoutMs: {
      kind: 'int',
      default: 1000,
      min: 1,
      max: 600_000,
      doc: 'Longest wait for a notification before checking for pause/stop.',
    },
    maxMessagesPerReceive: { kind: 'int', default: 8, min: 1, max: 10_000, doc: 'Notifications taken per receive.' },
    catchUp: {
      kind: 'bool',
      default: true,
      doc: 'At start, index what storage holds but the index does not (batches or metadata whose notifications were lost, e.g. with a stopped node).',
    },
  },
});

/** Options of every indexer (validated, defaults filled). */
export type IndexerOptions = OptionsOf<typeof indexerOptions>;
