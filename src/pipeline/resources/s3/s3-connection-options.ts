/**
 * The connection options every S3 resource (S3Storage, S3DeadLetterQueue) takes, declared once so both types take
 * the same keys with the same defaults and docs. Kept apart from the client (s3-connection.ts), so a process that
 * reads its configuration does not load the AWS SDK unless it connects to S3.
 */
export interface S3ConnectionOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
  /** Prepended to every key ("" or ending in "/"), so several deployments can share a bucket. */
  readonly prefix: string;
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly createBucket: boolean;
  /** How long `init` keeps trying to reach the store (processes may start before it). */
  readonly connectTimeoutMs?: number;
}

/** Option specs of the connection, spread into the `fields` of each S3 resource type's defineOptions. */
export const s3ConnectionFields = {
  endpoint: {
    kind: 'string',
    default: '',
    doc: 'S3 endpoint URL (e.g. http://127.0.0.1:8089 for a local Swift); empty means AWS.',
  },
  region: { kind: 'string', default: 'us-east-1', nonEmpty: true, doc: 'Region name used for request signing.' },
  bucket: { kind: 'string', default: 'evochora', nonEmpty: true, doc: 'Bucket holding the runs.' },
  accessKeyId: {
    kind: 'string',
    default: '',
    doc: 'Access key; empty means the AWS default credential chain (AWS_ACCESS_KEY_ID, ...).',
  },
  secretAccessKey: {
    kind: 'string',
    default: '',
    doc: 'Secret key (set it through the environment, not in a checked-in file).',
  },
  forcePathStyle: {
    kind: 'bool',
    default: true,
    doc: 'Path-style URLs (needed by Swift, MinIO and most self-hosted S3).',
  },
  prefix: { kind: 'string', default: '', doc: 'Key prefix inside the bucket ("" or ending in "/").' },
  maxAttempts: {
    kind: 'int',
    default: 6,
    min: 1,
    max: 50,
    doc: 'Attempts per request for transient errors (5xx, throttling, resets), with backoff.',
  },
  requestTimeoutMs: {
    kind: 'int',
    default: 60_000,
    min: 100,
    max: 3_600_000,
    doc: 'Socket timeout of one request.',
  },
  createBucket: { kind: 'bool', default: true, doc: 'Create the bucket at startup when it does not exist.' },
  connectTimeoutMs: {
    kind: 'int',
    default: 30_000,
    min: 0,
    max: 3_600_000,
    doc: 'How long startup keeps trying to reach the store.',
  },
} as const;

/** A configured `prefix` as keys use it: "" or ending in "/". */
export function normalizedPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
