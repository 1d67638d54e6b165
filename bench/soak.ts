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
 * Usage: npm run bench:soak -- [--minutes 30] [--every 10] [--data-dir DIR] [--keep] [--json]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
  /** Batch files and metadata (the run's analytics are counted apart). */
  storageBytes: number;
  analyticsBytes: number;
  indexBytes: number;
  engineTick: number;
  ticksRecorded: number;
  newestIndexedTick: number;
}

/** Runtime-only ticks/s of the default world's first CALIBRATION_TICKS ticks. */
function probeSpeed(): number {
  return (cli(['simulate', '--ticks', String(CALIBRATION_TICKS), '--quiet'], 300_000) as { ticksPerSecond: number })
    .ticksPerSecond;
}

async function main(): Promise<void> {
  const probes = [probeSpeed()];
  const started = cli(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir]) as { pid: number };
  const pid = started.pid;
  say(`node pid ${pid}, data dir ${dataDir}; ${MINUTES} min, a sample every ${EVERY_S} s`);
  say('   s   RSS MB   fds   storage MB   index MB   engine tick   recorded   indexed   storage B/tick   index B/tick');
  const samples: Sample[] = [];
  const t0 = Date.now();
  try {
    while (Date.now() - t0 < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, EVERY_S * 1000));
      const status = cli(['pipeline', 'status', '--data-dir', dataDir]) as {
        services: Array<{ className: string; metrics: Record<string, number> }>;
      };
      const metric = (
        cls: string,
        key: string,
        pick: (xs: number[]) => number = (xs) => xs.reduce((a, b) => a + b, 0),
      ): number => pick(status.services.filter((s) => s.className === cls).map((s) => s.metrics[key] ?? 0));
      const s: Sample = {
        seconds: (Date.now() - t0) / 1000,
        rssMb: rssMb(pid),
        openFds: openFds(pid),
        storageBytes: bytesUnder(join(dataDir, 'storage'), ['analytics']),
        analyticsBytes: bytesUnder(join(dataDir, 'storage')) - bytesUnder(join(dataDir, 'storage'), ['analytics']),
        indexBytes: bytesUnder(join(dataDir, 'index')),
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
        `${s.seconds.toFixed(0).padStart(4)} ${s.rssMb.toFixed(0).padStart(8)} ${String(s.openFds).padStart(5)} ${(s.storageBytes / 1e6).toFixed(0).padStart(12)} ${(s.indexBytes / 1e6).toFixed(0).padStart(10)} ${String(s.engineTick).padStart(13)} ${String(s.ticksRecorded).padStart(10)} ${String(s.newestIndexedTick).padStart(9)} ${per(s.storageBytes).padStart(16)} ${per(s.indexBytes).padStart(14)}`,
      );
    }
  } finally {
    cli(['node', 'stop', '--data-dir', dataDir]);
  }
  const last = samples[samples.length - 1]!;
  // Slopes after the first two minutes (start-up: JIT, caches and queues filling).
  const steady = samples.filter((s) => s.seconds >= Math.min(120, last.seconds / 2));
  const minutes = steady.map((s) => s.seconds / 60);
  const recordedTicksPerSec = last.ticksRecorded / last.seconds;
  say(`simulate --ticks ${last.engineTick} (runtime only, same world) …`);
  probes.push(probeSpeed());
  const sim = cli(['simulate', '--ticks', String(last.engineTick), '--quiet'], 1_800_000) as { ticksPerSecond: number };
  probes.push(probeSpeed());
  const figures = {
    minutes: Math.round(last.seconds / 6) / 10,
    engine_tick: last.engineTick,
    ticks_recorded: last.ticksRecorded,
    recorded_ticks_per_sec: Math.round(recordedTicksPerSec),
    runtime_only_ticks_per_sec: sim.ticksPerSecond,
    recorded_over_runtime_only: Math.round((recordedTicksPerSec / sim.ticksPerSecond) * 1000) / 1000,
    storage_bytes_per_tick: Math.round(last.storageBytes / last.ticksRecorded),
    index_bytes_per_tick: Math.round(last.indexBytes / last.ticksRecorded),
    analytics_bytes_per_tick: Math.round((last.analyticsBytes / last.ticksRecorded) * 10) / 10,
    index_lag_ticks: last.ticksRecorded - 1 - last.newestIndexedTick,
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
