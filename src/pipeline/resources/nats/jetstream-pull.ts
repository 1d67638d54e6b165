/**
 * Low-level pull requests on a durable JetStream consumer, shared by the queue and the topic. We speak the
 * pull protocol directly (one request = one subscription on a fresh inbox) rather than through the client's
 * fetch helper, to get no-wait requests, sub-second expiries and the server's status codes (404 nothing
 * there, 408 expired, 409 conflict such as max-waiting exceeded or a leader change).
 */
import { createInbox, nanos, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface PullResult {
  readonly msgs: Msg[];
  readonly status?: number;
  readonly description?: string;
}

/**
 * Parses a JetStream ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens),
 * or on newer servers `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`.
 */
export function parseAckSubject(
  subject: string,
): { deliveryCount: number; streamSeq: number; timestampMs: number } | undefined {
  const t = subject.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const base = t.length === 9 ? 2 : t.length >= 11 ? 4 : -1;
  if (base < 0) return undefined;
  const deliveryCount = Number(t[base + 2]);
  const streamSeq = Number(t[base + 3]);
  const timestampMs = Math.floor(Number(t[base + 5]) / 1e6);
  if (!Number.isFinite(deliveryCount) || !Number.isFinite(streamSeq)) return undefined;
  return { deliveryCount, streamSeq, timestampMs };
}

/** Resolves when `max` messages arrived, the server ended the request, or (as a safety net) well after expiry. */
export async function pullOnce(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  max: number,
  expiresMs: number,
  noWait: boolean,
  signal?: AbortSignal,
): Promise<PullResult> {
  const inbox = createInbox();
  const sub: Subscription = nc.subscribe(inbox);
  const msgs: Msg[] = [];
  const request: Record<string, unknown> = { batch: max };
  if (noWait) request.no_wait = true;
  else request.expires = nanos(Math.max(10, expiresMs));
  const localTimeout = setTimeout(() => sub.unsubscribe(), (noWait ? 0 : Math.max(10, expiresMs)) + 3000);
  const onAbort = (): void => sub.unsubscribe();
  signal?.addEventListener('abort', onAbort, { once: true });
  let status: number | undefined;
  let description: string | undefined;
  try {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(request), { reply: inbox });
    for await (const m of sub) {
      const code = m.headers?.code ?? 0;
      if (m.data.length === 0 && code !== 0) {
        if (code === 100) continue; // heartbeat / flow control
        status = code;
        description = m.headers?.description;
        break;
      }
      msgs.push(m);
      if (msgs.length >= max) break;
    }
  } finally {
    clearTimeout(localTimeout);
    signal?.removeEventListener('abort', onAbort);
    sub.unsubscribe();
  }
  return { msgs, status, description };
}

/** Acknowledges and waits for the server's confirmation, retrying (e.g. through a leader election) until the deadline. */
export async function ackConfirmed(nc: NatsConnection, ackSubject: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    try {
      await nc.request(ackSubject, '+ACK', { timeout: 2000 });
      return true;
    } catch {
      if (Date.now() + delay > deadline || nc.isClosed()) return false;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}
