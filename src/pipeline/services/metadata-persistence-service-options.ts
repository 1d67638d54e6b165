/** MetadataPersistenceService's option spec, apart from the service (the registry reads it without loading the service). */
import { retryOptionFields } from '../api/retry-option-fields.js';
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';

export const metadataPersistenceServiceOptions = defineOptions({
  kind: 'object',
  doc: 'MetadataPersistenceService options',
  fields: {
    ...retryOptionFields({
      maxRetriesDoc: 'Write attempts after the first before the metadata goes to the DLQ.',
      backoffMs: 1000,
      maxBackoffMs: 60_000,
    }),
  },
});

/** MetadataPersistenceService's options as its type declares them (validated, defaults filled). */
export type MetadataPersistenceServiceOptions = OptionsOf<typeof metadataPersistenceServiceOptions>;
