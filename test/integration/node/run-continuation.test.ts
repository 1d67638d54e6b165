import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evochora, isAlive, tempDataDir, until, startDetachedNode, SMALL_WORLD } from '../../helpers/cli.js';

// A small world so the test records quickly; everything else is the default node.
const running: string[] = [];

async function start(dataDir: string, extra: string[] = []) {
  const res = await startDetachedNode(dataDir, [...SMALL_WORLD, ...extra]);
  if (res.exitCode === 0) running.push(dataDir);
  return res;
}

async function stop(dataDir: string): Promise<void> {
  await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '20000']);
  running.splice(running.indexOf(dataDir), 1);
}

afterEach(async () => {
  for (const d of running.splice(0)) await evochora(['node', 'stop', '--data-dir', d, '--timeout', '5000']);
});

function journal(dataDir: string): Array<{ runId: string; endedAt: string | null; lastTick: number }> {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'node', 'runs.json'), 'utf8')).runs;
  } catch {
    return [];
  }
}

async function storedTicks(dataDir: string, runId: string): Promise<number> {
  const res = await evochora(['inspect', 'storage', '--run', runId, '--data-dir', dataDir, '--json']);
  return res.json?.result?.lastTick ?? -1;
}

describe('node run --resume after a kill -9', () => {
  it('names the interrupted run at the next start, continues it exactly with --resume, and verify finds it whole', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const run = await until(() => journal(dataDir)[0], 'the run journal to name the run', 20_000);
    await until(async () => (await storedTicks(dataDir, run.runId)) >= 1000 || undefined, 'ticks to be stored', 30_000);
    process.kill(first.json!.result.pid, 'SIGKILL');
    await until(() => !isAlive(first.json!.result.pid), 'the node to die');
    running.splice(running.indexOf(dataDir), 1);
    const killedAt = await storedTicks(dataDir, run.runId);

    // A plain start begins a new run and names the interrupted one.
    const plain = await start(dataDir);
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
    expect(plain.json!.result.interruptedRun.runId).toBe(run.runId);
    await until(() => journal(dataDir).length === 2 || undefined, 'the second run in the journal', 20_000);
    await stop(dataDir);
    expect(journal(dataDir).find((r) => r.runId !== run.runId)?.endedAt).not.toBeNull();

    // --resume without a run picks the interrupted one and continues it.
    const resumed = await start(dataDir, ['--resume']);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.json!.result.resumedRun).toBe(run.runId);
    expect(resumed.json!.result.interruptedRun).toBeUndefined();
    await until(
      async () => (await storedTicks(dataDir, run.runId)) >= killedAt + 1000 || undefined,
      'the resumed run to store more ticks',
      30_000,
    );
    await stop(dataDir);
    expect(journal(dataDir).every((r) => r.endedAt !== null)).toBe(true);

    // A stop does not wait for the indexers to catch up (the next start or `index` does): complete them first.
    const index = await evochora(['index', '--run', run.runId, '--data-dir', dataDir, '--json'], { timeout: 120_000 });
    expect(index.exitCode, index.stdout + index.stderr).toBe(0);
    const verify = await evochora(['verify', '--run', run.runId, '--replay', '--data-dir', dataDir, '--json'], {
      timeout: 120_000,
    });
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    expect(verify.json!.result.ok).toBe(true);

    // Nothing left to resume: a coded usage error that says how to name a run.
    const none = await evochora(['node', 'run', '--resume', '--data-dir', dataDir, '--json', ...SMALL_WORLD]);
    expect(none.exitCode).toBe(2);
    expect(none.json!.code).toBe('NO_INTERRUPTED_RUN');
  }, 180_000);

  it('a fork started from the CLI is listed with the run and tick it was forked from', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const run = await until(() => journal(dataDir)[0], 'the run journal to name the run', 20_000);
    await until(async () => (await storedTicks(dataDir, run.runId)) >= 2000 || undefined, 'ticks to be stored', 30_000);
    await stop(dataDir);
    const fork = await start(dataDir, ['--fork', `${run.runId}@1000`]);
    expect(fork.exitCode, fork.stdout + fork.stderr).toBe(0);
    const port = fork.json!.result.port as number;
    // The front page draws its fork tree from this list (src/web/static/run-tree.js).
    const listed = await until(
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port}/visualizer/api/runs`)).json()) as {
          runs: Array<{ runId: string; forkedFrom: { runId: string; tick: number } | null }>;
        };
        return body.runs.length === 2 ? body.runs : undefined;
      },
      'the fork to be indexed',
      30_000,
    );
    const child = listed.find((r) => r.runId !== run.runId)!;
    expect(child.forkedFrom).toEqual({ runId: run.runId, tick: 1000 });
    expect(listed.find((r) => r.runId === run.runId)!.forkedFrom).toBeNull();
    await stop(dataDir);
  }, 120_000);

  it('--fork wants RUN@TICK', async () => {
    const res = await evochora(['node', 'run', '--fork', 'nonsense', '--data-dir', tempDataDir(), '--json']);
    expect(res.exitCode).toBe(2);
    expect(res.json!.code).toBe('USAGE');
    expect(res.json!.message).toContain('RUN@TICK');
  });
});
