/**
 * A dead-letter queue in the deployment's shared bucket: every DeadLetterMessage put on it becomes one object
 * `<prefix>.dlq/<resource name>/<id>`, in the same format and under the same kind of id as a
 * FileSystemDeadLetterQueue's files. Every host that binds it writes to the same place, so `evochora dlq
 * list|replay` on any machine with the config sees the dead letters of all of them. Bound as `queue-out`.
 *
 * The folder starts with a dot, so it is never taken for a run (run ids start with a letter or digit) by the
 * S3Storage that shares the bucket and prefix. Queues of one deployment are siblings under `<prefix>.dlq/`;
 * `siblings()` finds them, so a host whose config names one DLQ can still read the others.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CONTENT_DEAD_LETTER, type DeadLetterMessage, type DeadLetterMessageProps } from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import { bindDeadLetterQueue } from '../dead-letter-queue-port.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import { breakerMetrics, type CircuitBreaker } from '../../api/circuit-breaker.js';
import { readStorageStream } from '../storage-file.js';
import {
  decodeDeadLetter,
  encodeDeadLetter,
  failedAtOf,
  newDeadLetterId,
  type DeadLetterArchive,
  type DeadLetterInfo,
} from '../dead-letter-archive.js';
import { DeadLetterNotFoundError } from '../dead-letter-store.js';
import { DeadLetterQueueFullError } from '../file-system-dead-letter-queue.js';
import { connectS3, ensureBucket, isNoSuchKey, type S3Connection } from './s3-connection.js';
import type { S3ConnectionOptions } from './s3-connection-options.js';

/** The folder (under the deployment prefix) holding one sub-folder per dead-letter queue. */
export const DLQ_FOLDER = '.dlq/';

export interface S3DeadLetterQueueOptions extends S3ConnectionOptions {
  /** Most dead letters kept (counted across every host writing to this queue). */
  readonly capacity: number;
  /** How often the size seen by metrics and health is re-read from the bucket (ms; 0 = only on writes). */
  readonly refreshIntervalMs: number;
}

export class S3DeadLetterQueue implements Resource, DeadLetterArchive {
  readonly type = 'S3DeadLetterQueue';
  readonly usageTypes = ['queue-out'] as const;
  readonly client: S3Client;
  readonly breaker: CircuitBreaker;
  /** Full key prefix of this queue's objects: `<prefix>.dlq/<name>/`. */
  readonly keyPrefix: string;
  private readonly ownsClient: boolean;
  private received = 0;
  private dropped = 0;
  /** Letters in the queue when last listed (all hosts'). */
  private size = 0;
  private seq = 0;
  private offersInFlight = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly errorLog = new ErrorLog();

  constructor(
    readonly name: string,
    readonly options: S3DeadLetterQueueOptions,
    private readonly logger?: Logger,
    /** A sibling's connection to share (then closing this queue leaves the client open). */
    connection?: S3Connection,
  ) {
    const c = connection ?? connectS3(`S3 dead-letter queue '${name}'`, options);
    this.client = c.client;
    this.breaker = c.breaker;
    this.ownsClient = connection === undefined;
    this.keyPrefix = `${options.prefix}${DLQ_FOLDER}${name}/`;
  }

  /** Checks the bucket (creating it when allowed) and reads the queue's size; keeps the size fresh if asked. */
  async init(): Promise<void> {
    await ensureBucket(`S3 dead-letter queue '${this.name}'`, this.client, this.options, this.logger);
    await this.list();
    if (this.options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.list().catch(() => undefined); // informative only; a failing S3 shows in the breaker metrics
      }, this.options.refreshIntervalMs);
      this.timer.unref();
    }
  }

  /** Where the letters are, for messages: `s3://bucket/prefix.dlq/name/`. */
  get location(): string {
    return `s3://${this.options.bucket}/${this.keyPrefix}`;
  }

  // ---- writing (queue-out) ----

  async put(message: DeadLetterMessageProps): Promise<void> {
    try {
      await this.checkRoom();
      const id = this.nextId();
      const bytes = encodeDeadLetter(message);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.keyPrefix + id,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
        }),
      );
      this.received++;
      this.size++;
    } catch (err) {
      if (!(err instanceof DeadLetterQueueFullError)) this.fail(err);
      throw err;
    }
  }

  /**
   * Non-blocking: S3 cannot be written synchronously, so the letter is put in the background unless the queue
   * is known to be full; a failed background put is counted in `error_count` and makes the queue unhealthy.
   */
  offer(message: DeadLetterMessageProps): boolean {
    if (this.closed || this.size >= this.options.capacity || this.offersInFlight >= 256) {
      if (this.size >= this.options.capacity) this.dropped++;
      return false;
    }
    this.offersInFlight++;
    this.put(message)
      .catch(() => undefined) // recorded by put
      .finally(() => this.offersInFlight--);
    return true;
  }

  private nextId(): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return newDeadLetterId(this.seq);
  }

  /** The capacity counts every host's letters, so it is checked against a fresh listing (letters are rare). */
  private async checkRoom(): Promise<void> {
    await this.list();
    if (this.size >= this.options.capacity) {
      this.dropped++;
      throw new DeadLetterQueueFullError(this.name, this.options.capacity);
    }
  }

  private fail(err: unknown): void {
    const e = err as Error & { code?: string };
    this.errorLog.record(
      e.code ?? 'DLQ_WRITE_FAILED',
      `writing a dead letter to ${this.location} failed: ${e.message}`,
    );
  }

  // ---- reading (DeadLetterArchive) ----

  async list(): Promise<DeadLetterInfo[]> {
    const out: DeadLetterInfo[] = [];
    let token: string | undefined;
    do {
      const r: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.keyPrefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        const id = o.Key!.slice(this.keyPrefix.length);
        const failedAtMs = failedAtOf(id);
        if (failedAtMs !== undefined) out.push({ id, sizeBytes: o.Size ?? 0, failedAtMs });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.size = out.length;
    return out;
  }

  async read(id: string): Promise<DeadLetterMessage> {
    if (failedAtOf(id) === undefined) throw new DeadLetterNotFoundError(id, this.location);
    let body: Readable;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyPrefix + id }));
      body = r.Body as Readable;
    } catch (err) {
      if (isNoSuchKey(err)) throw new DeadLetterNotFoundError(id, this.location);
      throw err;
    }
    const where = this.location + id;
    for await (const m of readStorageStream(body, where, CONTENT_DEAD_LETTER)) {
      body.destroy(); // one message per letter
      return decodeDeadLetter(m, where);
    }
    return decodeDeadLetter(undefined, where);
  }

  async remove(id: string): Promise<void> {
    if (failedAtOf(id) === undefined) throw new DeadLetterNotFoundError(id, this.location);
    // S3 deletes are idempotent: a letter another host replayed meanwhile is simply gone.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyPrefix + id }));
    this.size = Math.max(0, this.size - 1);
  }

  /** The other dead-letter queues of the deployment (same bucket and prefix), sharing this queue's client. */
  async siblings(): Promise<S3DeadLetterQueue[]> {
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const r: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.options.prefix + DLQ_FOLDER,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of r.CommonPrefixes ?? [])
        names.add(p.Prefix!.slice((this.options.prefix + DLQ_FOLDER).length).replace(/\/$/, ''));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    names.delete(this.name);
    return [...names]
      .filter((n) => n !== '')
      .sort()
      .map(
        (n) =>
          new S3DeadLetterQueue(n, { ...this.options, refreshIntervalMs: 0 }, this.logger, {
            client: this.client,
            breaker: this.breaker,
          }),
      );
  }

  // ---- resource ----

  bind(context: ResourceContext): ResourceBinding {
    return bindDeadLetterQueue(this, 'S3DeadLetterQueue', context, '`evochora dlq list -c <config>`');
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    return {
      total_messages_received: this.received,
      current_size: this.size,
      capacity: this.options.capacity,
      dropped_messages: this.dropped,
      error_count: this.errorLog.count,
      ...breakerMetrics(this.breaker),
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  /** Unhealthy while it holds dead letters (someone has to look at them), after a failed write, or while S3 is out. */
  healthy(): boolean {
    return this.errorLog.count === 0 && this.size === 0 && this.breaker.state === 'closed';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.ownsClient) this.client.destroy();
  }
}
