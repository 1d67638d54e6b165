/**
 * How a resource or service type describes itself to the pipeline: its class name, its options (one spec:
 * defaults, ranges, docs), its ports and how it is built. Every type exports one of these; the registry
 * (registry.ts) maps class names to them, so types never import the registry.
 */
import type { ObjectSpec } from '../../config/field-spec.js';
import type { ResourceFactory } from './resource.js';
import type { ServiceFactory } from './service.js';

export interface ResourceType {
  readonly className: string;
  readonly description: string;
  readonly options: ObjectSpec;
  readonly create: ResourceFactory;
}

export interface ServiceType {
  readonly className: string;
  readonly description: string;
  readonly options: ObjectSpec;
  /** Port name → usage types it accepts; every listed port must be bound unless marked optional. */
  readonly ports: Record<string, { usage: readonly string[]; optional?: boolean }>;
  /**
   * Checks that need more than the option specs (a world that fits in memory, program files that compile),
   * run before any resource or service starts: nothing starts with a bad configuration. Paths are relative
   * to the service's `options`.
   */
  readonly preflight?: (options: Record<string, unknown>, serviceName: string) => readonly PreflightIssue[];
  readonly create: ServiceFactory;
}

/** A problem found by a service type's preflight. */
export interface PreflightIssue {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
}
