import type { TraceContext } from '../tracing/trace-context.js';

/**
 * A message that may carry the trace context of the span that queued it (tracing on, docs/tracing.md). Every
 * queue hands it to the consumer unchanged: the in-memory queue as the object's own field, the JetStream queue
 * as the NATS message headers `traceparent` and `tracestate`, so a consumer in another process continues the
 * producer's trace. Without it (tracing off) a message keeps its shape.
 */
export interface TracedMessage {
  readonly traceContext?: TraceContext;
}

/** The producer side of a queue binding (`queue-out`). */
export interface QueueProducer<T> {
  /**
   * Enqueues one message, waiting while the queue is full (backpressure). `sizeBytes` is what counts against
   * the queue's byte budget; pass the payload's byte length.
   */
  put(message: T, sizeBytes?: number, signal?: AbortSignal): Promise<void>;
  /** Enqueues without waiting; false when the queue is full. */
  offer(message: T, sizeBytes?: number): boolean;
}

/** The consumer side of a queue binding (`queue-in`). */
export interface QueueConsumer<T> {
  /**
   * Takes up to `maxMessages`, waiting at most `timeoutMs` for them (a blocking drain with a timeout): a
   * steady producer yields full batches. The in-memory queue also stops waiting when a producer is blocked on
   * it; the JetStream queue when another consumer holds the pull. An abort ends the wait with what is there.
   * Competing consumers each get a consecutive run of messages that no other consumer sees.
   * Returns an empty array when nothing arrived.
   */
  receiveBatch(maxMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<T[]>;
  /**
   * Acknowledges a batch returned by `receiveBatch` once the consumer has durably handled it (written, or
   * dead-lettered). Queues that redeliver unacknowledged messages after a timeout (NATS JetStream) need it for
   * at-least-once delivery across process crashes; in-process queues hand messages over on receive and treat it
   * as a no-op. Optional, so consumers and queues written before it keep working.
   */
  commit?(batch: readonly T[]): Promise<void>;
}

/**
 * The error a put ends with when its signal aborted: a caller's own reason (e.g. a deadline) says why it gave
 * up; a bare abort() means the producer is stopping, which the queue reports with `stopping`.
 */
export function abortedPutError(signal: AbortSignal, stopping: () => Error): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : stopping();
}
