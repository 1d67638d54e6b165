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
}
