/**
 * A bounded "seen keys" set shared by competing consumers (bug detection: a correct pipeline never reports
 * a duplicate). The oldest keys are evicted first once `maxKeys` is reached.
 */
import { EvochoraError } from '../../errors.js';
import type { Metrics } from '../api/monitorable.js';
import type { OperationalError } from '../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../api/resource.js';
import type { ResourceType } from '../api/component-type.js';
import { defineOptions } from '../../config/field-spec.js';
import { PipelineErrorCode } from '../error-codes.js';

/** What an `idempotency` port offers. */
export interface IdempotencyTracker {
  /** True when `key` was already marked. */
  contains(key: string): boolean;
  mark(key: string): void;
  /** Marks `key`; returns false when it was already marked (a duplicate). */
  checkAndMark(key: string): boolean;
}

export class InMemoryIdempotencyTracker implements Resource, IdempotencyTracker {
  readonly type = 'InMemoryIdempotencyTracker';
  readonly usageTypes = ['idempotency'] as const;
  private readonly keys = new Set<string>();
  private checks = 0;
  private duplicates = 0;
  private evictions = 0;

  constructor(
    readonly name: string,
    private readonly maxKeys = 1_000_000,
  ) {}

  contains(key: string): boolean {
    return this.keys.has(key);
  }

  mark(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.maxKeys) {
      // Sets iterate in insertion order: the first key is the oldest.
      const oldest = this.keys.values().next().value as string;
      this.keys.delete(oldest);
      this.evictions++;
    }
  }

  checkAndMark(key: string): boolean {
    this.checks++;
    if (this.keys.has(key)) {
      this.duplicates++;
      return false;
    }
    this.mark(key);
    return true;
  }

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType !== null && context.usageType !== 'idempotency')
      throw new EvochoraError(
        PipelineErrorCode.UNSUPPORTED_USAGE,
        `Resource '${this.name}' (InMemoryIdempotencyTracker) cannot be bound as '${context.usageType}'.`,
        {
          actions: ['Bind it as `idempotency:<name>` or by its plain name.'],
        },
      );
    return { context, port: this };
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    return {
      total_checks: this.checks,
      total_duplicates_detected: this.duplicates,
      tracked_keys: this.keys.size,
      max_keys: this.maxKeys,
      total_evictions: this.evictions,
      capacity_utilization_percent: Math.round((this.keys.size / this.maxKeys) * 1000) / 10,
      error_count: 0,
    };
  }

  errors(): readonly OperationalError[] {
    return [];
  }

  healthy(): boolean {
    return true;
  }
}

const inMemoryIdempotencyTrackerOptions = defineOptions({
  kind: 'object',
  doc: 'InMemoryIdempotencyTracker options',
  fields: {
    maxKeys: {
      kind: 'int',
      default: 1_000_000,
      min: 1,
      max: 100_000_000,
      doc: 'Keys kept before the oldest are evicted.',
    },
  },
});

export const inMemoryIdempotencyTrackerType: ResourceType<typeof inMemoryIdempotencyTrackerOptions> = {
  className: 'InMemoryIdempotencyTracker',
  description: 'Bounded set of seen message keys shared by competing consumers; counts duplicates (bug detection).',
  options: inMemoryIdempotencyTrackerOptions,
  create: ({ name, options }) => new InMemoryIdempotencyTracker(name, options.maxKeys),
};
