/**
 * Server push of a default node (`GET /visualizer/api/events`): how long after a tick becomes visible in the index
 * does a client get it, with 1 client and with 50 (one more of them stalled: it never reads), and what the clients
 * cost the node (RSS). A poller reads `/visualizer/api/runs` every 20 ms and notes when each newest indexed tick
 * first appears there; a client's lag for an update is the time it received the update minus that moment (the
 * poller's 20 ms granularity is the figure's resolution).
 *
 * Usage: npm run bench:push -- [--seconds 20] [--clients 50] [--warmup 8] [--json]
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './node-cli.js';
import { followEvents, stalledEventsClient } from '../test/helpers/sse-client.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SECONDS = Number(arg('--seconds', '20'));
const CLIENTS = Number(arg('--clients', '50'));
/** Seconds the node records before measuring: 90 and more give a mature world (a default node fills within a minute). */
const WARMUP = Number(arg('--warmup', '8'));
const json = process.argv.includes('--json');

interface RunsAnswer {
  runs: Array<{ runId: string; ticks: { maxTick: number } | null }>;
}

const newestTick = (a: RunsAnswer): number => Math.max(-1, ...a.runs.map((r) => r.ticks?.maxTick ?? -1));

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

function getJson(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function phase(port: number, pid: number, clients: number, withStalled: boolean) {
  const firstSeen = new Map<number, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = newestTick((await getJson(port, '/visualizer/api/runs')) as RunsAnswer);
      if (!firstSeen.has(t)) firstSeen.set(t, performance.now());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const rssBefore = rssMb(pid);
  const perClient: Array<Array<[number, number]>> = Array.from({ length: clients }, () => []);
  const closers = perClient.map((u) => followEvents(port, (at, data) => u.push([at, newestTick(data as RunsAnswer)])));
  if (withStalled) closers.push(stalledEventsClient(port));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rssAfter = rssMb(pid);
  for (const c of closers) c();
  polling = false;
  await poller;
  const lags: number[] = [];
  for (const updates of perClient)
    for (const [at, tick] of updates) {
      const seen = firstSeen.get(tick);
      if (seen !== undefined) lags.push(Math.max(0, at - seen));
    }
  return {
    clients,
    stalledClient: withStalled,
    updatesPerClient: Math.round(perClient.reduce((a, u) => a + u.length, 0) / clients),
    lagMsP50: Math.round(pct(lags, 50)),
    lagMsP95: Math.round(pct(lags, 95)),
    lagMsMax: Math.round(Math.max(...lags)),
    rssMbBefore: Math.round(rssBefore),
    rssMbAfter: Math.round(rssAfter),
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'evo-bench-push-'));
  const started = cli(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir]) as {
    pid: number;
    port: number;
  };
  try {
    // Let the run get going (the first batches indexed, or a mature world with a long warm-up) before measuring.
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    const one = await phase(started.port, started.pid, 1, false);
    const many = await phase(started.port, started.pid, CLIENTS, true);
    const rows = [one, many];
    if (json) console.log(JSON.stringify({ seconds: SECONDS, rows }));
    else {
      console.log(
        `push lag, default node after ${WARMUP} s of recording, ${SECONDS} s per phase (indexed tick visible → client has it)`,
      );
      for (const r of rows)
        console.log(
          `${String(r.clients).padStart(3)} clients${r.stalledClient ? ' + 1 stalled' : '          '}: ` +
            `lag p50 ${r.lagMsP50} ms, p95 ${r.lagMsP95} ms, max ${r.lagMsMax} ms; ${r.updatesPerClient} updates per client; ` +
            `node RSS ${r.rssMbBefore} → ${r.rssMbAfter} MB`,
        );
    }
  } finally {
    cli(['node', 'stop', '--data-dir', dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
