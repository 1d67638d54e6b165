/**
 * A full disk is a wait, not a failure. A write that fails because its disk is full (ENOSPC, a quota, SQLite's
 * or PostgreSQL's "disk full") is retried until space returns, without counting against the retry limit that
 * sends a batch to the dead-letter queue: a dead letter on the same full disk would be lost too. While a
 * service waits, its input queue fills and the engine waits behind it (backpressure), so no tick is dropped.
 * An episode is a DISK_FULL error while it lasts (status shows the service unhealthy), logged when it starts and
 * ends; `disk_full_episodes_total` keeps the count.
 */
import type { Logger } from 'pino';
import { PipelineErrorCode } from '../error-codes.js';
import type { Metrics } from './monitorable.js';

/** Whether an error means its disk is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 53100: PostgreSQL's disk_full.
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100';
}

export class DiskFullWait {
  private since = 0;
  private episodes = 0;

  constructor(
    private readonly service: string,
    private readonly logger: Logger,
    private readonly errors: {
      record(code: string, message: string): void;
      resolve(code: string): void;
    },
  ) {}

  /** True when `err` is a full disk: the caller waits and retries without counting an attempt. */
  onError(err: unknown, what: string): boolean {
    if (!isDiskFull(err)) return false;
    if (this.since === 0) {
      this.since = Date.now();
      this.episodes++;
      const message = `${what}: the disk is full (${(err as Error).message}); writing waits for space and the recording waits with it. Free space or move node.dataDir to a larger disk; writing resumes by itself.`;
      this.errors.record(PipelineErrorCode.DISK_FULL, message);
      this.logger.warn({ service: this.service, code: PipelineErrorCode.DISK_FULL }, message);
    }
    return true;
  }

  /** After a successful write: ends a waiting episode. */
  onSuccess(): void {
    if (this.since === 0) return;
    const seconds = Math.round((Date.now() - this.since) / 100) / 10;
    this.since = 0;
    this.errors.resolve(PipelineErrorCode.DISK_FULL);
    this.logger.info(
      { service: this.service, seconds },
      `The disk has space again: writing resumed after ${seconds} s`,
    );
  }

  get waiting(): boolean {
    return this.since !== 0;
  }

  metrics(): Metrics {
    return {
      disk_full: this.since === 0 ? 0 : 1,
      disk_full_seconds: this.since === 0 ? 0 : Math.round((Date.now() - this.since) / 1000),
      disk_full_episodes_total: this.episodes,
    };
  }
}
