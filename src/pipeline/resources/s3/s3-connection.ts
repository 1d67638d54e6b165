/**
 * How every S3 resource (S3Storage, S3DeadLetterQueue) reaches its bucket: the connection options they share
 * (declared once, so both types take the same keys with the same defaults and docs), the client with its
 * retries and timeouts, the circuit breaker every request goes through, and the startup check of the bucket.
 */
import type { Logger } from 'pino';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CircuitBreaker, CircuitOpenError } from '../../api/circuit-breaker.js';
import { EvochoraError } from '../../../errors.js';

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

export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** A missing key (GetObject of an absent object). */
export function isNoSuchKey(err: unknown): boolean {
  return (err as Error).name === 'NoSuchKey' || httpStatusOf(err) === 404;
}

export class S3StorageError extends EvochoraError {
  constructor(code: string, message: string, actions: string[] = [], data: Record<string, unknown> = {}) {
    super(code, message, { actions, data });
  }
}

export interface S3Connection {
  readonly client: S3Client;
  readonly breaker: CircuitBreaker;
}

/**
 * The client of one resource, every request of which goes through the breaker: an S3 that is down is not
 * hammered (its callers retry with backoff). It opens after repeated outages (network errors, timeouts, 5xx);
 * a 4xx answer means S3 is up. `what` names the resource in messages ("S3 storage 'tick-storage'").
 */
export function connectS3(what: string, options: S3ConnectionOptions): S3Connection {
  const client = new S3Client({
    endpoint: options.endpoint || undefined,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    maxAttempts: options.maxAttempts,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.accessKeyId
      ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
      : {}),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs,
      connectionTimeout: Math.min(options.requestTimeoutMs, 10_000),
    },
  });
  const breaker = new CircuitBreaker(what, (err) => {
    if (err instanceof CircuitOpenError) return false;
    const status = httpStatusOf(err);
    return status === undefined || status >= 500;
  });
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.send = ((...args: unknown[]) => breaker.call(() => send(...args))) as S3Client['send'];
  return { client, breaker };
}

/**
 * Checks the bucket is reachable (creating it when allowed), retrying until `connectTimeoutMs`. Client errors
 * (bad credentials, a missing bucket that may not be created) will not heal and fail at once.
 */
export async function ensureBucket(
  what: string,
  client: S3Client,
  options: S3ConnectionOptions,
  logger?: Logger,
): Promise<void> {
  const deadline = Date.now() + (options.connectTimeoutMs ?? 0);
  let delay = 200;
  for (;;) {
    try {
      await ensureBucketOnce(client, options, logger);
      return;
    } catch (err) {
      const status = httpStatusOf(err);
      const fatal = status !== undefined && status >= 400 && status < 500;
      if (fatal || Date.now() + delay > deadline)
        throw new S3StorageError(
          'S3_UNAVAILABLE',
          `${what} cannot use bucket '${options.bucket}' at ${options.endpoint || 'AWS'}: ${(err as Error).name}: ${(err as Error).message}`,
          [
            'Check the endpoint, credentials and bucket options of the resource.',
            'See docs/distributed.md for starting a local Swift with s3api.',
          ],
        );
      logger?.warn(
        { resource: what, err: (err as Error).message },
        `${what}: S3 not reachable yet, retrying in ${delay} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

async function ensureBucketOnce(client: S3Client, options: S3ConnectionOptions, logger?: Logger): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
    return;
  } catch (err) {
    if (httpStatusOf(err) !== 404 || !options.createBucket) throw err;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: options.bucket }));
    logger?.info({ bucket: options.bucket }, `Created bucket ${options.bucket}`);
  } catch (err) {
    const n = (err as Error).name;
    if (n !== 'BucketAlreadyOwnedByYou' && n !== 'BucketAlreadyExists') throw err;
  }
}
