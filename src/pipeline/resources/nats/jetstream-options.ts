/**
 * The options the JetStream queue and topic types declare, kept apart from the resources themselves so that a
 * process reading its configuration loads the NATS client only when it connects to NATS.
 */
import { defineOptions } from '../../../config/field-spec.js';

/** The option specs every JetStream resource type declares (each spreads them into its own spec). */
export const JETSTREAM_CONNECTION_FIELDS = defineOptions({
  kind: 'object',
  doc: 'JetStream connection options',
  fields: {
    servers: {
      kind: 'string',
      default: 'nats://127.0.0.1:4222',
      nonEmpty: true,
      doc: 'NATS server URLs, comma-separated (any node of the cluster will do; list several).',
    },
    replicas: {
      kind: 'int',
      default: 1,
      min: 1,
      max: 5,
      doc: 'Stream replicas (3 on a 3-node cluster survives the loss of one node).',
    },
    storage: { kind: 'string', default: 'file', enum: ['file', 'memory'], doc: 'Where the servers keep the stream.' },
    connectTimeoutMs: {
      kind: 'int',
      default: 30_000,
      min: 100,
      max: 3_600_000,
      doc: 'How long startup keeps trying to reach NATS and set up the stream.',
    },
    publishTimeoutMs: {
      kind: 'int',
      default: 5000,
      min: 100,
      max: 600_000,
      doc: 'Wait for one publish acknowledgement before retrying it.',
    },
  },
}).fields;

/** The stream of a queue resource whose `stream` option is empty: derived from the resource's name. */
export function defaultStreamName(resourceName: string): string {
  return `EVOCHORA_${resourceName.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}`;
}
