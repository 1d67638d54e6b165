import type { ResourceType } from '../api/component-type.js';
import { InMemoryQueue } from './in-memory-queue.js';
import { defineOptions } from '../../config/field-spec.js';

const inMemoryQueueOptions = defineOptions({
  kind: 'object',
  doc: 'InMemoryQueue options',
  fields: {
    capacity: { kind: 'int', default: 1000, min: 1, max: 10_000_000, doc: 'Maximum messages held.' },
    maxBytes: { kind: 'bytes', default: 256 * 1024 * 1024, min: 1, doc: 'Maximum bytes held.' },
  },
});

export const inMemoryQueueType: ResourceType<typeof inMemoryQueueOptions> = {
  className: 'InMemoryQueue',
  description: 'Bounded in-process FIFO with backpressure by message count and bytes; competing consumers.',
  options: inMemoryQueueOptions,
  create: ({ name, options }) => new InMemoryQueue(name, { capacity: options.capacity, maxBytes: options.maxBytes }),
};
