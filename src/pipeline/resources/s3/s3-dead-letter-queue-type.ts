import type { ResourceType } from '../../api/component-type.js';
import { defineOptions } from '../../../config/field-spec.js';
import { normalizedPrefix, s3ConnectionFields } from './s3-connection-options.js';

const s3DeadLetterQueueOptions = defineOptions({
  kind: 'object',
  doc: 'S3DeadLetterQueue options',
  fields: {
    ...s3ConnectionFields,
    prefix: {
      kind: 'string',
      default: '',
      doc: "Key prefix of the deployment inside the bucket (as the S3Storage's); letters go under <prefix>.dlq/<resource name>/.",
    },
    capacity: {
      kind: 'int',
      default: 10_000,
      min: 1,
      max: 10_000_000,
      doc: 'Most dead letters kept, counted over every host writing to the queue; further ones are refused (DLQ_FULL).',
    },
    refreshIntervalMs: {
      kind: 'int',
      default: 30_000,
      min: 0,
      max: 3_600_000,
      doc: 'How often the queue size shown in metrics and health is re-read from the bucket; 0 = only on writes.',
    },
  },
});

export const s3DeadLetterQueueType: ResourceType<typeof s3DeadLetterQueueOptions> = {
  className: 'S3DeadLetterQueue',
  description:
    'Dead-letter queue shared by every host: one object per letter in the S3 bucket (under <prefix>.dlq/<name>/); inspect with `evochora dlq list -c <config>`, recover with `evochora dlq replay -c <config>`.',
  options: s3DeadLetterQueueOptions,
  create: async ({ name, options, logger }) => {
    const { S3DeadLetterQueue } = await import('./s3-dead-letter-queue.js'); // the AWS SDK loads only when S3 is used
    const q = new S3DeadLetterQueue(
      name,
      // The options as declared; the prefix as keys use it ("" or ending in "/").
      { ...options, prefix: normalizedPrefix(options.prefix) },
      logger,
    );
    await q.init();
    return q;
  },
};
