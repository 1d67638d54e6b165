/**
 * Live push to many browser tabs: 50 clients follow a recording node's event stream and one more opens it and
 * never reads. Every reading client keeps getting updates as the run grows, the stalled one holds nobody up, and
 * the node stays healthy. Memory is not asserted here: a young recording node's RSS swings by ±150 MB within
 * seconds with or without clients (measured), and updates are small, so the stalled socket's buffers do not
 * fill within a test's seconds; the skip-when-full path is unit-tested (test/unit/node/live-feed.test.ts) and
 * `npm run bench:push` reports RSS with 50 clients and a stalled one.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { evochora, startDetachedNode, tempDataDir, SMALL_WORLD } from '../../helpers/cli.js';
import { followEvents, stalledEventsClient } from '../../helpers/sse-client.js';

const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

interface Update {
  runs: Array<{ ticks: { maxTick: number } | null }>;
}
const newest = (u: Update): number => Math.max(-1, ...u.runs.map((r) => r.ticks?.maxTick ?? -1));

let dataDir: string | undefined;
afterEach(async () => {
  if (dataDir) await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '10000']);
  dataDir = undefined;
});

describe('live push to 50 clients and a stalled one', () => {
  it('keeps every reading client current while one client never reads', async () => {
    dataDir = tempDataDir('evo-push-');
    const started = await startDetachedNode(dataDir, SMALL_WORLD);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    const { pid, port } = started.json!.result as { pid: number; port: number };
    await new Promise((r) => setTimeout(r, 5000));
    const seen: number[][] = Array.from({ length: 50 }, () => []);
    const closers = seen.map((ticks) => followEvents(port, (_at, data) => ticks.push(newest(data as Update))));
    closers.push(stalledEventsClient(port));
    await new Promise((r) => setTimeout(r, 12_000));
    expect(Number.isFinite(rssMb(pid))).toBe(true); // still running
    for (const close of closers) close();
    // Every reading client saw the run grow, not just the first update.
    for (const ticks of seen) {
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks[ticks.length - 1]!).toBeGreaterThan(ticks[0]!);
    }
    const health = await evochora(['node', 'status', '--json', '--data-dir', dataDir]);
    expect(health.exitCode, health.stdout).toBe(0);
  }, 60_000);
});
