/**
 * A circuit breaker around a backend (S3, PostgreSQL, NATS JetStream publishes): after `threshold` failures in a row the backend is not
 * called for a cool-down (calls fail at once with CIRCUIT_OPEN), then one trial call is let through; its success
 * closes the breaker, its failure opens it again for twice as long (up to `maxOpenMs`). Only failures that say
 * the backend is unwell count (the caller's `isOutage`): a missing key or a rejected query does not. The owning
 * resource reports the breaker's state in its metrics and is unhealthy while it is open, so `pipeline status`
 * shows DEGRADED; the services above it retry with backoff and, in the end, dead-letter, so nothing is lost.
 */
import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Failures in a row that open the breaker. */
  readonly threshold?: number;
  /** First cool-down; doubled after each failed trial, up to `maxOpenMs`. */
  readonly openMs?: number;
  readonly maxOpenMs?: number;
  readonly now?: () => number;
}

export class CircuitOpenError extends EvochoraError {
  constructor(backend: string, failures: number, retryInMs: number, last: string) {
    super(
      PipelineErrorCode.CIRCUIT_OPEN,
      `${backend} is not being called for ${Math.ceil(retryInMs / 1000)} s after ${failures} failures in a row (last: ${last}).`,
      { actions: [`Check that ${backend} is reachable; calls resume by themselves once it answers again.`] },
    );
  }
}

export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failuresInRow = 0;
  private openedAt = 0;
  private openFor: number;
  private trialInFlight = false;
  private lastFailure = '';
  /** Counters for metrics. */
  failuresTotal = 0;
  opensTotal = 0;
  rejectedTotal = 0;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly maxOpenMs: number;
  private readonly now: () => number;

  constructor(
    /** What the breaker guards, for messages: "S3 storage 'tick-storage'". */
    readonly backend: string,
    private readonly isOutage: (err: unknown) => boolean,
    options: CircuitBreakerOptions = {},
  ) {
    this.threshold = options.threshold ?? 5;
    this.openMs = options.openMs ?? 2000;
    this.maxOpenMs = options.maxOpenMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.openFor = this.openMs;
  }

  get state(): BreakerState {
    if (this.stateNow === 'open' && this.now() - this.openedAt >= this.openFor) return 'half-open';
    return this.stateNow;
  }

  /** 0 closed, 1 open, 2 half-open (for a gauge). */
  get stateCode(): number {
    const s = this.state;
    return s === 'closed' ? 0 : s === 'open' ? 1 : 2;
  }

  async call<T>(f: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialInFlight)) {
      this.rejectedTotal++;
      throw new CircuitOpenError(
        this.backend,
        this.failuresInRow,
        Math.max(0, this.openFor - (this.now() - this.openedAt)),
        this.lastFailure,
      );
    }
    const trial = state === 'half-open';
    if (trial) this.trialInFlight = true;
    try {
      const value = await f();
      this.succeeded();
      return value;
    } catch (err) {
      if (this.isOutage(err)) this.failed(err, trial);
      else this.succeeded(); // the backend answered: it is up
      throw err;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }

  private succeeded(): void {
    this.failuresInRow = 0;
    this.stateNow = 'closed';
    this.openFor = this.openMs;
  }

  private failed(err: unknown, trial: boolean): void {
    this.failuresTotal++;
    this.failuresInRow++;
    this.lastFailure = err instanceof Error ? err.message.slice(0, 200) : String(err);
    if (trial) {
      this.openFor = Math.min(this.openFor * 2, this.maxOpenMs);
      this.open();
    } else if (this.stateNow === 'closed' && this.failuresInRow >= this.threshold) this.open();
  }

  private open(): void {
    this.stateNow = 'open';
    this.openedAt = this.now();
    this.opensTotal++;
  }
}

/** A breaker's state and counters as resource metrics (state: 0 closed, 1 open, 2 half-open). */
export function breakerMetrics(b: CircuitBreaker): Record<string, number> {
  return {
    circuit_state: b.stateCode,
    circuit_failures_total: b.failuresTotal,
    circuit_opens_total: b.opensTotal,
    circuit_rejected_total: b.rejectedTotal,
  };
}
