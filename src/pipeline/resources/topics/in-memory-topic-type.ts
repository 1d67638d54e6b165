import type { ResourceType } from '../../registry.js';
import { InMemoryTopic } from './in-memory-topic.js';

export const inMemoryTopicType: ResourceType = {
  className: 'InMemoryTopic',
  description: 'In-process publish/subscribe topic with consumer groups, acks and redelivery of unacked messages.',
  options: {
    kind: 'object',
    doc: 'InMemoryTopic options',
    fields: {
      ackTimeoutMs: { kind: 'int', default: 60_000, min: 10, max: 86_400_000, doc: 'A delivery not acked within this time is redelivered.' },
      maxRetained: { kind: 'int', default: 1_000_000, min: 1, max: 100_000_000, doc: 'Messages kept while no consumer group has joined yet (afterwards the log keeps what some group has not taken).' },
    },
  },
  create: ({ name, options }) => new InMemoryTopic(name, { ackTimeoutMs: options.ackTimeoutMs as number, maxRetained: options.maxRetained as number }),
};
