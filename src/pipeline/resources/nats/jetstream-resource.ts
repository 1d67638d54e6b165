/**
 * What the JetStream queue and topic share: one connection per resource (client, manager), the stream's info
 * refreshed in the background for metrics, the error log, health, wire counters and an orderly close. Each
 * subclass adds its stream's configuration, its consumers and its own metrics.
 */
import type { Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { Metrics } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import { breakerMetrics, CircuitBreaker } from '../../api/circuit-breaker.js';
import { connectNats } from './nats-connection.js';

/** The options every JetStream resource takes. */
export interface JetStreamConnectOptions {
  readonly servers: string;
  readonly stream: string;
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
}

/** A resource's connection: the NATS client, its JetStream client and manager. */
export interface JetStreamConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * Connects for resource `name`, then builds the resource on the connection (creating its stream and
 * consumers); when building fails, the connection is closed before the error propagates.
 */
export async function openJetStream<R>(
  name: string,
  options: JetStreamConnectOptions,
  build: (connection: JetStreamConnection) => Promise<R>,
): Promise<R> {
  const nc = await connectNats(options.servers, `evochora:${name}:${process.pid}`, options.connectTimeoutMs);
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    return await build({ nc, js: jetstream(nc, { timeout: options.publishTimeoutMs }), jsm });
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

const INFO_REFRESH_MS = 2000;

/**
 * The breaker of a resource's JetStream publishes. Short cool-downs (250 ms, doubling to 4 s): a cluster fails over
 * within seconds, and a publish that waits longer than that only delays the recording.
 */
const NATS_BREAKER = { threshold: 5, openMs: 250, maxOpenMs: 4000 } as const;

/**
 * Whether a publish failure says NATS is unwell (no connection, no JetStream leader answering in time), rather than
 * a refusal the stream gave (full, a duplicate, too large), which proves it is up.
 */
export function isNatsOutage(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  const text = `${String(e?.name ?? '')} ${String(e?.code ?? '')} ${String(e?.message ?? '')}`.toLowerCase();
  return /timeout|timed out|no responders|connection closed|closed connection|disconnect|reconnect/.test(text);
}

export abstract class JetStreamResource {
  protected readonly errorLog = new ErrorLog();
  protected streamInfo: StreamInfo | undefined;
  protected closed = false;
  private infoTimer: NodeJS.Timeout | undefined;
  readonly nc: NatsConnection;
  protected readonly js: JetStreamClient;
  protected readonly jsm: JetStreamManager;
  /**
   * Publishes go through it: after repeated outages NATS is not called for a cool-down (CIRCUIT_OPEN at once), and
   * the resource reports DEGRADED with the breaker's state, as S3 and PostgreSQL do. The nats.js client reconnects
   * by itself; the breaker keeps our retry loops from piling publishes onto a cluster that cannot take them.
   */
  protected readonly breaker: CircuitBreaker;
  private connected = true;
  private reconnects = 0;

  protected constructor(
    readonly name: string,
    private readonly streamName: string,
    connection: JetStreamConnection,
    protected readonly logger: Logger,
  ) {
    this.nc = connection.nc;
    this.js = connection.js;
    this.jsm = connection.jsm;
    this.breaker = new CircuitBreaker(`NATS JetStream '${name}'`, isNatsOutage, NATS_BREAKER);
    void this.watchConnection();
  }

  /** Follows the client's connection: disconnected (reconnecting) until it says it reconnected. */
  private async watchConnection(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') this.connected = false;
        else if (s.type === 'reconnect') {
          this.connected = true;
          this.reconnects++;
        }
      }
    } catch {
      // the connection closed
    }
  }

  /** A publish (or another call) through the breaker. */
  protected guarded<R>(call: () => Promise<R>): Promise<R> {
    return this.breaker.call(call);
  }

  /** Refreshes the stream's info (and whatever `refreshInfo` adds) every 2 s; informative only. */
  protected startInfoRefresh(): void {
    this.infoTimer = setInterval(() => void this.refreshInfo(), INFO_REFRESH_MS);
    this.infoTimer.unref();
  }

  /** The stream's info; subclasses add their consumers'. Fails quietly (e.g. during a leader election). */
  protected async refreshInfo(): Promise<void> {
    if (this.closed) return;
    try {
      this.streamInfo = await this.jsm.streams.info(this.streamName);
    } catch {
      // informative only
    }
  }

  /** Bytes this resource's connection sent and received, its connection state and its breaker's. */
  protected wireMetrics(): Metrics {
    const stats = this.nc.stats();
    return {
      wire_bytes_out: stats.outBytes,
      wire_bytes_in: stats.inBytes,
      nats_connected: this.connected ? 1 : 0,
      nats_reconnects_total: this.reconnects,
      ...breakerMetrics(this.breaker),
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  /** Unhealthy while closed, disconnected or with its breaker not closed: `pipeline status` shows DEGRADED. */
  healthy(): boolean {
    return !this.nc.isClosed() && this.connected && this.breaker.state === 'closed';
  }

  /** Work to finish before the connection closes (pending publishes, consumer bindings). */
  protected abstract beforeClose(): Promise<void>;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.infoTimer);
    await this.beforeClose();
    await this.nc.flush().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
  }
}
