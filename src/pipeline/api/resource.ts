import type { Logger } from 'pino';
import type { Monitorable } from './monitorable.js';

/** How one service port uses a resource, e.g. `queue-in`, `storage-write`, `topic-read`. */
export type UsageType = string;

export type UsageState = 'ACTIVE' | 'WAITING' | 'FAILED';

/** Everything a resource needs to hand a service its own wrapper for one binding. */
export interface ResourceContext {
  readonly serviceName: string;
  readonly portName: string;
  readonly usageType: UsageType | null;
  readonly resourceName: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * A shared piece of infrastructure (queue, storage, topic, database). Services never see the resource
 * itself, only the wrapper `bind()` returns for their port, so each binding carries its own metrics.
 */
export interface Resource extends Monitorable {
  readonly name: string;
  readonly type: string;
  /** Usage types this resource accepts in binding URIs. */
  readonly usageTypes: readonly UsageType[];
  bind(context: ResourceContext): ResourceBinding;
  usageState(usageType: UsageType | null): UsageState;
  close?(): Promise<void>;
}

/** The per-binding object a service port receives. `port` is what the service calls. */
export interface ResourceBinding {
  readonly context: ResourceContext;
  readonly port: unknown;
  readonly monitor?: Monitorable;
}

/** What the service manager gives a resource type's `create`: `options` validated, defaults filled. */
export interface ResourceFactoryArgs<O = Record<string, unknown>> {
  readonly name: string;
  readonly options: O;
  readonly logger: Logger;
  /** Directory for durable state of embedded resources (storage, DLQ, databases). */
  readonly dataDir: string;
}

export type ResourceFactory<O = Record<string, unknown>> = (
  args: ResourceFactoryArgs<O>,
) => Resource | Promise<Resource>;
