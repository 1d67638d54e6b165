/**
 * How a resource or service type describes itself to the pipeline: its class name, its options (one spec:
 * defaults, ranges, docs), its ports and how it is built. Every type exports one of these; the registry
 * (registry.ts) maps class names to them, so types never import the registry.
 */
import type { ObjectSpec, OptionsOf } from '../../config/field-spec.js';
import type { Resource, ResourceFactoryArgs } from './resource.js';
import type { AbstractService, ServiceContext } from './service.js';

/**
 * A resource type. `S` is its option spec (declared with defineOptions): `create` receives options of type
 * OptionsOf<S>, validated and with defaults filled by the service manager, so a type never casts or
 * re-checks them.
 */
export interface ResourceType<S extends ObjectSpec = ObjectSpec> {
  readonly className: string;
  readonly description: string;
  readonly options: S;
  create(args: ResourceFactoryArgs<OptionsOf<S>>): Resource | Promise<Resource>;
}

/** A service type; `S` as for ResourceType. */
export interface ServiceType<S extends ObjectSpec = ObjectSpec> {
  readonly className: string;
  readonly description: string;
  readonly options: S;
  /** Port name → usage types it accepts; every listed port must be bound unless marked optional. */
  readonly ports: Record<string, { usage: readonly string[]; optional?: boolean }>;
  /**
   * Imports the implementation when the type keeps it apart (lazy-service-type.ts): the ServiceManager awaits it
   * for each configured service before `preflight` and `create`.
   */
  load?(): Promise<void>;
  /**
   * Checks that need more than the option specs (a world that fits in memory, program files that compile),
   * run before any resource or service starts: nothing starts with a bad configuration. Paths are relative
   * to the service's `options`.
   */
  preflight?(options: OptionsOf<S>, serviceName: string): readonly PreflightIssue[];
  create(context: ServiceContext<OptionsOf<S>>): AbstractService<OptionsOf<S>>;
}

/** A problem found by a service type's preflight. */
export interface PreflightIssue {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
}
