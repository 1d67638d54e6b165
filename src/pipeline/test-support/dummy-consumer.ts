import type { QueueConsumer } from '../api/queue.js';
import { AbstractService, type ServiceContext } from '../api/service.js';
import type { Metrics } from '../api/monitorable.js';
import type { ServiceType } from '../api/component-type.js';
import type { DummyMessage } from './dummy-producer.js';
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';

/** DummyConsumer's options as its type declares them (validated, defaults filled). */
export type DummyConsumerOptions = OptionsOf<typeof dummyConsumerOptions>;

/** Drains its input queue in batches and counts what it saw; checks that sequence numbers never repeat. */
export class DummyConsumer extends AbstractService<DummyConsumerOptions> {
  private consumed = 0;
  private batches = 0;
  private lastSequence = -1;
  private outOfOrder = 0;

  constructor(context: ServiceContext<DummyConsumerOptions>) {
    super(context);
  }

  protected async run(): Promise<void> {
    const input = this.port<QueueConsumer<DummyMessage>>('input');
    const maxBatch = this.context.options.maxBatchSize;
    while (!this.stopRequested) {
      await this.checkPause();
      if (this.stopRequested) break;
      const batch = await input.receiveBatch(maxBatch, 200, this.signal);
      if (batch.length === 0) continue;
      for (const message of batch) {
        if (message.sequence <= this.lastSequence) this.outOfOrder++;
        this.lastSequence = message.sequence;
      }
      this.consumed += batch.length;
      this.batches++;
    }
  }

  protected override customMetrics(): Metrics {
    return {
      messages_consumed: this.consumed,
      batches: this.batches,
      last_sequence: this.lastSequence,
      out_of_order: this.outOfOrder,
    };
  }
}

const dummyConsumerOptions = defineOptions({
  kind: 'object',
  doc: 'DummyConsumer options',
  fields: {
    maxBatchSize: { kind: 'int', default: 100, min: 1, max: 1_000_000, doc: 'Most messages taken per receive.' },
  },
});

export const dummyConsumerType: ServiceType<typeof dummyConsumerOptions> = {
  className: 'TestSupport.DummyConsumer',
  description: 'Consumes messages from its input queue in batches and counts them.',
  ports: { input: { usage: ['queue-in'] } },
  options: dummyConsumerOptions,
  create: (context) => new DummyConsumer(context),
};
