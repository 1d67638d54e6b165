import type { QueueProducer } from '../api/queue.js';
import { AbstractService, type ServiceContext } from '../api/service.js';
import { sleep } from '../api/sleep.js';
import type { Metrics } from '../api/monitorable.js';
import type { ServiceType } from '../api/component-type.js';
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';

export interface DummyMessage {
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/** DummyProducer's options as its type declares them (validated, defaults filled). */
export type DummyProducerOptions = OptionsOf<typeof dummyProducerOptions>;

/**
 * Emits numbered messages at a fixed rate. It exists so that every pipeline command has something real to
 * act on before the simulation services are configured, and for tests of the service manager.
 */
export class DummyProducer extends AbstractService<DummyProducerOptions> {
  private sequence = 0;

  constructor(context: ServiceContext<DummyProducerOptions>) {
    super(context);
  }

  protected async run(): Promise<void> {
    const output = this.port<QueueProducer<DummyMessage>>('output');
    const intervalMs = this.context.options.intervalMs;
    const bytes = this.context.options.messageBytes;
    const limit = this.context.options.maxMessages;
    while (!this.stopRequested && (limit === 0 || this.sequence < limit)) {
      await this.checkPause();
      if (this.stopRequested) break;
      const message: DummyMessage = { sequence: this.sequence, payload: new Uint8Array(bytes) };
      try {
        await output.put(message, bytes, this.signal);
      } catch (err) {
        if (this.stopRequested) break;
        throw err;
      }
      this.sequence++;
      if (intervalMs > 0) await sleep(intervalMs, this.signal);
    }
  }

  protected override customMetrics(): Metrics {
    return { messages_sent: this.sequence };
  }
}

const dummyProducerOptions = defineOptions({
  kind: 'object',
  doc: 'DummyProducer options',
  fields: {
    intervalMs: { kind: 'int', default: 10, min: 0, max: 3_600_000, doc: 'Pause between messages.' },
    messageBytes: { kind: 'int', default: 1024, min: 0, max: 64 * 1024 * 1024, doc: 'Payload size of each message.' },
    maxMessages: { kind: 'int', default: 0, min: 0, doc: 'Stop after this many messages; 0 = never.' },
  },
});

export const dummyProducerType: ServiceType<typeof dummyProducerOptions> = {
  className: 'TestSupport.DummyProducer',
  description: 'Emits numbered messages to its output queue at a fixed interval.',
  ports: { output: { usage: ['queue-out'] } },
  options: dummyProducerOptions,
  create: (context) => new DummyProducer(context),
};
