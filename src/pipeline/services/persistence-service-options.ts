/** PersistenceService's option spec, apart from the service (the registry reads it without loading the service). */
import { retryOptionFields } from '../api/retry-option-fields.js';
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';

export const persistenceServiceOptions = defineOptions({
  kind: 'object',
  doc: 'PersistenceService options',
  fields: {
    maxBatchSize: {
      kind: 'int',
      default: 10,
      min: 1,
      max: 1_000_000,
      doc: 'Most chunks written into one batch file.',
    },
    batchTimeoutSeconds: {
      kind: 'number',
      default: 5,
      min: 0.001,
      max: 3600,
      doc: 'Longest wait for the first chunk of a batch.',
    },
    ...retryOptionFields({
      maxRetriesDoc: 'Write attempts after the first before the batch goes to the DLQ.',
      backoffMs: 1000,
      maxBackoffMs: 60_000,
    }),
    drainOnStopMs: {
      kind: 'int',
      default: 10_000,
      min: 0,
      max: 3_600_000,
      doc: 'On stop, keep writing what is still queued for at most this long.',
    },
    maxWritesInFlight: {
      kind: 'int',
      default: 2,
      min: 1,
      max: 64,
      doc: 'Batches written at once (one compresses while another is fsynced); they complete, are announced and acknowledged in order.',
    },
    sourceQueue: { kind: 'string', default: 'tick-queue', doc: 'Name recorded as source_queue in dead letters.' },
  },
});

/** PersistenceService's options as its type declares them (validated, defaults filled). */
export type PersistenceServiceOptions = OptionsOf<typeof persistenceServiceOptions>;
