import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import { EvochoraError } from '../../errors.js';
import { assertTransition, type ServiceState } from './lifecycle.js';
import type { Metrics, Monitorable } from './monitorable.js';
import { ErrorLog, type OperationalError } from './operational-error.js';
import { PipelineErrorCode } from '../error-codes.js';
import { NOOP_TRACER } from '../tracing/pipeline-tracing.js';

/** What the service manager gives a service when it builds it. */
export interface ServiceContext<O = Record<string, unknown>> {
  readonly name: string;
  /** The service's options: validated against its type's spec, defaults filled (typed by OptionsOf). */
  readonly options: O;
  readonly logger: Logger;
  readonly dataDir: string;
  /** Port name → the per-binding object of the resource bound to it. */
  readonly ports: Readonly<Record<string, unknown>>;
  /** Spans of a batch's life (docs/tracing.md); absent: the no-op tracer. */
  readonly tracer?: Tracer;
}

export class MissingPortError extends EvochoraError {
  constructor(service: string, port: string) {
    super(PipelineErrorCode.MISSING_PORT, `Service '${service}' needs a resource bound to port '${port}'.`, {
      actions: [`Add \`pipeline.services.${service}.resources.${port} = "usage:resource"\` to the config.`],
    });
  }
}

/**
 * The lifecycle every service shares: a single async work loop (`run`) that must call `checkPause()` between
 * units of work and return once `stopRequested` is true. State changes follow the table in lifecycle.ts.
 */
export abstract class AbstractService<O = Record<string, unknown>> implements Monitorable {
  private currentState: ServiceState = 'STOPPED';
  private readonly errorLog = new ErrorLog();
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private pauseWaiters: Array<() => void> = [];

  protected constructor(protected readonly context: ServiceContext<O>) {}

  get name(): string {
    return this.context.name;
  }

  get state(): ServiceState {
    return this.currentState;
  }

  protected get logger(): Logger {
    return this.context.logger;
  }

  /** The pipeline's tracer: the no-op tracer unless `tracing.enabled`. */
  protected get tracer(): Tracer {
    return this.context.tracer ?? NOOP_TRACER;
  }

  protected get stopRequested(): boolean {
    return this.abort.signal.aborted;
  }

  /** Aborted when stop is requested; pass it to anything that waits (queues, timers, fetches). */
  protected get signal(): AbortSignal {
    return this.abort.signal;
  }

  protected port<T>(name: string): T {
    const port = this.context.ports[name];
    if (port === undefined) throw new MissingPortError(this.name, name);
    return port as T;
  }

  start(): void {
    assertTransition(this.name, this.currentState, 'start');
    this.abort = new AbortController();
    this.currentState = 'RUNNING';
    this.logger.info(`${this.name} started`);
    this.loop = this.runSafely();
  }

  pause(): void {
    assertTransition(this.name, this.currentState, 'pause');
    this.currentState = 'PAUSED';
    this.onPause();
    this.logger.info(`${this.name} paused`);
  }

  resume(): void {
    assertTransition(this.name, this.currentState, 'resume');
    this.currentState = 'RUNNING';
    this.onResume();
    this.wakePaused();
    this.logger.info(`${this.name} resumed`);
  }

  /** Requests a stop and waits for the work loop to drain; a loop that does not end in time leaves ERROR. */
  async stop(timeoutMs = 30_000): Promise<void> {
    assertTransition(this.name, this.currentState, 'stop');
    if (this.currentState === 'ERROR' && this.loop === undefined) {
      this.currentState = 'STOPPED';
      return;
    }
    this.abort.abort();
    this.wakePaused();
    const loop = this.loop;
    if (loop) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        loop.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.recordError('STOP_TIMEOUT', `did not stop within ${timeoutMs} ms`);
        this.currentState = 'ERROR';
        return;
      }
    }
    this.currentState = 'STOPPED';
  }

  /** Blocks while the service is paused; returns at once when running or stopping. */
  protected async checkPause(): Promise<void> {
    while (this.currentState === 'PAUSED' && !this.stopRequested) {
      await new Promise<void>((resolve) => this.pauseWaiters.push(resolve));
    }
  }

  protected abstract run(): Promise<void>;

  /** Hooks for services whose work happens elsewhere (a worker thread) and must be told directly. */
  protected onPause(): void {}
  protected onResume(): void {}

  protected recordError(code: string, message: string, details?: string): void {
    this.errorLog.record(code, message, details);
  }

  /** Removes the recorded errors of `code`: the condition they reported has passed. */
  protected resolveErrors(code: string): void {
    this.errorLog.resolve(code);
  }

  protected customMetrics(): Metrics {
    return {};
  }

  metrics(): Metrics {
    return { error_count: this.errorLog.count, ...this.customMetrics() };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return this.currentState !== 'ERROR' && this.errorLog.count === 0;
  }

  clearErrors(): void {
    this.errorLog.clear();
  }

  private async runSafely(): Promise<void> {
    try {
      await this.run();
      if (!this.stopRequested) this.logger.info(`${this.name} finished its work`);
      this.currentState = 'STOPPED';
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.recordError((error as { code?: string }).code ?? 'SERVICE_FAILED', error.message, error.stack);
      this.logger.error({ err: error }, `${this.name} stopped with an error: ${error.message}`);
      this.currentState = 'ERROR';
    } finally {
      this.loop = undefined;
    }
  }

  private wakePaused(): void {
    const waiters = this.pauseWaiters;
    this.pauseWaiters = [];
    for (const wake of waiters) wake();
  }
}

export type ServiceFactory<O = Record<string, unknown>> = (context: ServiceContext<O>) => AbstractService<O>;
