/**
 * Soak of the default node: starts `evochora node run --detached` on the shipped defaults in an empty data
 * directory, samples every `--every` seconds (default 10) the daemon's RSS, storage and index bytes on disk,
 * its open file descriptors, the engine's tick and the ticks recorded, and prints each sample and the slopes (least squares) at the
 * end: RSS per minute (flat memory ≈ 0 after the first minutes), storage and index bytes per recorded tick.
 * Then it runs `evochora simulate` for the tick the node reached and prints recorded ticks/s ÷ runtime-only.
 * The two rates are taken one after the other, so a machine whose speed changes between them (shared hosts: the
 * same node read 870 k and 950 k ticks after 48 s with the same engine CPU time) skews the ratio. A short probe
 * (`simulate` of the first CALIBRATION_TICKS ticks) before the node, between the two and at the end shows how
 * much the machine's speed moved: `machine_speed_spread` above a few percent means the ratio is that uncertain.
 *
 * The sampling must not slow the node it measures (two cores: every CPU-second the bench takes is one the node
 * waits for). So a sample asks the node's HTTP API (no CLI process per sample) and takes the byte counts from the
 * node's own counters (what persistence and the analytics indexer wrote, the index database's size); the files
 * on disk are walked once, after the node stopped, for the final figures. Walking them every sample, as this
 * bench first did, plus a CLI process per sample, cost ~0.3 CPU-seconds per 10-s sample at the end of a 30-minute
 * run (~5,400 batch files walked three times, ~0.2 s to start the CLI): a few percent of a core taken from the node.
 * Each sample also reads every thread's CPU time (/proc/PID/task), so the end shows which thread's cost per
 * recorded tick grew as the world matured.
 *
 * `--mature-tick T` starts the node on a mature world instead of an empty one: a stored run of the default world
 * at tick T (bench/mature-run.ts: the runtime's cached checkpoint, recorded for one chunk) that the node forks from,
 * so the regime a default node reaches after tens of minutes is measured in a few. Its comparison is the runtime
 * alone on the same world from tick T for the same number of ticks (in a process of its own).
 *
 * `--snapshot-interval N` records with chunks of N accumulated intervals (the engine option of that name).
 *
 * `--replicators N` starts the default world with N copies of our replicator (at most 200, on a grid) instead of
 * one: a large population from the first tick (memory and cost per organism), compared with `simulate` placing
 * the same copies.
 *
 * Usage: npm run bench:soak -- [--minutes 30] [--every 10] [--mature-tick T] [--snapshot-interval N]
 *        [--replicators N] [--data-dir DIR] [--keep] [--json]
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { writeMatureRun } from './mature-run.js';
import { bytesUnder, cli } from './node-cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const MINUTES = Number(arg('--minutes', '30'));
const EVERY_S = Number(arg('--every', '10'));
const json = process.argv.includes('--json');
const keep = process.argv.includes('--keep');
const dataDir = arg('--data-dir', mkdtempSync(join(tmpdir(), 'evo-soak-')));
/** Ticks of the machine-speed probe (a few seconds of the young default world). */
const CALIBRATION_TICKS = 300_000;
const MATURE_TICK = Number(arg('--mature-tick', '0'));
/** The engine's `snapshotInterval` (accumulated intervals per chunk) for this run; default: the node's. */
const SNAPSHOT_INTERVAL = process.argv.includes('--snapshot-interval')
  ? Number(arg('--snapshot-interval', ''))
  : undefined;
/** Copies of the replicator to start with (0: the node's own single one). */
const REPLICATORS = Number(arg('--replicators', '0'));
/** Where the copies go: a grid over the 512² world, 48 cells apart along x (a replicator's line) and 25 along y. */
const replicatorPositions: Array<[number, number]> = [];
for (let x = 20; x < 500; x += 48) for (let y = 10; y < 500; y += 25) replicatorPositions.push([x, y]);
if (REPLICATORS > replicatorPositions.length || REPLICATORS < 0 || !Number.isInteger(REPLICATORS))
  throw new RangeError(`--replicators takes 0 to ${replicatorPositions.length}`);
const crowd = replicatorPositions.slice(0, REPLICATORS);
if (crowd.length > 0 && MATURE_TICK > 0)
  throw new RangeError('--replicators starts a young world: not with --mature-tick');
const say = (s: string): void => {
  if (!json) console.log(s);
};

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Open file descriptors of a process (sockets, files, pipes). */
function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

interface Sample {
  seconds: number;
  rssMb: number;
  openFds: number;
  /** What the node's persistence services wrote (batch files; the run's analytics are counted apart). */
  storageBytes: number;
  analyticsBytes: number;
  /** The index databases' size as the node reports it. */
  indexBytes: number;
  /** Organisms alive at the engine's tick. */
  organisms: number;
  /** CPU seconds per thread id since the node started (the main thread's id is the pid). */
  threadCpuS: Record<string, number>;
  engineTick: number;
  ticksRecorded: number;
  newestIndexedTick: number;
}

/** Runtime-only ticks/s of the default world's first CALIBRATION_TICKS ticks. */
function probeSpeed(): number {
  return (cli(['simulate', '--ticks', String(CALIBRATION_TICKS), '--quiet'], 300_000) as { ticksPerSecond: number })
    .ticksPerSecond;
}

/** CPU seconds (user + system) of each of the process's threads. */
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  const tick = 100; // USER_HZ on Linux
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      out[tid] = (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

interface NodeStatus {
  services: Array<{ className: string; metrics: Record<string, number> }>;
  recording?: { storageBytes: number; indexBytes?: number };
}

/** `GET /pipeline/api/status` of the node, with its token when the node wants one for reads. */
async function pipelineStatus(url: string): Promise<NodeStatus> {
  const tokenFile = join(dataDir, 'state', 'token');
  const headers: Record<string, string> = existsSync(tokenFile)
    ? { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` }
    : {};
  const reply = await fetch(`${url}/pipeline/api/status`, { headers });
  if (!reply.ok) throw new Error(`GET ${url}/pipeline/api/status: HTTP ${reply.status}`);
  return (await reply.json()) as NodeStatus;
}

/**
 * CPU µs per recorded tick of the main thread, the two busiest other threads (the simulation's, then the
 * compressor's) and the rest together, over the run's first and last thirds: which work grew as the world aged.
 */
function threadCostFigures(samples: readonly Sample[], pid: number): Record<string, string> {
  if (samples.length < 6) return {};
  const third = Math.floor(samples.length / 3);
  const windows = [
    [samples[0]!, samples[third]!],
    [samples[samples.length - 1 - third]!, samples[samples.length - 1]!],
  ] as const;
  const last = samples[samples.length - 1]!.threadCpuS;
  const others = Object.keys(last)
    .filter((t) => t !== String(pid))
    .sort((a, b) => last[b]! - last[a]!);
  const groups: Array<[string, (tid: string) => boolean]> = [
    ['main', (t) => t === String(pid)],
    ['simulation', (t) => t === others[0]],
    ['compression', (t) => t === others[1]],
    ['other_threads', (t) => t !== String(pid) && t !== others[0] && t !== others[1]],
  ];
  const out: Record<string, string> = {};
  for (const [name, member] of groups) {
    const perTick = windows.map(([a, b]) => {
      let cpu = 0;
      for (const [tid, s] of Object.entries(b.threadCpuS)) if (member(tid)) cpu += s - (a.threadCpuS[tid] ?? 0);
      return (cpu / Math.max(1, b.ticksRecorded - a.ticksRecorded)) * 1e6;
    });
    out[`cpu_us_per_tick_${name}_first_last_third`] = perTick.map((x) => x.toFixed(2)).join(' / ');
  }
  return out;
}

async function main(): Promise<void> {
  const probes = [probeSpeed()];
  const mature = MATURE_TICK > 0 ? await writeMatureRun(dataDir, MATURE_TICK, SNAPSHOT_INTERVAL) : undefined;
  if (mature)
    say(
      `mature world: run ${mature.runId} at tick ${mature.forkTick}, ${mature.organismsAlive} organisms; forking there`,
    );
  const fork = mature ? ['--fork', `${mature.runId}@${mature.forkTick}`] : [];
  if (SNAPSHOT_INTERVAL !== undefined && !mature)
    fork.push('--set', `pipeline.services.simulation-engine.options.snapshotInterval=${SNAPSHOT_INTERVAL}`);
  if (crowd.length > 0 && !mature)
    fork.push(
      '--set',
      `pipeline.services.simulation-engine.options.organisms=[{ program = "builtin:replicator", energy = 100000, positions = [${crowd.map(([x, y]) => `[${x}, ${y}]`).join(', ')}] }]`,
    );
  const started = cli(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir, ...fork]) as {
    pid: number;
    url: string;
  };
  const pid = started.pid;
  say(`node pid ${pid}, data dir ${dataDir}; ${MINUTES} min, a sample every ${EVERY_S} s`);
  say(
    '   s   RSS MB   fds   storage MB   index MB   engine tick   recorded   indexed   storage B/tick   index B/tick   organisms',
  );
  const samples: Sample[] = [];
  const t0 = Date.now();
  try {
    while (Date.now() - t0 < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, EVERY_S * 1000));
      const status = await pipelineStatus(started.url);
      const metric = (
        cls: string,
        key: string,
        pick: (xs: number[]) => number = (xs) => xs.reduce((a, b) => a + b, 0),
      ): number => pick(status.services.filter((s) => s.className === cls).map((s) => s.metrics[key] ?? 0));
      const s: Sample = {
        seconds: (Date.now() - t0) / 1000,
        rssMb: rssMb(pid),
        openFds: openFds(pid),
        storageBytes: status.recording?.storageBytes ?? 0,
        analyticsBytes: metric('AnalyticsIndexer', 'analytics_bytes_written'),
        indexBytes: status.recording?.indexBytes ?? 0,
        organisms: metric('SimulationEngine', 'organisms_alive'),
        threadCpuS: threadCpu(pid),
        engineTick: metric('SimulationEngine', 'current_tick'),
        ticksRecorded: metric('PersistenceService', 'ticks_written'),
        newestIndexedTick: Math.min(
          metric('EnvironmentIndexer', 'newest_indexed_tick', (xs) => Math.max(...xs)),
          metric('OrganismIndexer', 'newest_indexed_tick', (xs) => Math.max(...xs)),
        ),
      };
      samples.push(s);
      const per = (b: number): string => (s.ticksRecorded > 0 ? (b / s.ticksRecorded).toFixed(0) : '-');
      say(
        `${s.seconds.toFixed(0).padStart(4)} ${s.rssMb.toFixed(0).padStart(8)} ${String(s.openFds).padStart(5)} ${(s.storageBytes / 1e6).toFixed(0).padStart(12)} ${(s.indexBytes / 1e6).toFixed(0).padStart(10)} ${String(s.engineTick).padStart(13)} ${String(s.ticksRecorded).padStart(10)} ${String(s.newestIndexedTick).padStart(9)} ${per(s.storageBytes).padStart(16)} ${per(s.indexBytes).padStart(14)} ${String(s.organisms).padStart(11)}`,
      );
    }
  } finally {
    cli(['node', 'stop', '--data-dir', dataDir]);
  }
  const last = samples[samples.length - 1]!;
  // The files on disk, once the node has stopped: the final byte figures are what the run left there.
  const onDisk = {
    storage: bytesUnder(join(dataDir, 'storage'), ['analytics']),
    analytics: bytesUnder(join(dataDir, 'storage')) - bytesUnder(join(dataDir, 'storage'), ['analytics']),
    index: bytesUnder(join(dataDir, 'index')),
  };
  // Slopes after the first two minutes (start-up: JIT, caches and queues filling).
  const steady = samples.filter((s) => s.seconds >= Math.min(120, last.seconds / 2));
  const minutes = steady.map((s) => s.seconds / 60);
  const recordedTicksPerSec = last.ticksRecorded / last.seconds;
  probes.push(probeSpeed());
  let sim: { ticksPerSecond: number };
  if (mature) {
    const ticks = last.engineTick - mature.forkTick;
    say(`runtime only from tick ${MATURE_TICK} for ${ticks} ticks (same world, its own process) …`);
    sim = JSON.parse(
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'mature-run.ts'), 'speed', String(MATURE_TICK), String(ticks)],
        { encoding: 'utf8', timeout: 1_800_000 },
      ),
    ) as { ticksPerSecond: number };
  } else {
    say(`simulate --ticks ${last.engineTick} (runtime only, same world) …`);
    const replicator = join(import.meta.dirname, '..', 'assembly', 'replicator.evo');
    const place = crowd.flatMap(([x, y]) => ['-p', `${replicator}@${x},${y}:100000`]);
    sim = cli(['simulate', '--ticks', String(last.engineTick), '--quiet', ...place], 1_800_000) as {
      ticksPerSecond: number;
    };
  }
  probes.push(probeSpeed());
  const figures = {
    minutes: Math.round(last.seconds / 6) / 10,
    engine_tick: last.engineTick,
    ticks_recorded: last.ticksRecorded,
    recorded_ticks_per_sec: Math.round(recordedTicksPerSec),
    runtime_only_ticks_per_sec: Math.round(sim.ticksPerSecond),
    recorded_over_runtime_only: Math.round((recordedTicksPerSec / sim.ticksPerSecond) * 1000) / 1000,
    storage_bytes_per_tick: Math.round(onDisk.storage / last.ticksRecorded),
    index_bytes_per_tick: Math.round(onDisk.index / last.ticksRecorded),
    analytics_bytes_per_tick: Math.round((onDisk.analytics / last.ticksRecorded) * 10) / 10,
    organisms_first_last: `${samples[0]!.organisms} / ${last.organisms}`,
    ...threadCostFigures(samples, pid),
    // A fork's first recorded tick is the fork tick.
    index_lag_ticks: (mature?.forkTick ?? 0) + last.ticksRecorded - 1 - last.newestIndexedTick,
    machine_speed_probes: probes.map((p) => Math.round(p)).join(' / '),
    machine_speed_spread: Math.round(((Math.max(...probes) - Math.min(...probes)) / Math.min(...probes)) * 1000) / 1000,
    rss_mb_last: Math.round(last.rssMb),
    rss_mb_max: Math.round(Math.max(...samples.map((s) => s.rssMb))),
    rss_slope_mb_per_min:
      Math.round(
        slope(
          minutes,
          steady.map((s) => s.rssMb),
        ) * 100,
      ) / 100,
    open_fds_min: Math.min(...steady.map((s) => s.openFds)),
    open_fds_max: Math.max(...steady.map((s) => s.openFds)),
    open_fds_slope_per_min:
      Math.round(
        slope(
          minutes,
          steady.map((s) => s.openFds),
        ) * 100,
      ) / 100,
    storage_bytes_per_tick_slope: Math.round(
      slope(
        steady.map((s) => s.ticksRecorded),
        steady.map((s) => s.storageBytes),
      ),
    ),
    index_bytes_per_tick_slope: Math.round(
      slope(
        steady.map((s) => s.ticksRecorded),
        steady.map((s) => s.indexBytes),
      ),
    ),
  };
  if (json) console.log(JSON.stringify({ figures, samples }));
  else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(32)} ${v}`);
  if (!keep && !process.argv.includes('--data-dir')) rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
