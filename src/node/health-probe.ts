import { HttpCallError, httpJson } from '../http/http-json.js';

export interface HealthReply {
  readonly pid: number;
  readonly nonce: string;
  readonly version: string;
  readonly port: number;
  readonly startedAt: string;
  readonly dataDir: string;
  readonly logFile: string | null;
  readonly uptimeSeconds: number;
  readonly pipeline: { status: string; healthy: boolean };
}

export type ProbeResult =
  | { kind: 'ok'; health: HealthReply }
  /** Nothing (or something foreign) listens there: whatever holds that pid is not a node of ours. */
  | { kind: 'refused' }
  /** Something listens but did not answer in time, or answered nonsense. */
  | { kind: 'no-answer'; reason: string };

export async function probeHealth(host: string, port: number, timeoutMs = 1500): Promise<ProbeResult> {
  try {
    const reply = await httpJson('GET', connectHost(host), port, '/node/health', { timeoutMs });
    if (reply.status !== 200) return { kind: 'no-answer', reason: `HTTP ${reply.status}` };
    const health = reply.body as HealthReply;
    if (typeof health?.pid !== 'number' || typeof health.nonce !== 'string')
      return { kind: 'no-answer', reason: 'not an evochora node' };
    return { kind: 'ok', health };
  } catch (err) {
    const code = err instanceof HttpCallError ? err.code : (err as NodeJS.ErrnoException).code;
    // Nothing listens, or something that does not speak our API: either way not a node of ours.
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPROTO') return { kind: 'refused' };
    return { kind: 'no-answer', reason: (err as Error).message || String(code) };
  }
}

/** The address to connect to for a bind address (a wildcard bind is reached on loopback). */
export function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
