import { request } from 'undici';

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
  /** Nothing listens there: whatever holds that pid is not a node of ours. */
  | { kind: 'refused' }
  /** Something listens but did not answer in time, or answered nonsense. */
  | { kind: 'no-answer'; reason: string };

export async function probeHealth(host: string, port: number, timeoutMs = 1500): Promise<ProbeResult> {
  try {
    const res = await request(`http://${hostForUrl(host)}:${port}/node/health`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { kind: 'no-answer', reason: `HTTP ${res.statusCode}` };
    const health = JSON.parse(text) as HealthReply;
    if (typeof health.pid !== 'number' || typeof health.nonce !== 'string') return { kind: 'no-answer', reason: 'not an evochora node' };
    return { kind: 'ok', health };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { kind: 'refused' };
    return { kind: 'no-answer', reason: (err as Error).message || String(code) };
  }
}

export function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
