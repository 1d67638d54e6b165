/**
 * How every S3 resource (S3Storage, S3DeadLetterQueue) reaches its bucket: the client with its retries and
 * timeouts (options in s3-connection-options.ts), the circuit breaker every request goes through, and the startup
 * check of the bucket.
 */
import type { Logger } from 'pino';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CircuitBreaker, CircuitOpenError } from '../../api/circuit-breaker.js';
import { EvochoraError } from '../../../errors.js';

import type { S3ConnectionOptions } from './s3-connection-options.js';

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
