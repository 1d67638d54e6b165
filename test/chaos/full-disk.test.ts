/**
 * A full disk mid-run: the node's data dir lies on a small tmpfs that the default world fills within seconds.
 * While the disk is full the API must answer and say so, the engine must wait (backpressure, nothing dropped),
 * a stop must work; when space returns, writing must resume by itself, and `--resume` must continue the run,
 * which `verify` then finds whole (no gap, no overlap) and fully indexed. Needs root for `mount -t tmpfs`
 * (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evochora, isAlive, startDetachedNode, until } from '../helpers/cli.js';
import { recordFigures } from './figures.js';

interface Status {
  services: Array<{ name: string; metrics: Record<string, number> }>;
  recording?: { diskFull?: boolean; warning?: string };
}

const mountTmpfs = (dir: string, size: string, remount = false): void => {
  execFileSync(
    'mount',
    remount ? ['-o', `remount,size=${size}`, dir] : ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir],
  );
};

describe('a full disk mid-run', () => {
  it('keeps the API up, holds the recording, stops on demand and resumes whole when space returns', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'evo-chaos-fulldisk-'));
    try {
      mountTmpfs(mountPoint, '5m');
    } catch (err) {
      throw new Error(`this scenario mounts a 5 MB tmpfs and needs root: ${(err as Error).message}`);
    }
    const dataDir = join(mountPoint, 'data');
    const t0 = performance.now();
    try {
      const status = async (): Promise<Status | undefined> => {
        const r = await evochora(['pipeline', 'status', '--json', '--data-dir', dataDir], { timeout: 10_000 });
        // Exit 5: the pipeline is degraded, which a full disk makes it; the answer is still the status.
        return r.json?.result?.services ? (r.json.result as Status) : undefined;
      };
      const metric = (s: Status, service: string, key: string): number =>
        s.services.find((x) => x.name === service)?.metrics[key] ?? 0;
      const waitingServices = (s: Status): string[] =>
        s.services.filter((x) => x.metrics.disk_full === 1).map((x) => x.name);

      const started = await startDetachedNode(dataDir);
      expect(started.exitCode, started.stdout + started.stderr).toBe(0);
      const firstPid = started.json!.result.pid as number;
      const runId = await until(
        async () => {
          const r = await evochora(['inspect', 'storage', '--data-dir', dataDir, '--json']);
          return (r.json?.result?.runs as string[] | undefined)?.[0];
        },
        'the run to be stored',
        30_000,
      );

      // 1. The disk fills: status answers and says so; the persistence waits instead of dead-lettering.
      const full = await until(
        async () => {
          const s = await status();
          return s && s.recording?.diskFull && waitingServices(s).includes('persistence-service-1') ? s : undefined;
        },
        'pipeline status to report the full disk',
        90_000,
      );
      expect(full.recording!.warning).toMatch(/data disk is full/);
      const health = await evochora(['node', 'status', '--json', '--data-dir', dataDir], { timeout: 5_000 });
      expect(health.exitCode, health.stdout).toBe(0);
      // The engine waits: its tick stops moving once the queue in front of the waiting persistence is full.
      const stalledTick = await until(
        async () => {
          const a = await status();
          await new Promise((r) => setTimeout(r, 1500));
          const b = await status();
          const ta = a && metric(a, 'simulation-engine', 'current_tick');
          const tb = b && metric(b, 'simulation-engine', 'current_tick');
          return ta !== undefined && ta === tb ? tb : undefined;
        },
        'the engine to wait for the full disk',
        30_000,
      );
      const writtenWhenFull = metric(full, 'persistence-service-1', 'ticks_written');

      // 2. Space returns: writing resumes by itself, without a restart.
      mountTmpfs(mountPoint, '14m', true);
      const resumed = await until(
        async () => {
          const s = await status();
          return s && metric(s, 'persistence-service-1', 'ticks_written') > writtenWhenFull + 20_000 ? s : undefined;
        },
        'writing to resume after space returned',
        60_000,
      );
      expect(metric(resumed, 'persistence-service-1', 'dlq_messages_sent')).toBe(0);

      // 3. It fills again; a stop while the disk is full works (what waited in memory is not written).
      await until(
        async () => {
          const s = await status();
          return s && waitingServices(s).includes('persistence-service-1') ? s : undefined;
        },
        'the disk to fill again',
        90_000,
      );
      const stopStarted = performance.now();
      const stop = await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '30000']);
      const stopMs = performance.now() - stopStarted;
      expect(stop.exitCode, stop.stdout + stop.stderr).toBe(0);
      expect(isAlive(firstPid)).toBe(false);

      // 4. With space again, --resume continues the run from its last stored tick; it ends whole.
      mountTmpfs(mountPoint, '400m', true);
      const again = await startDetachedNode(dataDir, ['--resume', runId]);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 4000));
      const stop2 = await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '30000']);
      expect(stop2.exitCode, stop2.stdout).toBe(0);
      const index = await evochora(['index', '--run', runId, '--data-dir', dataDir, '--json'], { timeout: 300_000 });
      expect(index.exitCode, index.stdout + index.stderr).toBe(0);
      const verify = await evochora(['verify', '--run', runId, '--data-dir', dataDir, '--json'], { timeout: 300_000 });
      const report = verify.json!.result as {
        ok: boolean;
        ticks: number;
        lastTick: number;
        problems: Array<{ kind: string; message: string }>;
      };
      const count = (kind: string): number => report.problems.filter((p) => p.kind === kind).length;
      recordFigures({
        scenario: 'full disk (5 MB tmpfs) mid-run, space returns; stop while full, then --resume',
        inputs: 2,
        inputKind: 'full-disk episodes',
        faults: 2,
        crashes: count('file') + count('chunk'),
        lost: count('gap'),
        duplicates: count('overlap'),
        seconds: (performance.now() - t0) / 1000,
        notes: `engine held at tick ${stalledTick} while full, API answering; writing resumed by itself at 14 MB; stop while full took ${Math.round(stopMs)} ms; ${report.ticks} ticks stored (0..${report.lastTick}) after --resume, verify ${report.ok ? 'whole' : 'found problems'}, index complete ${count('index') === 0}; 0 dead letters`,
      });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '10000']).catch(() => undefined);
      try {
        execFileSync('umount', ['-l', mountPoint]);
      } catch {
        // not mounted
      }
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
