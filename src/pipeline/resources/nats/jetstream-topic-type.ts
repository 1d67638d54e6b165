import type { ResourceType } from '../../api/component-type.js';
import { JETSTREAM_CONNECTION_FIELDS } from './jetstream-options.js';
import { defineOptions } from '../../../config/field-spec.js';

const jetStreamTopicOptions = defineOptions({
  kind: 'object',
  doc: 'JetStreamTopic options',
  fields: {
    ...JETSTREAM_CONNECTION_FIELDS,
    stream: { kind: 'string', default: '', doc: 'Stream name; empty means EVOCHORA_TOPIC_<RESOURCE NAME>.' },
    subject: { kind: 'string', default: '', doc: 'Subject; empty means evochora.topic.<resource name>.' },
    messageType: {
      kind: 'string',
      default: 'BatchInfo',
      enum: ['BatchInfo', 'MetadataInfo', 'json'],
      doc: 'Protobuf contract of the payloads.',
    },
    maxMessages: {
      kind: 'int',
      default: 10_000_000,
      min: 1,
      max: 1_000_000_000,
      doc: 'Announcements retained for late consumer groups (oldest dropped).',
    },
    maxAgeMs: {
      kind: 'int',
      default: 0,
      min: 0,
      max: 31_536_000_000,
      doc: 'Drop announcements older than this; 0 keeps them.',
    },
    ackTimeoutMs: {
      kind: 'int',
      default: 60_000,
      min: 500,
      max: 86_400_000,
      doc: 'A delivery not acked within this time is redelivered.',
    },
  },
});

export const jetStreamTopicType: ResourceType<typeof jetStreamTopicOptions> = {
  className: 'JetStreamTopic',
  description:
    'Notification topic on a NATS JetStream stream: history kept, one durable consumer per consumer group, acks and redelivery.',
  options: jetStreamTopicOptions,
  create: async ({ name, options, logger }) => {
    const safe = name.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
    const { JetStreamTopic } = await import('./jetstream-topic.js'); // the NATS client loads only when NATS is used
    return JetStreamTopic.create(
      name,
      {
        servers: options.servers,
        stream: options.stream || `EVOCHORA_TOPIC_${safe}`,
        subject: options.subject || `evochora.topic.${name}`,
        replicas: options.replicas,
        storage: options.storage,
        messageType: options.messageType,
        maxMessages: options.maxMessages,
        maxAgeMs: options.maxAgeMs,
        ackTimeoutMs: options.ackTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        publishTimeoutMs: options.publishTimeoutMs,
      },
      logger,
    );
  },
};
