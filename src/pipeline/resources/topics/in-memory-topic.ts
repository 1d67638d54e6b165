/**
 * An in-process topic with consumer groups (the embedded node's batch-topic and metadata-topic).
 *
 * Until the first consumer group binds, the topic keeps what is published (up to maxRetained), so readers
 * that start after the writers still get everything; after that it keeps what some group has not taken yet.
 * Each group has a cursor into that log, a set of
 * in-flight deliveries with their ack deadline, and a redelivery list. Expired deliveries are redelivered
 * lazily on the next receive and by a timer while someone waits.
 */
import { randomUUID } from 'node:crypto';
import { EvochoraError } from '../../../errors.js';
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
import type { TraceContext } from '../../tracing/trace-context.js';
import { PipelineErrorCode } from '../../error-codes.js';

/** The log is compacted in steps of this many messages (slicing on every publish would be quadratic). */
const TRIM_BATCH = 1024;

export interface InMemoryTopicOptions {
  /** A delivery not acked within this time is redelivered. */
  readonly ackTimeoutMs: number;
  /** The oldest messages are dropped beyond this many (before any group exists, or when a group falls this far behind). */
  readonly maxRetained: number;
  /**
   * Backpressure: a publish waits while an active group (one whose members asked for messages within the last
   * few seconds: a paused or stopped consumer does not hold publishers) has more than this many messages
   * unacknowledged. 0 = never wait.
   */
  readonly maxGroupBacklog?: number;
  /** The longest a publish waits for room; then it goes on (counted in `publish_waits_timed_out`). */
  readonly maxPublishWaitMs?: number;
}

/** A group whose members have not asked for messages for this long no longer holds publishers back. */
const ACTIVE_GROUP_MS = 5_000;

interface Published<T> {
  readonly messageId: string;
  readonly payload: T;
  readonly publishedAtMs: number;
  readonly traceContext?: TraceContext;
}

interface InFlight<T> {
  readonly entry: Published<T>;
  readonly deliveryCount: number;
  deadline: number;
}

class Group<T> {
  cursor: number;
  readonly inFlight = new Map<string, InFlight<T>>();
  readonly redeliver: Array<{ entry: Published<T>; deliveryCount: number }> = [];
  /** Highest delivery count per message id, so a redelivery counts up. */
  readonly deliveries = new Map<string, number>();
  acked = 0;
  redelivered = 0;
  /** When a member last asked for messages (backpressure counts only active groups). */
  lastReceiveAt = 0;
  /** Messages dropped by the retention bound before this group took them. */
  dropped = 0;
  constructor(cursor: number) {
    this.cursor = cursor;
  }
}

export class InMemoryTopic<T = unknown> implements Resource {
  readonly type = 'InMemoryTopic';
  readonly usageTypes = [TOPIC_WRITE, TOPIC_READ] as const;
  private log: Array<Published<T>> = [];
  /** Absolute index of log[0] (grows when old messages are dropped). */
  private base = 0;
  private readonly groups = new Map<string, Group<T>>();
  private waiters: Array<() => void> = [];
  private readonly errorLog = new ErrorLog();
  private readonly rate = new SlidingWindowRate();
  private published = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private publishWaits = 0;
  private publishWaitsTimedOut = 0;
  private publishWaitMs = 0;
  /** Messages at the start of `log` that every group has taken (dropped at the next compaction). */
  private taken = 0;

  constructor(
    readonly name: string,
    private readonly options: InMemoryTopicOptions = { ackTimeoutMs: 60_000, maxRetained: 100_000 },
  ) {}

  publish(payload: T, options?: PublishOptions): void {
    const traceContext = options?.traceContext;
    this.log.push({
      messageId: randomUUID(),
      payload,
      publishedAtMs: Date.now(),
      ...(traceContext ? { traceContext } : {}),
    });
    this.published++;
    this.rate.record();
    this.trim();
    this.wakeAll();
  }

  /**
   * Keeps memory bounded: once consumer groups exist, a message leaves the log as soon as every group has
   * taken it (in-flight and redelivery lists keep their own references until the ack), so what is retained
   * follows the slowest group. Beyond maxRetained (groups or not) the oldest messages are dropped; a group
   * that had not taken them counts them in `group_<name>_dropped` and the drop is logged as an error.
   * The log is compacted only once the dropped prefix is a good part of it, so trimming stays amortised O(1).
   */
  private trim(): void {
    let min = this.base + this.log.length;
    if (this.groups.size === 0) min = this.base;
    for (const g of this.groups.values()) min = Math.min(min, g.cursor);
    const over = this.base + this.log.length - this.options.maxRetained;
    if (over > min) {
      for (const [name, g] of this.groups) {
        if (g.cursor < over) {
          g.dropped += over - g.cursor;
          this.errorLog.record(
            'TOPIC_MESSAGES_DROPPED',
            `Consumer group '${name}' of topic '${this.name}' fell ${over - g.cursor} messages behind the retention bound (maxRetained ${this.options.maxRetained}); they were dropped.`,
          );
          g.cursor = over;
        }
      }
      min = over;
    }
    const drop = min - this.base;
    if (drop <= 0) return;
    if (drop < TRIM_BATCH && drop * 2 < this.log.length) {
      // Not worth a copy yet; `retained` already excludes them.
      this.taken = drop;
      return;
    }
    this.log = this.log.slice(drop);
    this.base += drop;
    this.taken = 0;
  }

  /** Messages the topic still holds for some group (or for groups yet to come). */
  get retained(): number {
    return this.log.length - this.taken;
  }

  private group(name: string): Group<T> {
    let g = this.groups.get(name);
    if (!g) {
      g = new Group<T>(this.base + this.taken);
      this.groups.set(name, g);
    }
    return g;
  }

  /** Takes up to `max` deliveries for `groupName` without waiting. */
  take(groupName: string, max: number): TopicMessage<T>[] {
    const g = this.group(groupName);
    const now = Date.now();
    for (const [id, f] of g.inFlight) {
      if (f.deadline <= now) {
        g.inFlight.delete(id);
        g.redeliver.push({ entry: f.entry, deliveryCount: f.deliveryCount });
      }
    }
    const out: TopicMessage<T>[] = [];
    while (out.length < max && g.redeliver.length > 0) {
      const r = g.redeliver.shift()!;
      g.redelivered++;
      out.push(this.deliver(g, groupName, r.entry, r.deliveryCount + 1, now));
    }
    if (g.cursor < this.base) g.cursor = this.base;
    while (out.length < max && g.cursor < this.base + this.log.length) {
      const entry = this.log[g.cursor - this.base]!;
      g.cursor++;
      out.push(this.deliver(g, groupName, entry, 1, now));
    }
    if (out.length > 0) this.trim();
    return out;
  }

  private deliver(
    g: Group<T>,
    groupName: string,
    entry: Published<T>,
    deliveryCount: number,
    now: number,
  ): TopicMessage<T> {
    g.inFlight.set(entry.messageId, { entry, deliveryCount, deadline: now + this.options.ackTimeoutMs });
    g.deliveries.set(entry.messageId, deliveryCount);
    return {
      messageId: entry.messageId,
      payload: entry.payload,
      publishedAtMs: entry.publishedAtMs,
      deliveryCount,
      consumerGroup: groupName,
      ...(entry.traceContext ? { traceContext: entry.traceContext } : {}),
    };
  }

  async receive(groupName: string, max: number, timeoutMs: number, signal?: AbortSignal): Promise<TopicMessage<T>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.group(groupName).lastReceiveAt = Date.now();
      const got = this.take(groupName, Math.max(1, max));
      if (got.length > 0) return got;
      const left = deadline - Date.now();
      if (signal?.aborted || left <= 0) return [];
      // Wake for a publish, a nack, the caller's deadline, or the earliest ack deadline of this group.
      let wait = left;
      for (const f of this.group(groupName).inFlight.values())
        wait = Math.min(wait, Math.max(1, f.deadline - Date.now()));
      await this.waitFor(wait, signal);
    }
  }

  ack(groupName: string, messageId: string): void {
    const g = this.group(groupName);
    if (g.inFlight.delete(messageId)) {
      g.acked++;
      g.deliveries.delete(messageId);
    }
    if (this.roomWaiters.length > 0) for (const w of this.roomWaiters.splice(0)) w();
  }

  /** The largest backlog of a group with active members (0 when none is active). */
  private activeBacklog(now: number): number {
    let max = 0;
    for (const name of this.groups.keys()) {
      const g = this.groups.get(name)!;
      if (now - g.lastReceiveAt <= ACTIVE_GROUP_MS) max = Math.max(max, this.backlog(name));
    }
    return max;
  }

  /**
   * Waits while an active group is more than maxGroupBacklog messages behind, so a recording runs no faster
   * than its slowest consumer (the index and analytics stay current, memory stays bounded) instead of leaving
   * it ever further behind. Gives up after maxPublishWaitMs.
   */
  private async waitForRoom(): Promise<void> {
    const limit = this.options.maxGroupBacklog ?? 0;
    if (limit <= 0) return;
    const started = Date.now();
    const until = started + (this.options.maxPublishWaitMs ?? 30_000);
    if (this.activeBacklog(started) <= limit) return;
    this.publishWaits++;
    while (this.activeBacklog(Date.now()) > limit) {
      const left = until - Date.now();
      if (left <= 0) {
        this.publishWaitsTimedOut++;
        break;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.roomWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.publishWaitMs += Date.now() - started;
  }

  nack(groupName: string, messageId: string): void {
    const g = this.group(groupName);
    const f = g.inFlight.get(messageId);
    if (!f) return;
    g.inFlight.delete(messageId);
    g.redeliver.push({ entry: f.entry, deliveryCount: f.deliveryCount });
    this.wakeAll();
  }

  /** Messages of a group not yet acked (pending + in flight + to redeliver). */
  backlog(groupName: string): number {
    const g = this.group(groupName);
    return Math.max(0, this.base + this.log.length - g.cursor) + g.inFlight.size + g.redeliver.length;
  }

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType === TOPIC_WRITE) {
      const monitor = new TopicBindingMonitor('messages_published');
      const port: TopicWriter<T> = {
        publish: async (payload, options) => {
          this.publish(payload, options);
          monitor.count();
          await this.waitForRoom();
        },
      };
      return { context, port, monitor };
    }
    if (context.usageType === TOPIC_READ) {
      const groupName = context.parameters.consumerGroup;
      if (!groupName) {
        throw new EvochoraError(
          PipelineErrorCode.MISSING_CONSUMER_GROUP,
          `Service '${context.serviceName}' binds topic '${this.name}' for reading without a consumer group.`,
          {
            actions: [`Write the binding as \`topic-read:${this.name}?consumerGroup=<group>\`.`],
          },
        );
      }
      this.group(groupName);
      const monitor = new TopicBindingMonitor('messages_received', () => this.backlog(groupName));
      const port: TopicReader<T> = {
        consumerGroup: groupName,
        receive: async (max, timeoutMs, signal) => {
          const got = await this.receive(groupName, max, timeoutMs, signal);
          monitor.count(got.length);
          return got;
        },
        ack: async (m) => {
          this.ack(groupName, m.messageId);
          monitor.acked();
        },
        nack: async (m) => this.nack(groupName, m.messageId),
      };
      return { context, port, monitor };
    }
    throw new EvochoraError(
      PipelineErrorCode.UNSUPPORTED_USAGE,
      `Resource '${this.name}' (InMemoryTopic) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
      {
        actions: ['Use `topic-write:` for publishers or `topic-read:<topic>?consumerGroup=<group>` for readers.'],
      },
    );
  }

  usageState(usageType: string | null): UsageState {
    if (usageType === TOPIC_READ)
      return [...this.groups.keys()].some((g) => this.backlog(g) > 0) ? 'ACTIVE' : 'WAITING';
    return 'ACTIVE';
  }

  metrics(): Metrics {
    const m: Metrics = {
      messages_published: this.published,
      messages_retained: this.retained,
      consumer_groups: this.groups.size,
      publish_rate_per_sec: this.rate.perSecond(),
      publish_waits: this.publishWaits,
      publish_waits_timed_out: this.publishWaitsTimedOut,
      publish_wait_ms: this.publishWaitMs,
      error_count: this.errorLog.count,
    };
    for (const [name, g] of this.groups) {
      m[`group_${name}_backlog`] = this.backlog(name);
      m[`group_${name}_in_flight`] = g.inFlight.size;
      m[`group_${name}_acked`] = g.acked;
      m[`group_${name}_redelivered`] = g.redelivered;
      if (g.dropped > 0) m[`group_${name}_dropped`] = g.dropped;
    }
    return m;
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.wakeAll();
  }

  private waitFor(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}

class TopicBindingMonitor implements Monitorable {
  private n = 0;
  private acks = 0;
  private readonly rate = new SlidingWindowRate();
  constructor(
    private readonly key: string,
    private readonly backlog?: () => number,
  ) {}
  count(k = 1): void {
    if (k <= 0) return;
    this.n += k;
    this.rate.record(k);
  }
  acked(): void {
    this.acks++;
  }
  metrics(): Metrics {
    const m: Metrics = { [this.key]: this.n, rate_per_sec: this.rate.perSecond(), error_count: 0 };
    if (this.backlog) {
      m.messages_acked = this.acks;
      m.group_backlog = this.backlog();
    }
    return m;
  }
  errors(): readonly OperationalError[] {
    return [];
  }
  healthy(): boolean {
    return true;
  }
}
