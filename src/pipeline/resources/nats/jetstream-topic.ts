/**
 * A notification topic on NATS JetStream (batch and metadata announcements between processes).
 *
 * The topic is a stream with limits retention: it keeps its history (up to `maxMessages`/`maxAgeMs`), so a
 * consumer group created late still sees older announcements, as a re-index needs. Each consumer group is one
 * durable consumer (created on first use); every `topic-read` binding with that group, in any process, is a
 * competing member. Acks are explicit and confirmed; a delivery not acked within `ackTimeoutMs` (its process
 * died) or nacked is delivered again with a higher `deliveryCount`. Members keep in-flight deliveries alive
 * with progress signals while they work on them. Payloads are protobuf contract messages (`messageType`).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { headers as natsHeaders, nanos } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { EvochoraError } from '../../../errors.js';
import { BatchInfo, MetadataInfo } from '../../contracts/index.js';
import type { Metrics, Monitorable } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import { SlidingWindowRate } from '../../api/sliding-window-rate.js';
import {
  TOPIC_READ,
  TOPIC_WRITE,
  type PublishOptions,
  type TopicMessage,
  type TopicReader,
  type TopicWriter,
} from '../../api/topic.js';
import { setTraceHeaders, traceContextOfHeaders } from './trace-headers.js';
import { withRetry } from './nats-connection.js';
import { JetStreamResource, openJetStream, type JetStreamConnection } from './jetstream-resource.js';
import { CONSUMER_NOT_FOUND, ensureStream, STREAM_NOT_FOUND } from './ensure-stream.js';
import { ackConfirmed, parseAckSubject, pullOnce } from './jetstream-pull.js';
import { PipelineErrorCode } from '../../error-codes.js';

export type TopicMessageType = 'BatchInfo' | 'MetadataInfo' | 'json';

export interface JetStreamTopicOptions {
  readonly servers: string;
  readonly stream: string;
  readonly subject: string;
  readonly replicas: number;
  readonly storage: 'file' | 'memory';
  readonly messageType: TopicMessageType;
  readonly maxMessages: number;
  readonly maxAgeMs: number;
  readonly ackTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
}

const HDR_PUBLISHED_AT = 'Evochora-Published-At';

export class MissingConsumerGroupError extends EvochoraError {
  constructor(topic: string, service: string) {
    super(
      PipelineErrorCode.MISSING_CONSUMER_GROUP,
      `Service '${service}' reads topic '${topic}' without a consumer group.`,
      {
        actions: [`Bind it as \`topic-read:${topic}?consumerGroup=<group>\`.`],
      },
    );
  }
}

interface Codec {
  encode(payload: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

function codecFor(type: TopicMessageType): Codec {
  if (type === 'BatchInfo')
    return {
      encode: (p) => BatchInfo.encode(BatchInfo.fromObject(p as Record<string, unknown>)).finish(),
      decode: (b) => BatchInfo.decode(b),
    };
  if (type === 'MetadataInfo')
    return {
      encode: (p) => MetadataInfo.encode(MetadataInfo.fromObject(p as Record<string, unknown>)).finish(),
      decode: (b) => MetadataInfo.decode(b),
    };
  return {
    encode: (p) => Buffer.from(JSON.stringify(p), 'utf8'),
    decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as unknown,
  };
}

/** Durable consumer names may not contain '.', '*', '>' or whitespace. */
export function durableNameOf(group: string): string {
  return group.replace(/[^A-Za-z0-9_-]/g, '_');
}

export class JetStreamTopic<T = unknown> extends JetStreamResource implements Resource {
  readonly type = 'JetStreamTopic';
  readonly usageTypes = [TOPIC_WRITE, TOPIC_READ] as const;
  private readonly codec: Codec;
  private readonly rate = new SlidingWindowRate();
  private readonly groupsReady = new Map<string, Promise<void>>();
  private readonly readers = new Set<GroupMember<T>>();
  private published = 0;
  private publishRetries = 0;

  private constructor(
    name: string,
    readonly options: JetStreamTopicOptions,
    connection: JetStreamConnection,
    logger: Logger,
  ) {
    super(name, options.stream, connection, logger);
    this.codec = codecFor(options.messageType);
  }

  static create<T>(name: string, options: JetStreamTopicOptions, logger: Logger): Promise<JetStreamTopic<T>> {
    return openJetStream(name, options, async (connection) => {
      const t = new JetStreamTopic<T>(name, options, connection, logger);
      await withRetry(`creating stream ${options.stream}`, () => t.ensureStream(), options.connectTimeoutMs);
      t.startInfoRefresh();
      return t;
    });
  }

  private async ensureStream(): Promise<void> {
    const o = this.options;
    this.streamInfo = await ensureStream(
      this.jsm,
      {
        name: o.stream,
        subjects: [o.subject],
        retention: RetentionPolicy.Limits,
        storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
        num_replicas: o.replicas,
        max_msgs: o.maxMessages,
        max_age: o.maxAgeMs > 0 ? nanos(o.maxAgeMs) : 0,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(120_000),
      },
      this.logger,
    );
  }

  /** Creates the group's durable consumer once per process (idempotent across processes). */
  ensureGroup(group: string): Promise<void> {
    let p = this.groupsReady.get(group);
    if (!p) {
      const durable = durableNameOf(group);
      const o = this.options;
      p = withRetry(
        `creating consumer group ${group} on ${o.stream}`,
        async () => {
          try {
            await this.jsm.consumers.info(o.stream, durable);
            return;
          } catch (err) {
            const code = (err as { code?: number }).code;
            if (code !== CONSUMER_NOT_FOUND && code !== STREAM_NOT_FOUND) throw err;
          }
          try {
            await this.jsm.consumers.add(o.stream, {
              durable_name: durable,
              ack_policy: AckPolicy.Explicit,
              ack_wait: nanos(o.ackTimeoutMs),
              deliver_policy: DeliverPolicy.All,
              max_ack_pending: -1,
              filter_subject: o.subject,
            });
          } catch (err) {
            await this.jsm.consumers.info(o.stream, durable).catch(() => {
              throw err;
            });
          }
        },
        o.connectTimeoutMs,
      );
      p.catch(() => this.groupsReady.delete(group));
      this.groupsReady.set(group, p);
    }
    return p;
  }

  async publish(payload: T, options?: PublishOptions): Promise<void> {
    const body = this.codec.encode(payload);
    const msgID = randomUUID();
    const h = natsHeaders();
    h.set(HDR_PUBLISHED_AT, String(Date.now()));
    setTraceHeaders(h, options?.traceContext);
    let delay = 20;
    const deadline = Date.now() + Math.max(this.options.connectTimeoutMs, 30_000);
    for (;;) {
      if (this.closed) throw new EvochoraError(PipelineErrorCode.TOPIC_CLOSED, `Topic '${this.name}' is closed.`);
      try {
        await this.guarded(() =>
          this.js.publish(this.options.subject, body, {
            msgID,
            headers: h,
            timeout: this.options.publishTimeoutMs,
          }),
        );
        this.published++;
        this.rate.record();
        return;
      } catch (err) {
        this.publishRetries++;
        if (Date.now() > deadline) {
          this.errorLog.record('PUBLISH_FAILED', (err as Error).message);
          throw err;
        }
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }

  decode(bytes: Uint8Array): T {
    return this.codec.decode(bytes) as T;
  }

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType === TOPIC_WRITE) {
      const port: TopicWriter<T> = { publish: (p, options) => this.publish(p, options) };
      return { context, port };
    }
    if (context.usageType === TOPIC_READ) {
      const group = context.parameters.consumerGroup;
      if (!group) throw new MissingConsumerGroupError(this.name, context.serviceName);
      const member = new GroupMember<T>(this, group);
      this.readers.add(member);
      return { context, port: member as TopicReader<T>, monitor: member };
    }
    throw new EvochoraError(
      PipelineErrorCode.UNSUPPORTED_USAGE,
      `Resource '${this.name}' (JetStreamTopic) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
      {
        actions: ['Use `topic-write:` or `topic-read:<topic>?consumerGroup=<group>`.'],
      },
    );
  }

  usageState(): UsageState {
    return this.nc.isClosed() ? 'FAILED' : 'ACTIVE';
  }

  metrics(): Metrics {
    return {
      messages_published: this.published,
      publish_retries: this.publishRetries,
      retained_messages: this.streamInfo?.state.messages ?? 0,
      replicas: this.options.replicas,
      ...this.wireMetrics(),
      throughput_per_sec: this.rate.perSecond(),
      error_count: this.errorLog.count,
    };
  }

  /** Group members stop their keep-alives. */
  protected async beforeClose(): Promise<void> {
    for (const r of this.readers) r.close();
  }
}

/** One `topic-read` binding: a competing member of a consumer group. */
class GroupMember<T> implements TopicReader<T>, Monitorable {
  private readonly inFlight = new Map<string, string>(); // messageId → ack subject of the latest delivery
  private heartbeat: NodeJS.Timeout | undefined;
  private received = 0;
  private acked = 0;
  private nacked = 0;
  private redelivered = 0;
  private readonly errorLog = new ErrorLog();

  constructor(
    private readonly topic: JetStreamTopic<T>,
    readonly consumerGroup: string,
  ) {
    this.heartbeat = setInterval(
      () => {
        if (this.topic.nc.isClosed()) return;
        for (const subject of this.inFlight.values()) this.topic.nc.publish(subject, '+WPI');
      },
      Math.max(200, Math.floor(topic.options.ackTimeoutMs / 3)),
    );
    this.heartbeat.unref();
  }

  async receive(maxMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<TopicMessage<T>[]> {
    await this.topic.ensureGroup(this.consumerGroup);
    const durable = durableNameOf(this.consumerGroup);
    const deadline = Date.now() + timeoutMs;
    let noWait = true;
    for (;;) {
      if (signal?.aborted) return [];
      const left = deadline - Date.now();
      let result;
      try {
        result = await pullOnce(
          this.topic.nc,
          this.topic.options.stream,
          durable,
          Math.max(1, maxMessages),
          left,
          noWait || left <= 0,
          signal,
        );
      } catch (err) {
        this.errorLog.record('PULL_FAILED', (err as Error).message);
        result = { msgs: [] };
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, left))));
      }
      const out: TopicMessage<T>[] = [];
      for (const m of result.msgs) {
        const info = parseAckSubject(m.reply ?? '');
        if (!info) continue;
        let payload: T;
        try {
          payload = this.topic.decode(m.data);
        } catch (err) {
          this.errorLog.record('UNDECODABLE_MESSAGE', `stream message ${info.streamSeq}: ${(err as Error).message}`);
          this.topic.nc.publish(m.reply!, '+TERM');
          continue;
        }
        const messageId = m.headers?.get('Nats-Msg-Id') || `${this.topic.options.stream}:${info.streamSeq}`;
        const publishedAtMs = Number(m.headers?.get(HDR_PUBLISHED_AT) || info.timestampMs);
        const traceContext = traceContextOfHeaders(m.headers);
        this.inFlight.set(messageId, m.reply!);
        this.received++;
        if (info.deliveryCount > 1) this.redelivered++;
        out.push({
          messageId,
          payload,
          publishedAtMs,
          deliveryCount: info.deliveryCount,
          consumerGroup: this.consumerGroup,
          ...(traceContext ? { traceContext } : {}),
        });
      }
      if (out.length > 0) return out;
      if (Date.now() >= deadline) return [];
      if (!noWait && result.status === 409) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      noWait = false;
    }
  }

  async ack(message: TopicMessage<T>): Promise<void> {
    const subject = this.inFlight.get(message.messageId);
    if (!subject) return;
    this.inFlight.delete(message.messageId);
    if (await ackConfirmed(this.topic.nc, subject, this.topic.options.ackTimeoutMs)) this.acked++;
    else this.errorLog.record('ACK_FAILED', `ack of ${message.messageId} failed; it will be redelivered`);
  }

  async nack(message: TopicMessage<T>): Promise<void> {
    const subject = this.inFlight.get(message.messageId);
    if (!subject) return;
    this.inFlight.delete(message.messageId);
    this.topic.nc.publish(subject, '-NAK');
    this.nacked++;
  }

  close(): void {
    clearInterval(this.heartbeat);
  }

  metrics(): Metrics {
    return {
      messages_received: this.received,
      messages_acked: this.acked,
      messages_nacked: this.nacked,
      messages_redelivered: this.redelivered,
      in_flight: this.inFlight.size,
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
