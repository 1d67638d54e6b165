/**
 * The retry options of the services that retry a write or a notification (persistence, metadata persistence,
 * indexers): one spec, with each service's defaults and its wording of what the retries are for.
 */
interface IntField {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

export function retryOptionFields(o: { maxRetriesDoc: string; backoffMs: number; maxBackoffMs: number }): {
  readonly maxRetries: IntField;
  readonly retryBackoffMs: IntField;
  readonly maxRetryBackoffMs: IntField;
} {
  return {
    maxRetries: {
      kind: 'int',
      default: 3,
      min: 0,
      max: 100,
      doc: o.maxRetriesDoc,
    },
    retryBackoffMs: {
      kind: 'int',
      default: o.backoffMs,
      min: 0,
      max: 3_600_000,
      doc: 'First retry delay; doubles each attempt.',
    },
    maxRetryBackoffMs: {
      kind: 'int',
      default: o.maxBackoffMs,
      min: 0,
      max: 3_600_000,
      doc: 'Upper bound of the retry delay.',
    },
  };
}
