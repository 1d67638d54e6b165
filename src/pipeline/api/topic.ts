/**
 * Topics: publish/subscribe notifications with consumer groups (batch and metadata announcements).
 *
 * Contract every implementation (in-memory, NATS JetStream, …) must keep:
 * - Every consumer group receives every message published after the topic was created (implementations
 *   that retain history also deliver older ones to a new group). Members of one group compete: each message
 *   goes to one member at a time.
 * - Delivery is at least once. A member acks a message after its effect is committed. A message that is not
 *   acked within the topic's ack timeout (or is nacked) is delivered again, to any member of the group, with
 *   `deliveryCount` increased. Consumers must therefore be idempotent.
 * - Order is the publish order per group, except for redeliveries.
 * - Payloads are the protobuf contract messages (BatchInfo, MetadataInfo) as plain objects; a networked
 *   implementation encodes them with the contract's `encode`/`decode` and must hand back the same fields.
 *
 * - A publish may carry the trace context of the span that published it (`PublishOptions.traceContext`); every
 *   delivery of that message hands it back (`TopicMessage.traceContext`), in memory as a field, over NATS as the
 *   `traceparent`/`tracestate` message headers, so a consumer's span joins the publisher's trace.
 *
 * Binding URIs: `topic-write:<topic>` gives a TopicWriter, `topic-read:<topic>?consumerGroup=<group>` a
 * TopicReader (a missing consumerGroup is a configuration error).
 */

import type { TraceContext } from '../tracing/trace-context.js';

/** One delivery of a message to one member of a consumer group. */
export interface TopicMessage<T> {
  /** Unique per published message (the same across redeliveries and across groups). */
  readonly messageId: string;
  readonly payload: T;
  /** Publish time, epoch milliseconds. */
  readonly publishedAtMs: number;
  /** 1 on first delivery, 2 on the first redelivery, … */
  readonly deliveryCount: number;
  readonly consumerGroup: string;
  /** The publisher's trace context, when it published with one. */
  readonly traceContext?: TraceContext;
}

export interface PublishOptions {
  /** Travels with the message to every consumer group (see the contract above). */
  readonly traceContext?: TraceContext;
}

/** The `topic-write` side. */
export interface TopicWriter<T> {
  /** Publishes durably (as the implementation defines it) and resolves once the message is accepted. */
  publish(payload: T, options?: PublishOptions): Promise<void>;
}

/** The `topic-read` side: one member of a consumer group. */
export interface TopicReader<T> {
  readonly consumerGroup: string;
  /**
   * Waits up to `timeoutMs` for at least one message for this group, then returns up to `maxMessages`.
   * Returns an empty array on timeout or when `signal` aborts. Returned messages are in flight until acked.
   */
  receive(maxMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<TopicMessage<T>[]>;
  /** Marks the message done for this group. Acking twice, or after a redelivery went elsewhere, is harmless. */
  ack(message: TopicMessage<T>): Promise<void>;
  /** Gives the message back for immediate redelivery (processing failed, try again or elsewhere). */
  nack(message: TopicMessage<T>): Promise<void>;
}

/** Usage types of topic bindings. */
export const TOPIC_WRITE = 'topic-write';
export const TOPIC_READ = 'topic-read';
