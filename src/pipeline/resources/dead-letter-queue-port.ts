/**
 * Binding a dead-letter queue, whatever keeps its letters (a directory, an S3 bucket): it is written to only
 * (`queue-out`); the `dlq` commands read it.
 */
import { EvochoraError } from '../../errors.js';
import type { DeadLetterMessageProps } from '../contracts/index.js';
import type { QueueProducer } from '../api/queue.js';
import type { ResourceBinding, ResourceContext } from '../api/resource.js';
import { PipelineErrorCode } from '../error-codes.js';

export function bindDeadLetterQueue(
  queue: {
    readonly name: string;
    put(message: DeadLetterMessageProps): Promise<void>;
    offer(message: DeadLetterMessageProps): boolean;
  },
  className: string,
  context: ResourceContext,
  /** How a user reads it, for the error's action: "`evochora dlq list`". */
  readWith: string,
): ResourceBinding {
  if (context.usageType !== 'queue-out' && context.usageType !== null)
    throw new EvochoraError(
      PipelineErrorCode.UNSUPPORTED_USAGE,
      `Resource '${queue.name}' (${className}) can only be bound as 'queue-out'.`,
      { actions: [`Bind it as \`queue-out:<name>\`; read it with ${readWith}.`] },
    );
  const port: QueueProducer<DeadLetterMessageProps> = {
    put: (message) => queue.put(message),
    offer: (message) => queue.offer(message),
  };
  return { context, port };
}
