/**
 * A minimal JSON-over-HTTP call on node:http. The CLI's status path uses it instead of undici, whose import
 * alone costs several times a bare `node -e 0` on our machines (measured by `npm run bench:cli`).
 */
import { request } from 'node:http';

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export class HttpCallError extends Error {
  constructor(
    readonly code: 'ECONNREFUSED' | 'ETIMEDOUT' | 'EPROTO' | string,
    message: string,
  ) {
    super(message);
  }
}

export function httpJson(
  method: 'GET' | 'POST',
  host: string,
  port: number,
  path: string,
  options: { timeoutMs: number; headers?: Record<string, string>; body?: unknown },
): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      {
        host,
        port,
        path,
        method,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(overall);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            reject(new HttpCallError('EPROTO', `non-JSON answer (HTTP ${res.statusCode})`));
            return;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
        res.on('error', (err) => reject(new HttpCallError('EPROTO', err.message)));
      },
    );
    // `timeout` above only covers idle sockets; this bounds the whole exchange.
    const overall = setTimeout(
      () => req.destroy(new HttpCallError('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new HttpCallError('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(overall);
      reject(err instanceof HttpCallError ? err : new HttpCallError(err.code ?? 'EPROTO', err.message));
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
