/**
 * HTTP fuzzing of a running default node: random methods, paths (every route of its OpenAPI document, with
 * parameters replaced by traversal, absurd numbers, huge and odd values), query strings, headers (a 200 KB header
 * included) and bodies (invalid JSON, 2 MB). No answer may be a 500 or a dropped connection, every error answer is
 * JSON with a stable code, and the node is healthy afterwards with its memory bounded. No valid token is ever
 * sent, so nothing can stop the node on purpose.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { evochora, isAlive, tempDataDir, startDetachedNode, SMALL_WORLD } from '../helpers/cli.js';
import { recordFigures, chaosRandom, sized } from './figures.js';

const dataDir = tempDataDir('evo-chaos-http-');
afterAll(async () => {
  await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '10000']);
});

interface Answer {
  status: number;
  body: string;
  contentType: string;
  error?: string;
}

// A connection per request: a server that closes a connection after an error answer (431, 413) must not make the
// next request on it look like a dropped one.
const agent = new Agent({ keepAlive: false, maxSockets: 16 });

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 5000 }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size < 1 << 20) parts.push(d);
        // A stream (server-sent events) stays open: enough seen.
        if ((res.headers['content-type'] ?? '').includes('text/event-stream')) req.destroy();
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(parts).toString('utf8'),
          contentType: String(res.headers['content-type'] ?? ''),
        }),
      );
      res.on('error', () =>
        resolve({ status: res.statusCode ?? 0, body: '', contentType: String(res.headers['content-type'] ?? '') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: '', contentType: '', error: err.message }));
    if (body) req.write(body);
    req.end();
  });
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

describe('HTTP fuzzing of a running node', () => {
  it('answers every request with a status below 500 and a coded JSON error, and stays healthy', async () => {
    const start = await startDetachedNode(dataDir, SMALL_WORLD);
    expect(start.exitCode, start.stderr).toBe(0);
    const { port, pid } = start.json!.result as { port: number; pid: number };
    const spec = JSON.parse((await send(port, 'GET', '/openapi.json', {})).body) as { paths: Record<string, object> };
    const rss = (): number =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const routes = Object.keys(spec.paths);
    // A real run id and tick, so some requests reach the deep handlers.
    await new Promise((r) => setTimeout(r, 3000));
    const runs = JSON.parse((await send(port, 'GET', '/visualizer/api/runs', {})).body) as {
      runs: Array<{ runId: string }>;
    };
    const runId = runs.runs[0]?.runId ?? 'none';

    const rssBefore = rss();
    const r = chaosRandom(4);
    const values = [
      runId,
      runId,
      '0',
      '1',
      '-1',
      '99999999999999999999',
      '1e308',
      'NaN',
      'abc',
      '',
      '%00',
      '..',
      '../../etc/passwd',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '....//....//',
      'x'.repeat(5000),
      '💥',
      '%ff%fe',
      '"; DROP TABLE x; --',
      '<script>',
      'population',
      'SELECT 1',
      "SELECT * FROM read_csv('/etc/passwd')",
      "COPY x TO '/tmp/y'",
      '[]',
      '{}',
      'true',
      '0x10',
      '1.5',
    ];
    const params = [
      'runId',
      'run',
      'tick',
      'fromTick',
      'toTick',
      'x',
      'y',
      'width',
      'height',
      'w',
      'h',
      'limit',
      'offset',
      'level',
      'sql',
      'q',
      'format',
      'table',
      'every',
    ];
    const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
    const count = sized(6000, 100_000);
    const t0 = performance.now();
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let crashes = 0;
    let inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      let path = pick(r, [
        ...routes,
        ...routes,
        '/',
        '/visualizer',
        '/analyzer',
        '/api',
        '/nope',
        '/visualizer/app.js',
        '/..%2f..%2fetc/passwd',
        '/%00',
      ]);
      path = path.replace(/\{[^}]+\}/g, () =>
        encodeURIComponent(pick(r, values)).replace(/%25/g, r() < 0.3 ? '%' : '%25'),
      );
      if (r() < 0.6) {
        const q = Array.from(
          { length: 1 + Math.floor(r() * 4) },
          () => `${pick(r, params)}=${encodeURIComponent(pick(r, values))}`,
        );
        path += `?${q.join('&')}`;
      }
      const method = pick(r, methods);
      const headers: Record<string, string> = {};
      const roll = r();
      if (roll < 0.02) headers['x-huge'] = 'a'.repeat(200_000);
      else if (roll < 0.1) headers.authorization = `Bearer ${pick(r, ['', 'nope', 'x'.repeat(300)])}`;
      else if (roll < 0.2) headers['accept-encoding'] = pick(r, ['br', 'gzip', 'deflate, *', 'nonsense;q=2', '']);
      let body: Buffer | undefined;
      if (method !== 'GET' && method !== 'HEAD' && r() < 0.7) {
        const b = r();
        body =
          b < 0.05
            ? Buffer.alloc(2 << 20, 120)
            : Buffer.from(
                b < 0.5
                  ? pick(r, ['{', '{"a":', 'null', '[]', '{"ticks": -1}', '\u0000\u0001'])
                  : JSON.stringify({ x: pick(r, values) }),
              );
        headers['content-type'] = pick(r, ['application/json', 'text/plain', 'multipart/form-data; boundary=x', '']);
      }
      inFlight.push(
        send(port, method, path, headers, body).then((a) => {
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          const describe = `${method} ${path.slice(0, 200)}${headers['x-huge'] ? ' (200 KB header)' : ''}${body ? ` (${body.length} B body)` : ''}`;
          // The server may close the connection at once on a request it refuses by its size (431, 413): the client
          // can then see the reset before the answer. Anything else without an answer is a failure.
          const refusedBySize = headers['x-huge'] !== undefined || (body?.length ?? 0) > 1 << 20;
          if (a.status >= 500 || (a.status === 0 && !refusedBySize && !path.startsWith('/visualizer/api/events'))) {
            crashes++;
            if (bad.length < 10) bad.push(`${a.status} ${a.error ?? a.body.slice(0, 200)} ← ${describe}`);
          } else if (a.status >= 400 && method !== 'HEAD' && a.status !== 431 && a.status !== 413) {
            let code: unknown;
            try {
              code = (JSON.parse(a.body) as { code?: unknown }).code;
            } catch {
              code = undefined;
            }
            if (typeof code !== 'string') {
              crashes++;
              if (bad.length < 10)
                bad.push(
                  `${a.status} without a coded JSON body (${a.contentType}): ${a.body.slice(0, 120)} ← ${describe}`,
                );
            }
          }
        }),
      );
      if (inFlight.length >= 16) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    agent.destroy();
    const seconds = (performance.now() - t0) / 1000;
    const health = await send(port, 'GET', '/node/health', {});
    const rssMb = rss();
    recordFigures({
      scenario: 'HTTP fuzz (running node)',
      inputs: count,
      inputKind: 'requests',
      crashes: crashes + (health.status === 200 ? 0 : 1),
      lost: 0,
      seconds,
      notes: `answers ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}; node healthy ${health.status === 200}, RSS ${rssBefore.toFixed(0)} → ${rssMb.toFixed(0)} MB`,
    });
    expect(bad).toEqual([]);
    expect(health.status).toBe(200);
    expect(isAlive(pid)).toBe(true);
    expect(rssMb).toBeLessThan(1024);
  });
});
