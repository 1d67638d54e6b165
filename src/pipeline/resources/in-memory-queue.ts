import { EvochoraError } from '../../errors.js';
import type { Metrics, Monitorable } from '../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../api/operational-error.js';
import { abortedPutError, type QueueConsumer, type QueueProducer } from '../api/queue.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../api/resource.js';
import { SlidingWindowRate } from '../api/sliding-window-rate.js';
import { PipelineErrorCode } from '../error-codes.js';

export interface InMemoryQueueOptions {
  /** Maximum number of messages held. */
  capacity: number;
  /** Maximum bytes held (sum of the sizes producers declare). One oversized message is admitted into an empty queue. */
  maxBytes: number;
}

interface Entry<T> {
  readonly message: T;
  readonly bytes: number;
}

/**
 * A bounded FIFO shared by the services of one process. Backpressure counts both messages and bytes, so a
 * few huge chunks block a producer as surely as many small ones. Single-threaded delivery makes every
 * `receiveBatch` atomic: competing consumers get consecutive, non-overlapping runs. `receiveBatch` waits for
 * a full batch up to its timeout (a blocking drain), so a steady producer yields full batches, not one
 * message per batch.
 */
export class InMemoryQueue<T = unknown> implements Resource {
  readonly type = 'InMemoryQueue';
  readonly usageTypes = ['queue-in', 'queue-out'] as const;
  private entries: Array<Entry<T> | undefined> = [];
  private head = 0;
  private heldBytes = 0;
  private readonly errorLog = new ErrorLog();
  private readonly rate = new SlidingWindowRate();
  private consumerWaiters: Array<() => void> = [];
  private producerWaiters: Array<() => void> = [];
  private totalIn = 0;
  private totalOut = 0;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly options: InMemoryQueueOptions,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  offer(message: T, sizeBytes = 0): boolean {
    if (!this.hasRoomFor(sizeBytes)) return false;
    this.entries.push({ message, bytes: sizeBytes });
    this.heldBytes += sizeBytes;
    this.totalIn++;
    this.rate.record();
    this.wake('consumer');
    return true;
  }

  async put(message: T, sizeBytes = 0, signal?: AbortSignal): Promise<void> {
    while (!this.offer(message, sizeBytes)) {
      if (signal?.aborted) throw abortedPutError(signal, () => new QueueClosedError(this.name));
      const waiting = this.waitFor('producer', undefined, signal);
      this.wake('consumer'); // a consumer waiting for a fuller batch takes what is there instead
      await waiting;
    }
  }

  async receiveBatch(maxMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    // A blocking drain with a timeout: wait for a full batch, but no longer than the timeout, and not while
    // a producer is blocked on a full queue (it could never complete the batch).
    while (this.size < maxMessages && this.producerWaiters.length === 0 && !this.closed) {
      const left = deadline - Date.now();
      if (signal?.aborted || left <= 0) break;
      await this.waitFor('consumer', left, signal);
    }
    if (this.size === 0) return [];
    const n = Math.min(maxMessages, this.size);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const entry = this.entries[this.head]!;
      this.entries[this.head++] = undefined;
      this.heldBytes -= entry.bytes;
      out[i] = entry.message;
    }
    this.totalOut += n;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (n > 0) this.wake('producer');
    return out;
  }

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType === 'queue-out') {
      const monitor = new QueueBindingMonitor('messages_sent');
      const port: QueueProducer<T> = {
        put: async (message, sizeBytes, signal) => {
          await this.put(message, sizeBytes, signal);
          monitor.count(1, sizeBytes ?? 0);
        },
        offer: (message, sizeBytes) => {
          const ok = this.offer(message, sizeBytes);
          if (ok) monitor.count(1, sizeBytes ?? 0);
          return ok;
        },
      };
      return { context, port, monitor };
    }
    if (context.usageType === 'queue-in') {
      const monitor = new QueueBindingMonitor('messages_consumed');
      const port: QueueConsumer<T> = {
        receiveBatch: async (max, timeoutMs, signal) => {
          const batch = await this.receiveBatch(max, timeoutMs, signal);
          if (batch.length > 0) monitor.count(batch.length, 0);
          return batch;
        },
        // Messages leave the queue on receive; nothing is redelivered, so there is nothing to acknowledge.
        commit: async () => {},
      };
      return { context, port, monitor };
    }
    throw new EvochoraError(
      PipelineErrorCode.UNSUPPORTED_USAGE,
      `Resource '${this.name}' (InMemoryQueue) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
      { actions: ['Use `queue-in:` for consumers or `queue-out:` for producers.'] },
    );
  }

  usageState(usageType: string | null): UsageState {
    if (usageType === 'queue-in') return this.size === 0 ? 'WAITING' : 'ACTIVE';
    if (usageType === 'queue-out') return this.hasRoomFor(0) ? 'ACTIVE' : 'WAITING';
    return 'ACTIVE';
  }

  metrics(): Metrics {
    return {
      capacity: this.options.capacity,
      max_bytes: this.options.maxBytes,
      current_size: this.size,
      current_bytes: this.heldBytes,
      fill_percent:
        Math.round(100 * Math.max(this.size / this.options.capacity, this.heldBytes / this.options.maxBytes) * 10) / 10,
      messages_in: this.totalIn,
      messages_out: this.totalOut,
      throughput_per_sec: this.rate.perSecond(),
      error_count: this.errorLog.count,
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return this.errorLog.count === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake('consumer');
    this.wake('producer');
  }

  private hasRoomFor(sizeBytes: number): boolean {
    if (this.size >= this.options.capacity) return false;
    if (this.size === 0) return true;
    return this.heldBytes + sizeBytes <= this.options.maxBytes;
  }

  private waitFor(side: 'consumer' | 'producer', timeoutMs: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = side === 'consumer' ? this.consumerWaiters : this.producerWaiters;
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      };
      waiters.push(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(side: 'consumer' | 'producer'): void {
    // Every waiter re-checks its condition after waking, so waking all is correct and keeps this simple.
    const waiters = side === 'consumer' ? this.consumerWaiters : this.producerWaiters;
    for (const wakeUp of [...waiters]) wakeUp();
  }
}

export class QueueClosedError extends EvochoraError {
  constructor(queue: string) {
    super(
      PipelineErrorCode.QUEUE_CLOSED,
      `Queue '${queue}' stopped accepting messages because its producer is stopping.`,
    );
  }
}

/** Per-binding counters, so status shows what each service sent or consumed. */
class QueueBindingMonitor implements Monitorable {
  private messages = 0;
  private bytes = 0;
  private readonly rate = new SlidingWindowRate();

  constructor(private readonly counterName: string) {}

  count(messages: number, bytes: number): void {
    this.messages += messages;
    this.bytes += bytes;
    this.rate.record(messages);
  }

  metrics(): Metrics {
    return {
      [this.counterName]: this.messages,
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
