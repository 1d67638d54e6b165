/**
 * Soak: a default node records on the shipped configuration while the suite samples its RSS, open file
 * descriptors and index lag. CI size runs 75 s (enough to see descriptors or lag run away, not a slow leak);
 * CHAOS_SIZE=nightly runs an hour, and `npm run bench:soak` runs any length by hand with the same figures.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evochora, startDetachedNode, tempDataDir } from '../helpers/cli.js';
import { recordFigures, sized } from './figures.js';

interface Sample {
  seconds: number;
  rssMb: number;
  fds: number;
  /** Ticks stored but not yet in the index (the slower of the environment and organism indexers). */
  indexLag: number;
}

const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

function slopePerMinute(samples: readonly Sample[], pick: (s: Sample) => number): number {
  const xs = samples.map((s) => s.seconds / 60);
  const ys = samples.map(pick);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

describe('soak of a default node', () => {
  it('keeps open descriptors, index lag and memory bounded while it records', async () => {
    const seconds = sized(60, 3600);
    const everyMs = sized(5, 30) * 1000;
    const dataDir = tempDataDir('evo-chaos-soak-');
    const started = await startDetachedNode(dataDir);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    const pid = started.json!.result.pid as number;
    const samples: Sample[] = [];
    const t0 = performance.now();
    try {
      while (performance.now() - t0 < seconds * 1000) {
        await new Promise((r) => setTimeout(r, everyMs));
        const status = await evochora(['pipeline', 'status', '--json', '--data-dir', dataDir], { timeout: 15_000 });
        const services = (status.json?.result?.services ?? []) as Array<{
          className: string;
          metrics: Record<string, number>;
        }>;
        const metric = (cls: string, key: string): number =>
          services.find((s) => s.className === cls)?.metrics[key] ?? 0;
        const stored = metric('PersistenceService', 'ticks_written');
        const indexed = Math.min(
          metric('EnvironmentIndexer', 'newest_indexed_tick'),
          metric('OrganismIndexer', 'newest_indexed_tick'),
        );
        samples.push({
          seconds: (performance.now() - t0) / 1000,
          rssMb: rssMb(pid),
          fds: readdirSync(`/proc/${pid}/fd`).length,
          indexLag: Math.max(0, stored - 1 - indexed),
        });
      }
    } finally {
      const stop = await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '30000']);
      expect(stop.exitCode, stop.stdout).toBe(0);
    }
    // Start-up (JIT, queues and caches filling) is the first third, at most two minutes.
    const steady = samples.filter((s) => s.seconds >= Math.min(120, seconds / 3));
    const fds = steady.map((s) => s.fds);
    const lag = steady.map((s) => s.indexLag);
    const rss = steady.map((s) => s.rssMb);
    const fdSlope = slopePerMinute(steady, (s) => s.fds);
    const rssSlope = slopePerMinute(steady, (s) => s.rssMb);
    recordFigures({
      scenario: `soak: a default node recording for ${Math.round(seconds / 60)} min`,
      inputs: samples.length,
      inputKind: 'samples',
      crashes: 0,
      lost: 0,
      seconds: (performance.now() - t0) / 1000,
      notes: `after start-up: open fds ${Math.min(...fds)}–${Math.max(...fds)} (${fdSlope.toFixed(1)}/min); index lag ≤ ${Math.max(...lag)} ticks; RSS ${Math.round(Math.min(...rss))}–${Math.round(Math.max(...rss))} MB (${rssSlope.toFixed(1)} MB/min)`,
    });
    // Descriptors: a handful come and go (batch files being written, HTTP connections of the status calls).
    expect(Math.max(...fds) - Math.min(...fds)).toBeLessThanOrEqual(12);
    // The index stays within its backpressure window (two batches behind, a batch being written, the queue).
    expect(Math.max(...lag)).toBeLessThanOrEqual(60_000);
    expect(Math.max(...rss)).toBeLessThan(800);
  });
});
