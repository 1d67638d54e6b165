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
   * Waits up to `timeoutMs` for at least one message, then takes whatever else is there up to `maxMessages`.
   * Competing consumers each get a consecutive run of messages that no other consumer sees.
   * Returns an empty array on timeout or abort.
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
