/** MetadataPersistenceService's option spec, apart from the service (the registry reads it without loading the service). */
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';

export const metadataPersistenceServiceOptions = defineOptions({
  kind: 'object',
  doc: 'MetadataPersistenceService options',
  fields: {
    maxRetries: {
      kind: 'int',
      default: 3,
      min: 0,
      max: 100,
      doc: 'Write attempts after the first before the metadata goes to the DLQ.',
    },
    retryBackoffMs: {
      kind: 'int',
      default: 1000,
      min: 0,
      max: 3_600_000,
      doc: 'First retry delay; doubles each attempt.',
    },
    maxRetryBackoffMs: {
      kind: 'int',
      default: 60_000,
      min: 0,
      max: 3_600_000,
      doc: 'Upper bound of the retry delay.',
    },
  },
});

/** MetadataPersistenceService's options as its type declares them (validated, defaults filled). */
export type MetadataPersistenceServiceOptions = OptionsOf<typeof metadataPersistenceServiceOptions>;
