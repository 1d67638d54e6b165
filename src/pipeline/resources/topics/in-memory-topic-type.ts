import type { ResourceType } from '../../api/component-type.js';
import { InMemoryTopic } from './in-memory-topic.js';
import { defineOptions } from '../../../config/field-spec.js';

const inMemoryTopicOptions = defineOptions({
  kind: 'object',
  doc: 'InMemoryTopic options',
  fields: {
    ackTimeoutMs: {
      kind: 'int',
      default: 60_000,
      min: 10,
      max: 86_400_000,
      doc: 'A delivery not acked within this time is redelivered.',
    },
    maxRetained: {
      kind: 'int',
      default: 100_000,
      min: 1,
      max: 100_000_000,
      doc: 'At most this many messages are kept: before any consumer group has joined, and for a group that falls this far behind (the oldest are dropped and counted). Otherwise a message is kept only until every group has taken it.',
    },
    maxGroupBacklog: {
      kind: 'int',
      default: 0,
      min: 0,
      max: 100_000_000,
      doc: 'Backpressure: a publish waits while a consumer group that is consuming has more than this many messages unacknowledged, so publishers (and the engine behind them) run no faster than the slowest consumer. 0 = never wait.',
    },
    maxPublishWaitMs: {
      kind: 'int',
      default: 30_000,
      min: 0,
      max: 3_600_000,
      doc: 'The longest a publish waits for room (maxGroupBacklog); then it goes on and counts publish_waits_timed_out.',
    },
  },
});

export const inMemoryTopicType: ResourceType<typeof inMemoryTopicOptions> = {
  className: 'InMemoryTopic',
  description: 'In-process publish/subscribe topic with consumer groups, acks and redelivery of unacked messages.',
  options: inMemoryTopicOptions,
  create: ({ name, options }) =>
    new InMemoryTopic(name, {
      ackTimeoutMs: options.ackTimeoutMs,
      maxRetained: options.maxRetained,
      maxGroupBacklog: options.maxGroupBacklog,
      maxPublishWaitMs: options.maxPublishWaitMs,
    }),
};
