/**
 * A dead-letter queue that survives restarts: every DeadLetterMessage put on it becomes a durable file in
 * a DeadLetterStore directory (default `<dataDir>/dlq/<resource name>`). Bound as `queue-out`.
 */
import { isAbsolute, resolve } from 'node:path';
import { EvochoraError } from '../../errors.js';
import type { DeadLetterMessageProps } from '../contracts/index.js';
import type { Metrics } from '../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../api/operational-error.js';
import { bindDeadLetterQueue } from './dead-letter-queue-port.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../api/resource.js';
import type { ResourceType } from '../api/component-type.js';
import type { FsOps } from './atomic-file.js';
import { DeadLetterStore } from './dead-letter-store.js';
import { defineOptions } from '../../config/field-spec.js';
import { PipelineErrorCode } from '../error-codes.js';

export class DeadLetterQueueFullError extends EvochoraError {
  constructor(name: string, capacity: number) {
    super(PipelineErrorCode.DLQ_FULL, `Dead-letter queue '${name}' holds its maximum of ${capacity} messages.`, {
      actions: ['Recover them with `evochora dlq replay`, or raise the DLQ capacity.'],
    });
  }
}

export class FileSystemDeadLetterQueue implements Resource {
  readonly type = 'FileSystemDeadLetterQueue';
  readonly usageTypes = ['queue-out'] as const;
  readonly store: DeadLetterStore;
  private received = 0;
  private dropped = 0;
  private readonly errorLog = new ErrorLog();

  constructor(
    readonly name: string,
    directory: string,
    private readonly capacity = 10_000,
    ops?: FsOps,
  ) {
    this.store = new DeadLetterStore(directory, ops);
  }

  async put(message: DeadLetterMessageProps): Promise<void> {
    this.checkRoom();
    try {
      await this.store.add(message);
      this.received++;
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  offer(message: DeadLetterMessageProps): boolean {
    try {
      this.checkRoom();
      this.store.addSync(message);
      this.received++;
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  private checkRoom(): void {
    if (this.store.count() >= this.capacity) {
      this.dropped++;
      throw new DeadLetterQueueFullError(this.name, this.capacity);
    }
  }

  private fail(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    this.errorLog.record(e.code ?? 'DLQ_WRITE_FAILED', `writing a dead letter failed: ${e.message}`);
  }

  bind(context: ResourceContext): ResourceBinding {
    return bindDeadLetterQueue(this, 'FileSystemDeadLetterQueue', context, '`evochora dlq list`');
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    return {
      total_messages_received: this.received,
      current_size: this.store.count(),
      capacity: this.capacity,
      dropped_messages: this.dropped,
      error_count: this.errorLog.count,
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  /** Unhealthy while it holds dead letters: someone has to look at them. */
  healthy(): boolean {
    return this.errorLog.count === 0 && this.store.count() === 0;
  }
}

const fileSystemDeadLetterQueueOptions = defineOptions({
  kind: 'object',
  doc: 'FileSystemDeadLetterQueue options',
  fields: {
    directory: {
      kind: 'string',
      default: '',
      doc: 'Directory of the dead letters; empty = dlq/<resource name> inside node.dataDir.',
    },
    capacity: {
      kind: 'int',
      default: 10_000,
      min: 1,
      max: 10_000_000,
      doc: 'Most dead letters kept; further ones are refused (DLQ_FULL).',
    },
  },
});

export const fileSystemDeadLetterQueueType: ResourceType<typeof fileSystemDeadLetterQueueOptions> = {
  className: 'FileSystemDeadLetterQueue',
  description:
    'Dead-letter queue kept as durable files (survives restarts); inspect with `evochora dlq list`, recover with `evochora dlq replay`.',
  options: fileSystemDeadLetterQueueOptions,
  create: ({ name, options, dataDir }) => {
    const dir = options.directory || `dlq/${name}`;
    return new FileSystemDeadLetterQueue(name, isAbsolute(dir) ? dir : resolve(dataDir, dir), options.capacity);
  },
};
