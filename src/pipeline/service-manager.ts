/**
 * Builds resources and services from configuration, binds service ports to per-binding resource wrappers,
 * drives lifecycles, and reports status. Services are created fresh on every start, so a restart after an
 * ERROR begins from a clean object; resources live as long as the manager.
 */
import type { Logger } from 'pino';
import type { EvochoraConfig } from '../config/config-schema.js';
import { ConfigError } from '../config/config-error.js';
import type { ValidationIssue } from '../config/validate.js';
import { validateValue, defaultsOf } from '../config/validate.js';
import { EvochoraError } from '../errors.js';
import { parseBindingUri, BindingUriError } from './api/binding-uri.js';
import { assertTransition, type LifecycleAction, type ServiceState } from './api/lifecycle.js';
import type { Metrics, Monitorable } from './api/monitorable.js';
import type { Resource, ResourceBinding, ResourceContext } from './api/resource.js';
import type { AbstractService } from './api/service.js';
import type { ServiceType } from './api/component-type.js';
import type { TypeRegistry } from './registry.js';
import type { OperationalError } from './api/operational-error.js';
import { costReadingOf, RecordingCostTracker, type RecordingCost } from './recording-cost.js';
import { PipelineErrorCode } from './error-codes.js';
import type { PipelineTracing } from './tracing/pipeline-tracing.js';
import { startTracing } from './tracing/start-tracing.js';
import { VERSION } from '../version.js';

/** How often the recording cost is sampled. */
const COST_SAMPLE_MS = 5000;

export class UnknownServiceError extends EvochoraError {
  constructor(name: string, known: string[]) {
    super(PipelineErrorCode.UNKNOWN_SERVICE, `No service named '${name}' is configured.`, {
      actions: [`Configured services: ${known.join(', ') || '(none)'}.`],
      data: { service: name },
    });
  }
}

interface PendingBinding {
  readonly port: string;
  readonly resource: Resource;
  readonly context: ResourceContext;
}

interface ServiceSlot {
  readonly name: string;
  readonly type: ServiceType;
  readonly options: Record<string, unknown>;
  readonly bindings: PendingBinding[];
  instance: AbstractService | undefined;
  live: ResourceBinding[];
}

export interface BindingStatus {
  portName: string;
  resourceName: string;
  usageType: string | null;
  usageState: string;
  metrics: Metrics;
  errors: string[];
  healthy: boolean;
}

export interface ServiceStatus {
  name: string;
  className: string;
  state: ServiceState;
  healthy: boolean;
  metrics: Metrics;
  errors: OperationalError[];
  resourceBindings: BindingStatus[];
}

export interface ResourceStatus {
  name: string;
  type: string;
  healthy: boolean;
  metrics: Metrics;
  errors: OperationalError[];
}

/** RUNNING while any service runs; PAUSED when every service that is not stopped is paused. */
export type PipelineHealth = 'IDLE' | 'RUNNING' | 'PAUSED' | 'DEGRADED' | 'STOPPED';

export interface PipelineStatus {
  status: PipelineHealth;
  healthy: boolean;
  services: ServiceStatus[];
  resources: ResourceStatus[];
  metrics: Metrics;
  /** What recording costs (present when a PersistenceService is configured). */
  recording?: RecordingCost;
}

export interface ServiceManagerOptions {
  readonly config: EvochoraConfig;
  readonly registry: TypeRegistry;
  readonly logger: Logger;
  /** Named loggers (per-logger levels); defaults to children of `logger`. */
  readonly loggerFor?: (name: string) => Logger;
  /**
   * The services' tracer. Absent: the manager starts it from `config.tracing` and shuts it down (exporting
   * the last spans) in `shutdown()`; given: the caller owns it and shuts it down.
   */
  readonly tracing?: PipelineTracing;
}

export class ServiceManager {
  private readonly resources = new Map<string, Resource>();
  private readonly slots = new Map<string, ServiceSlot>();
  private readonly config: EvochoraConfig;
  private readonly logger: Logger;
  private readonly loggerFor: (name: string) => Logger;
  private readonly costTracker = new RecordingCostTracker();
  private cost: RecordingCost | undefined;
  private costTimer: NodeJS.Timeout | undefined;
  private lastCostWarningMs = 0;
  private tracing: PipelineTracing | undefined;
  private ownsTracing = false;

  private constructor(options: ServiceManagerOptions) {
    this.tracing = options.tracing;
    this.config = options.config;
    this.logger = options.logger;
    this.loggerFor = options.loggerFor ?? ((name) => options.logger.child({ name }));
  }

  /** Samples the recording cost every few seconds and warns (at most every 10 minutes) when the disk runs full within a day. */
  private watchCost(): void {
    if (this.costTimer || ![...this.slots.values()].some((s) => s.type.className === 'PersistenceService')) return;
    const sample = (): void => {
      const services = [...this.slots.keys()].map((n) => this.serviceStatus(n));
      const resources = [...this.resources.values()].map((r) => ({ metrics: r.metrics() }));
      this.cost = this.costTracker.update(costReadingOf(services, resources));
      if (this.cost.warning && Date.now() - this.lastCostWarningMs >= 600_000) {
        this.lastCostWarningMs = Date.now();
        this.logger.warn({ recording: this.cost }, this.cost.warning);
      }
    };
    sample();
    this.costTimer = setInterval(sample, COST_SAMPLE_MS);
    this.costTimer.unref();
  }

  /** Validates every class name, option and binding first; throws one ConfigError listing all problems. */
  static async create(options: ServiceManagerOptions): Promise<ServiceManager> {
    const manager = new ServiceManager(options);
    const { config, registry } = options;
    const issues: ValidationIssue[] = [];
    const noOrigin = (): undefined => undefined;

    const resourceOptions = new Map<
      string,
      { type: NonNullable<ReturnType<TypeRegistry['resource']>>; options: Record<string, unknown> }
    >();
    for (const [name, def] of Object.entries(config.pipeline.resources)) {
      const type = registry.resource(def.className);
      if (!type) {
        issues.push({
          path: `pipeline.resources.${name}.className`,
          value: def.className,
          expected: `a resource type (${registry.resourceClassNames().join(', ')})`,
        });
        continue;
      }
      const merged = { ...(defaultsOf(type.options) as Record<string, unknown>), ...(def.options ?? {}) };
      const opts = validateValue(
        type.options,
        merged,
        `pipeline.resources.${name}.options`,
        issues,
        noOrigin,
      ) as Record<string, unknown>;
      resourceOptions.set(name, { type, options: opts });
    }

    const pendingServices: Array<{
      name: string;
      type: ServiceType;
      options: Record<string, unknown>;
      uris: Record<string, string>;
    }> = [];
    for (const [name, def] of Object.entries(config.pipeline.services)) {
      const type = registry.service(def.className);
      if (!type) {
        issues.push({
          path: `pipeline.services.${name}.className`,
          value: def.className,
          expected: `a service type (${registry.serviceClassNames().join(', ')})`,
        });
        continue;
      }
      const merged = { ...(defaultsOf(type.options) as Record<string, unknown>), ...(def.options ?? {}) };
      const before = issues.length;
      const opts = validateValue(type.options, merged, `pipeline.services.${name}.options`, issues, noOrigin) as Record<
        string,
        unknown
      >;
      // The implementation of a configured service (its preflight and create need it).
      await type.load?.();
      if (issues.length === before && type.preflight)
        for (const i of type.preflight(opts, name))
          issues.push({ ...i, path: `pipeline.services.${name}.options.${i.path}` });
      for (const [port, spec] of Object.entries(type.ports)) {
        const uri = def.resources[port];
        if (uri === undefined) {
          if (!spec.optional)
            issues.push({
              path: `pipeline.services.${name}.resources.${port}`,
              value: undefined,
              expected: `a binding (${spec.usage.join(' or ')}:<resource>)`,
            });
          continue;
        }
        try {
          const parsed = parseBindingUri(uri);
          if (parsed.usageType !== null && !spec.usage.includes(parsed.usageType))
            issues.push({
              path: `pipeline.services.${name}.resources.${port}`,
              value: uri,
              expected: `usage ${spec.usage.join(' or ')}`,
            });
        } catch (err) {
          if (!(err instanceof BindingUriError)) throw err;
          issues.push({ path: `pipeline.services.${name}.resources.${port}`, value: uri, expected: err.message });
        }
      }
      for (const port of Object.keys(def.resources)) {
        if (!(port in type.ports))
          issues.push({
            path: `pipeline.services.${name}.resources.${port}`,
            value: def.resources[port],
            expected: `a port of ${type.className} (${Object.keys(type.ports).join(', ')})`,
          });
      }
      pendingServices.push({ name, type, options: opts, uris: def.resources });
    }
    if (issues.length > 0) throw new ConfigError(issues, 'Invalid pipeline configuration');
    if (!manager.tracing && config.tracing.enabled) {
      manager.tracing = await startTracing(config.tracing, { version: VERSION });
      manager.ownsTracing = true;
      options.logger.info(
        { tracing: { exporter: config.tracing.exporter, endpoint: config.tracing.endpoint } },
        `Tracing on: spans go to ${config.tracing.exporter === 'otlp' ? config.tracing.endpoint : 'stdout'}`,
      );
    }

    for (const [name, { type, options: opts }] of resourceOptions) {
      const resource = await type.create({
        name,
        options: opts,
        logger: manager.loggerFor(`resource-${name}`),
        dataDir: config.node.dataDir,
      });
      manager.resources.set(name, resource);
    }
    for (const s of pendingServices) {
      const bindings: PendingBinding[] = [];
      for (const [port, uri] of Object.entries(s.uris)) {
        const parsed = parseBindingUri(uri);
        const resource = manager.resources.get(parsed.resourceName)!;
        if (parsed.usageType !== null && !resource.usageTypes.includes(parsed.usageType)) {
          issues.push({
            path: `pipeline.services.${s.name}.resources.${port}`,
            value: uri,
            expected: `a usage ${resource.type} supports (${resource.usageTypes.join(', ')})`,
          });
          continue;
        }
        bindings.push({
          port,
          resource,
          context: {
            serviceName: s.name,
            portName: port,
            usageType: parsed.usageType,
            resourceName: parsed.resourceName,
            parameters: parsed.parameters,
          },
        });
      }
      manager.slots.set(s.name, {
        name: s.name,
        type: s.type,
        options: s.options,
        bindings,
        instance: undefined,
        live: [],
      });
    }
    if (issues.length > 0) {
      await manager.closeResources();
      throw new ConfigError(issues, 'Invalid pipeline configuration');
    }
    return manager;
  }

  serviceNames(): string[] {
    return [...this.slots.keys()];
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  /** Starts the startup sequence when autoStart is on. */
  async autoStart(): Promise<void> {
    if (this.config.pipeline.autoStart) await this.startAll();
  }

  async startAll(): Promise<void> {
    for (const name of this.sequence()) {
      const state = this.stateOf(name);
      if (state === 'RUNNING' || state === 'PAUSED') continue;
      this.start(name);
    }
  }

  /** Stops in reverse startup order so producers stop before the consumers that drain them. */
  async stopAll(): Promise<void> {
    const order = [...this.sequence()].reverse();
    for (const name of this.slots.keys()) if (!order.includes(name)) order.push(name);
    for (const name of order) {
      const state = this.stateOf(name);
      if (state === 'RUNNING' || state === 'PAUSED') await this.stop(name);
    }
  }

  pauseAll(): void {
    for (const name of this.slots.keys()) if (this.stateOf(name) === 'RUNNING') this.pause(name);
  }

  resumeAll(): void {
    for (const name of this.slots.keys()) if (this.stateOf(name) === 'PAUSED') this.resume(name);
  }

  async restartAll(): Promise<void> {
    await this.stopAll();
    await this.startAll();
  }

  /** Applies one lifecycle action to one service, or to all when `name` is undefined. */
  async apply(action: LifecycleAction, name?: string): Promise<void> {
    if (name === undefined) {
      const all = {
        start: () => this.startAll(),
        stop: () => this.stopAll(),
        pause: async () => this.pauseAll(),
        resume: async () => this.resumeAll(),
        restart: () => this.restartAll(),
      };
      await all[action]();
      return;
    }
    switch (action) {
      case 'start':
        return this.start(name);
      case 'stop':
        return this.stop(name);
      case 'pause':
        return this.pause(name);
      case 'resume':
        return this.resume(name);
      case 'restart':
        return this.restart(name);
    }
  }

  /** Checks that `action` is allowed for `name` without doing it (the HTTP API answers 409 before 202). */
  check(action: LifecycleAction, name: string): void {
    assertTransition(name, this.stateOf(name), action);
  }

  start(name: string): void {
    const slot = this.slot(name);
    assertTransition(name, this.stateOf(name), 'start');
    this.watchCost();
    const live = slot.bindings.map((b) => b.resource.bind(b.context));
    const ports: Record<string, unknown> = {};
    for (const b of live) ports[b.context.portName] = b.port;
    const instance = slot.type.create({
      name,
      options: slot.options,
      logger: this.loggerFor(name),
      dataDir: this.config.node.dataDir,
      ports,
      ...(this.tracing ? { tracer: this.tracing.tracer } : {}),
    });
    slot.instance = instance;
    slot.live = live;
    instance.start();
  }

  async stop(name: string): Promise<void> {
    const slot = this.slot(name);
    assertTransition(name, this.stateOf(name), 'stop');
    await slot.instance?.stop(this.config.pipeline.serviceStopTimeoutMs);
  }

  pause(name: string): void {
    const slot = this.slot(name);
    assertTransition(name, this.stateOf(name), 'pause');
    slot.instance!.pause();
  }

  resume(name: string): void {
    const slot = this.slot(name);
    assertTransition(name, this.stateOf(name), 'resume');
    slot.instance!.resume();
  }

  async restart(name: string): Promise<void> {
    const state = this.stateOf(name);
    if (state === 'RUNNING' || state === 'PAUSED' || state === 'ERROR')
      await this.slot(name).instance?.stop(this.config.pipeline.serviceStopTimeoutMs);
    this.start(name);
  }

  stateOf(name: string): ServiceState {
    return this.slot(name).instance?.state ?? 'STOPPED';
  }

  /** The running instance of a service, for code that needs more than status (tests, engines). */
  instanceOf(name: string): AbstractService | undefined {
    return this.slot(name).instance;
  }

  resource(name: string): Resource | undefined {
    return this.resources.get(name);
  }

  serviceStatus(name: string): ServiceStatus {
    const slot = this.slot(name);
    const instance = slot.instance;
    return {
      name,
      className: slot.type.className,
      state: instance?.state ?? 'STOPPED',
      healthy: instance?.healthy() ?? true,
      metrics: instance?.metrics() ?? {},
      errors: [...(instance?.errors() ?? [])],
      resourceBindings: slot.bindings.map((b, k) => {
        const monitor: Monitorable | undefined = slot.live[k]?.monitor;
        return {
          portName: b.port,
          resourceName: b.context.resourceName,
          usageType: b.context.usageType,
          usageState: b.resource.usageState(b.context.usageType),
          metrics: monitor?.metrics() ?? {},
          errors: (monitor?.errors() ?? []).map((e) => e.message),
          healthy: (monitor?.healthy() ?? true) && b.resource.usageState(b.context.usageType) !== 'FAILED',
        };
      }),
    };
  }

  status(): PipelineStatus {
    const services = [...this.slots.keys()].map((n) => this.serviceStatus(n));
    const resources: ResourceStatus[] = [...this.resources.values()].map((r) => ({
      name: r.name,
      type: r.type,
      healthy: r.healthy(),
      metrics: r.metrics(),
      errors: [...r.errors()],
    }));
    const healthy =
      services.every((s) => s.healthy && s.resourceBindings.every((b) => b.healthy)) &&
      resources.every((r) => r.healthy);
    const count = (state: ServiceState): number => services.filter((s) => s.state === state).length;
    const status: PipelineHealth =
      services.length === 0
        ? 'IDLE'
        : !healthy
          ? 'DEGRADED'
          : count('RUNNING') > 0
            ? 'RUNNING'
            : count('PAUSED') > 0
              ? 'PAUSED'
              : 'STOPPED';
    return {
      status,
      healthy,
      services,
      resources,
      metrics: {
        services_total: services.length,
        services_running: count('RUNNING'),
        services_paused: count('PAUSED'),
        services_stopped: count('STOPPED'),
        services_error: count('ERROR'),
        resources_total: resources.length,
      },
      ...(this.cost ? { recording: this.cost } : {}),
    };
  }

  /** Stops every service, then closes every resource. Used when the node exits. */
  async shutdown(): Promise<void> {
    clearInterval(this.costTimer);
    this.costTimer = undefined;
    await this.stopAll();
    await this.closeResources();
    if (this.ownsTracing) {
      // The last batches' spans are still in the batch processor: export them before the process ends.
      await this.tracing
        ?.shutdown()
        .catch((err: unknown) => this.logger.warn({ err }, 'exporting the last spans failed'));
      this.ownsTracing = false;
    }
  }

  private async closeResources(): Promise<void> {
    for (const r of this.resources.values()) {
      try {
        await r.close?.();
      } catch (err) {
        this.logger.warn({ err, resource: r.name }, `closing resource ${r.name} failed`);
      }
    }
  }

  private sequence(): string[] {
    return this.config.pipeline.startupSequence;
  }

  private slot(name: string): ServiceSlot {
    const slot = this.slots.get(name);
    if (!slot) throw new UnknownServiceError(name, [...this.slots.keys()]);
    return slot;
  }
}
