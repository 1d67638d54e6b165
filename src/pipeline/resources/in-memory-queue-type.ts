import type { ResourceType } from '../api/component-type.js';
import { InMemoryQueue } from './in-memory-queue.js';

export const inMemoryQueueType: ResourceType = {
  className: 'InMemoryQueue',
  description: 'Bounded in-process FIFO with backpressure by message count and bytes; competing consumers.',
  options: {
    kind: 'object',
    doc: 'InMemoryQueue options',
    fields: {
      capacity: { kind: 'int', default: 1000, min: 1, max: 10_000_000, doc: 'Maximum messages held.' },
      maxBytes: { kind: 'bytes', default: 256 * 1024 * 1024, min: 1, doc: 'Maximum bytes held.' },
    },
  },
  create: ({ name, options }) =>
    new InMemoryQueue(name, { capacity: options.capacity as number, maxBytes: options.maxBytes as number }),
};
