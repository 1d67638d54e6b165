/**
 * A queue on NATS JetStream, shared by processes on any machine.
 *
 * - The queue is a stream with work-queue retention: a message stays until a consumer acknowledges it, so the
 *   stream's size is the backlog. Its limits (`maxMessages`, `maxBytes`, discard-new) are the backpressure: a
 *   producer's `put` waits while the stream is full. Publishes carry a message id, so a publish retried after a
 *   lost acknowledgement (e.g. during a leader election) is stored once.
 * - All `queue-in` bindings, in every process, pull from one durable consumer with explicit acks: competing
 *   consumers. `commit(batch)` acknowledges (double-acked, retried through failovers); a message not acknowledged
 *   within `ackWaitMs` (its process died) is redelivered to another consumer. While a batch is being handled the
 *   binding keeps it alive with progress signals, so slow writes are not redelivered.
 * - With `exclusiveFetch` (default) the consumer admits one waiting pull request at a time (max_waiting = 1):
 *   one binding at a time collects a batch, so every batch is a run of consecutive stream messages and batch
 *   files never interleave. A batch returned by `receiveBatch` is always a consecutive run; anything else that
 *   arrived (a redelivery followed by new messages) waits in the binding for the next call.
 */
import type { Logger } from 'pino';
import { nanos, type Msg } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
} from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { EvochoraError } from '../../../errors.js';
import type { Metrics, Monitorable } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import { abortedPutError, type QueueConsumer, type QueueProducer } from '../../api/queue.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import { SlidingWindowRate } from '../../api/sliding-window-rate.js';
import { sleep } from '../../api/sleep.js';
import { markRedelivered } from '../../api/delivery-marks.js';
import { MessageCodec, type WireCompression } from './message-codec.js';
import { withRetry } from './nats-connection.js';
import { JetStreamResource, openJetStream, type JetStreamConnection } from './jetstream-resource.js';
import { CONSUMER_NOT_FOUND, ensureStream, STREAM_NOT_FOUND } from './ensure-stream.js';
import { ackConfirmed, parseAckSubject, pullOnce, type PullResult } from './jetstream-pull.js';
import { PipelineErrorCode } from '../../error-codes.js';

export { parseAckSubject };

export interface JetStreamQueueOptions {
  readonly servers: string;
  readonly stream: string;
  readonly subject: string;
  readonly consumer: string;
  readonly replicas: number;
  readonly storage: 'file' | 'memory';
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly exclusiveFetch: boolean;
  readonly compression: WireCompression;
  readonly compressionLevel: number;
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly duplicateWindowMs: number;
  /**
   * This process is the stream's only producer (one engine per deployment): chain publishes with
   * Nats-Expected-Last-Msg-Id, so a publish retried after a lost acknowledgement is recognised as stored even
   * when the server's duplicate window cannot tell (e.g. after a leader change).
   */
  readonly singleProducer?: boolean;
}

export class QueueStoppedError extends EvochoraError {
  constructor(queue: string) {
    super(
      PipelineErrorCode.QUEUE_CLOSED,
      `Queue '${queue}' stopped accepting messages because its producer is stopping.`,
    );
  }
}

export class MessageTooLargeError extends EvochoraError {
  constructor(queue: string, bytes: number, reason: string) {
    super(
      PipelineErrorCode.QUEUE_MESSAGE_TOO_LARGE,
      `Queue '${queue}': a message of ${bytes} bytes (after compression) was refused: ${reason}.`,
      {
        actions: [
          'Raise `max_payload` of the NATS servers (e.g. 8MB; see docs/distributed.md).',
          'Or make chunks smaller (fewer samples per chunk: accumulatedDeltaInterval × snapshotInterval).',
        ],
        data: { queue, bytes },
      },
    );
  }
}

/** One message handed to a consumer binding and not yet acknowledged. */
interface Delivery {
  readonly message: unknown;
  readonly ackSubject: string;
  readonly streamSeq: number;
  readonly deliveryCount: number;
  readonly bytes: number;
}

function isStreamFull(err: unknown): boolean {
  const m = String((err as Error)?.message ?? '').toLowerCase();
  return (
    m.includes('maximum messages exceeded') ||
    m.includes('maximum bytes exceeded') ||
    m.includes('insufficient resources') ||
    m.includes('resource limits exceeded')
  );
}

/** The actual last message id when a publish was refused for Nats-Expected-Last-Msg-Id, else undefined. */
function wrongLastMsgId(err: unknown): string | undefined {
  const m = /wrong last msg id:?\s*(\S*)/i.exec(String((err as Error)?.message ?? ''));
  return m ? m[1]! : undefined;
}

function isTooLarge(err: unknown): boolean {
  const m = String((err as Error)?.message ?? '').toLowerCase();
  return m.includes('maximum payload') || m.includes('max_payload') || m.includes('message size exceeds');
}

export class JetStreamQueue<T = unknown> extends JetStreamResource implements Resource {
  readonly type = 'JetStreamQueue';
  readonly usageTypes = ['queue-in', 'queue-out'] as const;
  private readonly codec: MessageCodec;
  private readonly publishRate = new SlidingWindowRate();
  private consumerInfo: ConsumerInfo | undefined;
  private readonly consumers = new Set<ConsumerBinding<T>>();
  private published = 0;
  private publishedBytes = 0;
  private publishedRawBytes = 0;
  private duplicatesRejected = 0;
  private publishRetries = 0;
  private fullWaits = 0;
  private full = false;
  private offerChain: Promise<void> = Promise.resolve();
  private offersInFlight = 0;
  private lastMsgId: string | undefined;
  private chainResets = 0;

  private constructor(
    name: string,
    readonly options: JetStreamQueueOptions,
    connection: JetStreamConnection,
    logger: Logger,
  ) {
    super(name, options.stream, connection, logger);
    this.codec = new MessageCodec(options.compression, options.compressionLevel);
  }

  /** Connects and makes sure the stream and the durable consumer exist (idempotent across processes). */
  static create<T>(name: string, options: JetStreamQueueOptions, logger: Logger): Promise<JetStreamQueue<T>> {
    return openJetStream(name, options, async (connection) => {
      const q = new JetStreamQueue<T>(name, options, connection, logger);
      await withRetry(`creating stream ${options.stream}`, () => q.ensureStream(), options.connectTimeoutMs);
      await withRetry(`creating consumer ${options.consumer}`, () => q.ensureConsumer(), options.connectTimeoutMs);
      q.startInfoRefresh();
      await q.refreshInfo();
      return q;
    });
  }

  private async ensureStream(): Promise<void> {
    const o = this.options;
    this.streamInfo = await ensureStream(
      this.jsm,
      {
        name: o.stream,
        subjects: [o.subject],
        retention: RetentionPolicy.Workqueue,
        storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
        num_replicas: o.replicas,
        max_msgs: o.maxMessages,
        max_bytes: o.maxBytes,
        discard: DiscardPolicy.New,
        duplicate_window: nanos(o.duplicateWindowMs),
      },
      this.logger,
    );
  }

  private async ensureConsumer(): Promise<void> {
    const o = this.options;
    try {
      this.consumerInfo = await this.jsm.consumers.info(o.stream, o.consumer);
      return;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== CONSUMER_NOT_FOUND && code !== STREAM_NOT_FOUND) throw err;
    }
    try {
      this.consumerInfo = await this.jsm.consumers.add(o.stream, {
        durable_name: o.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(o.ackWaitMs),
        max_deliver: o.maxDeliver,
        max_waiting: o.exclusiveFetch ? 1 : 512,
        max_ack_pending: -1,
        deliver_policy: DeliverPolicy.All,
        filter_subject: o.subject,
      });
    } catch (err) {
      this.consumerInfo = await this.jsm.consumers.info(o.stream, o.consumer).catch(() => {
        throw err;
      });
    }
  }

  /** Also the consumer's info, and whether the stream is full (offers are refused while it is). */
  protected override async refreshInfo(): Promise<void> {
    await super.refreshInfo();
    if (this.closed) return;
    try {
      this.consumerInfo = await this.jsm.consumers.info(this.options.stream, this.options.consumer);
      const state = this.streamInfo?.state;
      if (state) this.full = state.messages >= this.options.maxMessages || state.bytes >= this.options.maxBytes;
    } catch {
      // informative only (fails briefly during leader elections)
    }
  }

  // ---- producing ----

  /** Publishes one message; waits while the stream is full; retries through failovers with the same message id. */
  async put(message: T, signal?: AbortSignal): Promise<number> {
    const enc = this.codec.encode(message);
    const msgID = messageIdOf(message);
    let delay = 20;
    let loggedFull = false;
    for (;;) {
      if (signal?.aborted) throw abortedPutError(signal, () => new QueueStoppedError(this.name));
      if (this.closed) throw new QueueStoppedError(this.name);
      const previous = this.options.singleProducer ? this.lastMsgId : undefined;
      try {
        const ack = await this.guarded(() =>
          this.js.publish(this.options.subject, enc.body, {
            msgID,
            headers: enc.headers,
            timeout: this.options.publishTimeoutMs,
            retries: 1,
            ...(previous !== undefined ? { expect: { lastMsgID: previous } } : {}),
          }),
        );
        this.lastMsgId = msgID;
        if (ack.duplicate) this.duplicatesRejected++;
        this.full = false;
        this.published++;
        this.publishedBytes += enc.body.length;
        this.publishedRawBytes += enc.rawBytes;
        this.publishRate.record();
        return enc.body.length;
      } catch (err) {
        if (isTooLarge(err)) {
          this.errorLog.record('MESSAGE_TOO_LARGE', (err as Error).message);
          throw new MessageTooLargeError(this.name, enc.body.length, (err as Error).message);
        }
        const actualLast = wrongLastMsgId(err);
        if (actualLast !== undefined) {
          if (actualLast === msgID) {
            // An earlier attempt of this very publish was stored; its acknowledgement got lost.
            this.lastMsgId = msgID;
            this.duplicatesRejected++;
            this.published++;
            this.publishedBytes += enc.body.length;
            this.publishedRawBytes += enc.rawBytes;
            return enc.body.length;
          }
          // Someone else published in between (or the chain is unknown after a restart): fall back to plain,
          // id-deduplicated publishing for this message.
          this.lastMsgId = undefined;
          this.chainResets++;
          continue;
        }
        if (isStreamFull(err)) {
          if (!loggedFull) {
            this.fullWaits++;
            loggedFull = true;
          }
          this.full = true;
          await sleep(Math.min(delay, 250), signal);
          delay = Math.min(delay * 2, 250);
          continue;
        }
        this.publishRetries++;
        if (this.publishRetries % 20 === 1)
          this.logger.warn(
            { queue: this.name, err: (err as Error).message },
            `Publishing to ${this.options.stream} failed, retrying: ${(err as Error).message}`,
          );
        await sleep(Math.min(delay, 1000), signal);
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  /** Non-blocking: queues the publish behind earlier offers unless the stream is known to be full. */
  offer(message: T): boolean {
    if (this.full || this.closed || this.offersInFlight >= 256) return false;
    this.offersInFlight++;
    this.offerChain = this.offerChain
      .then(() => this.put(message).then(() => undefined))
      .catch((err) => this.errorLog.record('OFFER_FAILED', (err as Error).message))
      .finally(() => this.offersInFlight--);
    return true;
  }

  // ---- consuming ----

  /** One pull request on the shared durable consumer (see jetstream-pull.ts). */
  pull(max: number, expiresMs: number, noWait: boolean, signal?: AbortSignal): Promise<PullResult> {
    return pullOnce(this.nc, this.options.stream, this.options.consumer, max, expiresMs, noWait, signal);
  }

  ack(d: Delivery, kind: '+ACK' | '+WPI' | '+TERM' = '+ACK'): void {
    this.nc.publish(d.ackSubject, kind);
  }

  /** Acknowledges and waits for the server to confirm; retried through leader elections. */
  async ackConfirmed(d: Delivery): Promise<boolean> {
    if (await ackConfirmed(this.nc, d.ackSubject, this.options.ackTimeoutMs)) return true;
    this.errorLog.record('ACK_FAILED', `ack of stream message ${d.streamSeq} failed; it will be redelivered`);
    return false;
  }

  decode(m: Msg): Delivery | undefined {
    const info = parseAckSubject(m.reply ?? '');
    if (!info) {
      this.errorLog.record('UNEXPECTED_MESSAGE', `message without a JetStream ack subject on ${m.subject}`);
      return undefined;
    }
    try {
      const message = this.codec.decode<unknown>(m.data, m.headers);
      markRedelivered(message, info.deliveryCount);
      return {
        message,
        ackSubject: m.reply!,
        streamSeq: info.streamSeq,
        deliveryCount: info.deliveryCount,
        bytes: m.data.length,
      };
    } catch (err) {
      // A message nobody can decode would be redelivered forever: terminate it and say so.
      this.errorLog.record(
        'UNDECODABLE_MESSAGE',
        `stream message ${info.streamSeq} dropped: ${(err as Error).message}`,
      );
      this.logger.error(
        { queue: this.name, seq: info.streamSeq, err: (err as Error).message },
        `Dropping undecodable message ${info.streamSeq} of ${this.options.stream}`,
      );
      this.nc.publish(m.reply!, '+TERM');
      return undefined;
    }
  }

  // ---- resource ----

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType === 'queue-out') {
      const monitor = new ProducerMonitor();
      const port: QueueProducer<T> = {
        put: async (message, _sizeBytes, signal) => {
          const bytes = await this.put(message, signal);
          monitor.count(bytes);
        },
        offer: (message) => {
          const ok = this.offer(message);
          if (ok) monitor.count(0);
          return ok;
        },
      };
      return { context, port, monitor };
    }
    if (context.usageType === 'queue-in') {
      const binding = new ConsumerBinding<T>(this, context.parameters.autoCommit === 'true');
      this.consumers.add(binding);
      const port: QueueConsumer<T> = {
        receiveBatch: (max, timeoutMs, signal) => binding.receiveBatch(max, timeoutMs, signal),
        commit: (batch) => binding.commit(batch),
      };
      return { context, port, monitor: binding };
    }
    throw new EvochoraError(
      PipelineErrorCode.UNSUPPORTED_USAGE,
      `Resource '${this.name}' (JetStreamQueue) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
      { actions: ['Use `queue-in:` for consumers or `queue-out:` for producers.'] },
    );
  }

  usageState(usageType: string | null): UsageState {
    if (this.nc.isClosed()) return 'FAILED';
    if (usageType === 'queue-out') return this.full ? 'WAITING' : 'ACTIVE';
    if (usageType === 'queue-in') return (this.consumerInfo?.num_pending ?? 0) > 0 ? 'ACTIVE' : 'WAITING';
    return 'ACTIVE';
  }

  metrics(): Metrics {
    const s = this.streamInfo?.state;
    const c = this.consumerInfo;
    const size = s?.messages ?? 0;
    const bytes = s?.bytes ?? 0;
    return {
      capacity: this.options.maxMessages,
      max_bytes: this.options.maxBytes,
      current_size: size,
      current_bytes: bytes,
      fill_percent: Math.round(1000 * Math.max(size / this.options.maxMessages, bytes / this.options.maxBytes)) / 10,
      replicas: this.options.replicas,
      consumer_pending: c?.num_pending ?? 0,
      consumer_ack_pending: c?.num_ack_pending ?? 0,
      consumer_redelivered: c?.num_redelivered ?? 0,
      messages_in: this.published,
      bytes_published: this.publishedBytes,
      raw_bytes_published: this.publishedRawBytes,
      publish_retries: this.publishRetries,
      publish_duplicates_rejected: this.duplicatesRejected,
      publish_chain_resets: this.chainResets,
      backpressure_waits: this.fullWaits,
      ...this.wireMetrics(),
      throughput_per_sec: this.publishRate.perSecond(),
      error_count: this.errorLog.count,
    };
  }

  /** Pending offers are published first; consumer bindings stop their keep-alives. */
  protected async beforeClose(): Promise<void> {
    await this.offerChain.catch(() => undefined);
    for (const b of this.consumers) b.close();
  }
}

/** Deterministic ids for tick chunks (a re-sent chunk is a duplicate), random otherwise. */
function messageIdOf(message: unknown): string {
  if (message !== null && typeof message === 'object') {
    const m = message as Record<string, unknown>;
    if (typeof m.simulationRunId === 'string' && typeof m.firstTick === 'number' && typeof m.lastTick === 'number')
      return `${m.simulationRunId}:${m.firstTick}:${m.lastTick}`;
  }
  return randomUUID();
}

/** The state of one `queue-in` binding: messages fetched but not handed out, and batches handed out but not acked. */
class ConsumerBinding<T> implements Monitorable {
  private buffer: Delivery[] = [];
  private readonly outstanding = new Map<readonly unknown[], Delivery[]>();
  private lastBatch: readonly unknown[] | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private consumed = 0;
  private bytes = 0;
  private acked = 0;
  private redelivered = 0;
  private fetchConflicts = 0;
  private readonly rate = new SlidingWindowRate();
  private readonly errorLog = new ErrorLog();

  constructor(
    private readonly queue: JetStreamQueue<T>,
    private readonly autoCommit: boolean,
  ) {
    const every = Math.max(200, Math.floor(queue.options.ackWaitMs / 3));
    this.heartbeat = setInterval(() => this.keepAlive(), every);
    this.heartbeat.unref();
  }

  async receiveBatch(max: number, timeoutMs: number, signal?: AbortSignal): Promise<T[]> {
    // With `?autoCommit=true` (for consumers that never call commit, like the MetadataPersistenceService),
    // asking for the next batch acknowledges the previous one (Kafka-style). Never by default: a consumer that
    // writes batches concurrently asks for the next batch before the previous one is stored.
    if (this.autoCommit && this.lastBatch && this.outstanding.has(this.lastBatch)) await this.commit(this.lastBatch);
    if (this.buffer.length > 0) return this.handOut(max);
    const deadline = Date.now() + timeoutMs;
    // First take whatever is there right now; if nothing is, wait for one message. Then keep gathering until
    // the batch is full or the time is up (a blocking drain, like the in-memory queue), so a steady producer
    // yields full batches rather than one object per chunk.
    let waitForFirst = false;
    let conflictDelay = 2;
    for (;;) {
      if (signal?.aborted) return [];
      const left = deadline - Date.now();
      const noWait = !waitForFirst || left <= 0;
      let result: PullResult;
      try {
        result = await this.queue.pull(noWait ? max : 1, left, noWait, signal);
      } catch (err) {
        this.errorLog.record('PULL_FAILED', (err as Error).message);
        result = { msgs: [] };
        await sleep(Math.min(200, Math.max(0, left)), signal);
      }
      this.accept(result.msgs);
      if (this.buffer.length > 0) {
        await this.gather(max, deadline, signal);
        return this.handOut(max);
      }
      if (result.status === 409) {
        // Another consumer is collecting a batch (max_waiting = 1), or a leader election: try again shortly,
        // backing off while the conflict lasts (an idle consumer must not poll the server in a tight loop).
        this.fetchConflicts++;
        conflictDelay = Math.min(conflictDelay * 2, 100);
        await sleep(
          Math.min(Math.max(0, deadline - Date.now()), conflictDelay / 2 + Math.random() * conflictDelay),
          signal,
        );
      } else if (noWait) {
        if (timeoutMs <= 0) return [];
        waitForFirst = true;
      }
      if (Date.now() >= deadline) return [];
    }
  }

  /**
   * Pulls more until `max` messages are buffered or the deadline passed. Stops early on an empty answer (the
   * time ran out, or another consumer holds the pull slot): what is buffered goes out as a smaller batch.
   */
  private async gather(max: number, deadline: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const want = max - this.buffer.length;
      const left = deadline - Date.now();
      if (want <= 0 || left <= 0 || signal?.aborted) return;
      const more = await this.queue.pull(want, left, false, signal).catch(() => ({ msgs: [] as Msg[] }));
      if (more.msgs.length === 0) return;
      this.accept(more.msgs);
    }
  }

  private accept(msgs: readonly Msg[]): void {
    for (const m of msgs) {
      const d = this.queue.decode(m);
      if (d) this.buffer.push(d);
    }
  }

  /** Hands out the longest run of consecutive stream sequences (at most `max`) from the front of the buffer. */
  private handOut(max: number): T[] {
    this.buffer.sort((a, b) => a.streamSeq - b.streamSeq);
    let n = 1;
    while (n < this.buffer.length && n < max && this.buffer[n]!.streamSeq === this.buffer[n - 1]!.streamSeq + 1) n++;
    const taken = this.buffer.splice(0, n);
    const batch = taken.map((d) => d.message as T);
    this.outstanding.set(batch, taken);
    this.lastBatch = batch;
    for (const d of taken) {
      this.consumed++;
      this.bytes += d.bytes;
      if (d.deliveryCount > 1) this.redelivered++;
    }
    this.rate.record(taken.length);
    return batch;
  }

  async commit(batch: readonly unknown[]): Promise<void> {
    const deliveries = this.outstanding.get(batch);
    if (!deliveries) return;
    this.outstanding.delete(batch);
    if (this.lastBatch === batch) this.lastBatch = undefined;
    const results = await Promise.all(deliveries.map((d) => this.queue.ackConfirmed(d)));
    for (const ok of results) if (ok) this.acked++;
  }

  private keepAlive(): void {
    if (this.queue.nc.isClosed()) return;
    for (const d of this.buffer) this.queue.ack(d, '+WPI');
    for (const ds of this.outstanding.values()) for (const d of ds) this.queue.ack(d, '+WPI');
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  metrics(): Metrics {
    let unacked = this.buffer.length;
    for (const ds of this.outstanding.values()) unacked += ds.length;
    return {
      messages_consumed: this.consumed,
      messages_acked: this.acked,
      messages_redelivered: this.redelivered,
      messages_unacked: unacked,
      fetch_conflicts: this.fetchConflicts,
      bytes: this.bytes,
      throughput_per_sec: this.rate.perSecond(),
      error_count: this.errorLog.count,
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return true;
  }
}

class ProducerMonitor implements Monitorable {
  private messages = 0;
  private bytes = 0;
  private readonly rate = new SlidingWindowRate();

  count(bytes: number): void {
    this.messages++;
    this.bytes += bytes;
    this.rate.record();
  }

  metrics(): Metrics {
    return {
      messages_sent: this.messages,
      bytes: this.bytes,
      throughput_per_sec: this.rate.perSecond(),
      error_count: 0,
    };
  }

  errors(): readonly OperationalError[] {
    return [];
  }

  healthy(): boolean {
    return true;
  }
}
