/**
 * The daemon's lifecycle under races, as scripts and impatient users cause them: `node stop` while the node records
 * (under load), `node stop` while `node run --detached` is still starting, and `node run --detached` while a stop is
 * under way, each at random moments. After every round the processes serving the data dir are at most the one its
 * state file names, `node status` agrees with them, and a `node stop` that said it stopped a node left no process of
 * it behind (a report: a stop returned 0 while a daemon for the data dir went on writing batch files).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, evochora, isAlive, SMALL_WORLD, tempDataDir, until } from '../helpers/cli.js';
import { chaosRandom, recordFigures, sized } from './figures.js';
import { execa } from 'execa';

/** Pids of the daemon processes (`--detached-child`) serving `dataDir`, from /proc. */
function daemonsOf(dataDir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const args = cmd.split('\0');
    if (args.includes('--detached-child') && args.includes(`node.dataDir=${dataDir}`)) out.push(Number(e));
  }
  return out;
}

/** The pid the data dir's state file names, if any. */
function statePid(dataDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'node', 'node.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

const run = (dataDir: string, extra: string[] = []) =>
  execa(
    process.execPath,
    [CLI, 'node', 'run', '--detached', '--port', '0', '--data-dir', dataDir, ...extra, '--json'],
    {
      reject: false,
      timeout: 90_000,
      env: { EVOCHORA_CONTENT_TYPE: '' },
    },
  );
const stop = (dataDir: string) =>
  execa(process.execPath, [CLI, 'node', 'stop', '--data-dir', dataDir, '--json'], {
    reject: false,
    timeout: 90_000,
    env: { EVOCHORA_CONTENT_TYPE: '' },
  });

/** What a stop said: whether it stopped a running node (exit 0) or found none (exit 3). */
function stopped(res: { exitCode?: number }): boolean {
  return res.exitCode === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('daemon lifecycle races', () => {
  it('stop under load, stop during start, start during stop: never a daemon the state file does not name', async () => {
    const r = chaosRandom(17);
    const rounds = sized(3, 20);
    const t0 = performance.now();
    const dataDir = tempDataDir('evo-chaos-lifecycle-');
    const problems: string[] = [];
    let orphansSeen = 0;
    const check = async (what: string): Promise<void> => {
      // A starting node may still be coming up: give the processes a moment to settle, then compare.
      await sleep(300);
      const alive = daemonsOf(dataDir).filter(isAlive);
      const named = statePid(dataDir);
      const status = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
      const extra = alive.filter((p) => p !== named);
      if (extra.length > 0) {
        orphansSeen += extra.length;
        problems.push(`${what}: daemon(s) ${extra.join(', ')} running, the state file names ${named ?? 'none'}`);
      }
      if (alive.length === 1 && status.exitCode !== 0)
        problems.push(`${what}: daemon ${alive[0]} runs but node status exits ${status.exitCode}`);
      if (alive.length === 0 && status.exitCode === 0)
        problems.push(`${what}: no daemon runs but node status says one does`);
    };
    const stopAll = async (what: string): Promise<void> => {
      const s = await stop(dataDir);
      if (stopped(s) && daemonsOf(dataDir).some(isAlive))
        problems.push(`${what}: node stop exited 0 but ${daemonsOf(dataDir).filter(isAlive).join(', ')} still run`);
      if (!stopped(s) && s.exitCode !== 3)
        problems.push(`${what}: node stop exited ${s.exitCode}: ${String(s.stderr)}`);
      for (const p of daemonsOf(dataDir)) if (isAlive(p)) process.kill(p, 'SIGKILL'); // leave a clean data dir
      await until(() => daemonsOf(dataDir).every((p) => !isAlive(p)) || undefined, 'leftover daemons to die');
    };
    let starts = 0;
    let stops = 0;
    /** How the races came out: which side found the other in progress. */
    const outcomes = new Map<string, number>();
    const saw = (o: string): void => void outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    try {
      for (let k = 0; k < rounds; k++) {
        // 1. Stop under load: the shipped default world recording for a moment.
        const started = await run(dataDir);
        starts++;
        expect(started.exitCode, String(started.stdout) + String(started.stderr)).toBe(0);
        await sleep(500 + Math.floor(r() * 2500));
        const s1 = await stop(dataDir);
        stops++;
        expect(s1.exitCode, String(s1.stdout) + String(s1.stderr)).toBe(0);
        const left = daemonsOf(dataDir).filter(isAlive);
        if (left.length > 0) problems.push(`round ${k}, stop under load: exited 0 but ${left.join(', ')} still run`);
        await check(`round ${k}, after stop under load`);
        await stopAll(`round ${k}, cleanup 1`);

        // 2. Stop while a start is under way (a small world: the start itself is what races).
        const starting = run(dataDir, SMALL_WORLD);
        await sleep(Math.floor(r() * 1500));
        const s2 = await stop(dataDir);
        const st2 = await starting;
        starts++;
        stops++;
        saw(`stop during start: stop ${s2.exitCode}, start ${st2.exitCode}`);
        if (st2.exitCode !== 0 && st2.exitCode !== 2 && st2.exitCode !== 1)
          problems.push(`round ${k}, stop during start: the start exited ${st2.exitCode}: ${String(st2.stderr)}`);
        if (stopped(s2) && st2.exitCode === 0 && statePid(dataDir) === undefined && daemonsOf(dataDir).some(isAlive))
          problems.push(`round ${k}, stop during start: a daemon runs with no state file`);
        await check(`round ${k}, after stop during start`);
        await stopAll(`round ${k}, cleanup 2`);

        // 3. Start while a stop is under way.
        const again = await run(dataDir, SMALL_WORLD);
        starts++;
        expect(again.exitCode, String(again.stdout) + String(again.stderr)).toBe(0);
        await sleep(300 + Math.floor(r() * 1000));
        const stopping = stop(dataDir);
        await sleep(Math.floor(r() * 800));
        const st3 = await run(dataDir, SMALL_WORLD);
        const s3 = await stopping;
        saw(`start during stop: stop ${s3.exitCode}, start ${st3.exitCode}`);
        starts++;
        stops++;
        if (st3.exitCode === 0) {
          const pid = (JSON.parse(String(st3.stdout)) as { result: { pid: number } }).result.pid;
          if (!isAlive(pid)) problems.push(`round ${k}, start during stop: said it started ${pid}, which is gone`);
        }
        await check(`round ${k}, after start during stop`);
        await stopAll(`round ${k}, cleanup 3`);
      }
    } finally {
      for (const p of daemonsOf(dataDir)) if (isAlive(p)) process.kill(p, 'SIGKILL');
    }
    recordFigures({
      scenario: 'daemon lifecycle races (stop under load, stop during start, start during stop)',
      inputs: rounds * 3,
      inputKind: 'races',
      crashes: 0,
      lost: 0,
      seconds: (performance.now() - t0) / 1000,
      notes:
        `${starts} starts, ${stops} stops (exit codes: ${[...outcomes].map(([o, n]) => `${o} ×${n}`).join('; ')}); ` +
        `daemons the state file does not name: ${orphansSeen}; problems ${problems.length}`,
    });
    expect(problems).toEqual([]);
  });
});
