/**
 * Connecting to a NATS cluster: comma-separated server URLs, endless reconnects (a failed-over cluster
 * comes back), and a first connect that keeps trying until a deadline so processes may start before the
 * servers are up.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EvochoraError } from '../../../errors.js';
import { PipelineErrorCode } from '../../error-codes.js';

export class NatsUnavailableError extends EvochoraError {
  constructor(servers: string, reason: string) {
    super(PipelineErrorCode.NATS_UNAVAILABLE, `Cannot connect to NATS at ${servers}: ${reason}.`, {
      actions: [
        'Start nats-server (with -js) or fix the `servers` option of the NATS resource.',
        'See docs/distributed.md for starting a local cluster.',
      ],
      data: { servers },
    });
  }
}

export function parseServers(servers: string): string[] {
  return servers
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function connectNats(servers: string, name: string, connectTimeoutMs: number): Promise<NatsConnection> {
  const list = parseServers(servers);
  if (list.length === 0) throw new NatsUnavailableError(servers, 'no server URL given');
  const deadline = Date.now() + connectTimeoutMs;
  let lastError = '';
  let delay = 100;
  for (;;) {
    try {
      return await connect({
        servers: list,
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: Math.max(1000, Math.min(5000, deadline - Date.now())),
        pingInterval: 10_000,
        maxPingOut: 3,
      });
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() + delay > deadline) throw new NatsUnavailableError(servers, lastError);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

/** Retries `fn` with backoff until it succeeds, the deadline passes or `signal` aborts. */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  timeoutMs: number,
  signal?: AbortSignal,
  retriable: (err: unknown) => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!retriable(err) || Date.now() + delay > deadline || signal?.aborted) {
        if (err instanceof Error) err.message = `${what}: ${err.message}`;
        throw err;
      }
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}
