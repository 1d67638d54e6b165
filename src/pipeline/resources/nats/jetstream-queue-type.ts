import type { ResourceType } from '../../api/component-type.js';
import { defaultStreamName, JETSTREAM_CONNECTION_FIELDS } from './jetstream-options.js';
import { defineOptions } from '../../../config/field-spec.js';

const jetStreamQueueOptions = defineOptions({
  kind: 'object',
  doc: 'JetStreamQueue options',
  fields: {
    ...JETSTREAM_CONNECTION_FIELDS,
    stream: { kind: 'string', default: '', doc: 'Stream name; empty means EVOCHORA_<RESOURCE NAME>.' },
    subject: {
      kind: 'string',
      default: '',
      doc: 'Subject the stream captures; empty means evochora.queue.<resource name>.',
    },
    consumer: {
      kind: 'string',
      default: '',
      doc: 'Durable consumer shared by all queue-in bindings; empty means <stream>_workers.',
    },
    maxMessages: {
      kind: 'int',
      default: 10_000,
      min: 1,
      max: 1_000_000_000,
      doc: 'Backlog limit in messages; producers wait while it is reached.',
    },
    maxBytes: {
      kind: 'bytes',
      default: 1024 * 1024 * 1024,
      min: 1024,
      doc: 'Backlog limit in bytes; producers wait while it is reached.',
    },
    ackWaitMs: {
      kind: 'int',
      default: 30_000,
      min: 500,
      max: 3_600_000,
      doc: 'A delivered message not acknowledged for this long (its consumer died) is redelivered.',
    },
    maxDeliver: {
      kind: 'int',
      default: -1,
      min: -1,
      max: 1_000_000,
      doc: 'Most deliveries of one message; -1 is unlimited.',
    },
    exclusiveFetch: {
      kind: 'bool',
      default: true,
      doc: 'One consumer collects a batch at a time, so batches are consecutive runs of the stream.',
    },
    compression: {
      kind: 'string',
      default: 'zstd',
      enum: ['zstd', 'none'],
      doc: 'Compression of message payloads on the wire.',
    },
    compressionLevel: { kind: 'int', default: 1, min: 1, max: 19, doc: 'zstd level on the wire (1 is fastest).' },
    ackTimeoutMs: {
      kind: 'int',
      default: 30_000,
      min: 100,
      max: 600_000,
      doc: 'How long an acknowledgement is retried (e.g. through a leader election).',
    },
    singleProducer: {
      kind: 'bool',
      default: false,
      doc: 'This stream has one producer process (one engine): chain publishes so a retried publish is never stored twice, even across a leader change.',
    },
    duplicateWindowMs: {
      kind: 'int',
      default: 120_000,
      min: 1000,
      max: 86_400_000,
      doc: 'Window in which a re-published message id is dropped as a duplicate.',
    },
  },
});

export const jetStreamQueueType: ResourceType<typeof jetStreamQueueOptions> = {
  className: 'JetStreamQueue',
  description:
    'Queue on a NATS JetStream stream shared by processes: competing consumers on one durable consumer, explicit acks, redelivery, bounded stream as backpressure.',
  options: jetStreamQueueOptions,
  create: async ({ name, options, logger }) => {
    const stream = options.stream || defaultStreamName(name);
    const { JetStreamQueue } = await import('./jetstream-queue.js'); // the NATS client loads only when NATS is used
    return JetStreamQueue.create(
      name,
      {
        servers: options.servers,
        stream,
        subject: options.subject || `evochora.queue.${name}`,
        consumer: options.consumer || `${stream}_workers`,
        replicas: options.replicas,
        storage: options.storage,
        maxMessages: options.maxMessages,
        maxBytes: options.maxBytes,
        ackWaitMs: options.ackWaitMs,
        maxDeliver: options.maxDeliver,
        exclusiveFetch: options.exclusiveFetch,
        compression: options.compression,
        compressionLevel: options.compressionLevel,
        connectTimeoutMs: options.connectTimeoutMs,
        publishTimeoutMs: options.publishTimeoutMs,
        ackTimeoutMs: options.ackTimeoutMs,
        duplicateWindowMs: options.duplicateWindowMs,
        singleProducer: options.singleProducer,
      },
      logger,
    );
  },
};
