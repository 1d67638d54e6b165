/**
 * The analytics figures (issue "Research analytics"), each against a baseline measured in the same run:
 *
 * 1. A default node records `--ticks` ticks (default 1,000,000) twice in empty data dirs, with the
 *    AnalyticsIndexer and without it: recorded ticks/s of each (the overhead), and how far the analytics fell
 *    behind the recording while it ran (sampled every second).
 * 2. The indexer's steps alone, single-threaded, over the stored run: analytics ticks/s ÷ the recording rate.
 * 3. Parquet bytes per recorded tick.
 * 4. Chart requests over the whole run (`metric`, random zoom windows, 1,000 points): p50 / p95 ms.
 * 5. A population curve over the whole run: SQL over the analytics vs the same from the SQLite index
 *    (decoding every organism chunk blob, as one would without analytics).
 *
 * Usage: npm run bench:analytics -- [--ticks 1000000] [--requests 200] [--resolution snapshots|every-sample] [--json]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { bytesUnder, cli } from './node-cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decompress } from 'zstd-napi';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { analyzeStoredBatches } from '../src/pipeline/analytics/analytics-operations.js';
import { METRIC_PLUGINS } from '../src/pipeline/analytics/plugin-catalogue.js';
import { DEFAULT_LOD_FACTORS } from '../src/pipeline/analytics/levels.js';
import { AnalyzerService } from '../src/analyzer/analyzer-service.js';
import { OrganismTimeline } from '../src/pipeline/contracts/organism-timeline.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const TICKS = Number(arg('--ticks', '1000000'));
const REQUESTS = Number(arg('--requests', '200'));
const RESOLUTION = arg('--resolution', 'snapshots') as 'snapshots' | 'every-sample';
const json = process.argv.includes('--json');
const say = (s: string): void => {
  if (!json) console.log(s);
};

type Status = { services: Array<{ name: string; state: string; metrics: Record<string, number> }> };

/** Records TICKS ticks on the default config (analytics on or off); returns what the run took. */
async function record(
  analytics: boolean,
): Promise<{ dataDir: string; runId: string; seconds: number; ticksPerSec: number; maxLag: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), `evo-bench-analytics-${analytics ? 'on' : 'off'}-`));
  const sets = ['--set', `pipeline.services.simulation-engine.options.maxTicks=${TICKS}`];
  if (analytics) sets.push('--set', `pipeline.services.analytics-indexer-1.options.resolution=${RESOLUTION}`);
  else
    sets.push(
      '--set',
      'pipeline.startupSequence=[metadata-indexer,environment-indexer-1,organism-indexer-1,metadata-persistence-service,persistence-service-1,simulation-engine]',
    );
  cli(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir, ...sets]);
  const t0 = Date.now();
  let maxLag = 0;
  let seconds = 0;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const st = cli(['pipeline', 'status', '--data-dir', dataDir]) as Status;
      const m = (name: string): Record<string, number> => st.services.find((s) => s.name === name)?.metrics ?? {};
      const engine = st.services.find((s) => s.name === 'simulation-engine')!;
      const written = m('persistence-service-1').ticks_written ?? 0;
      if (analytics) maxLag = Math.max(maxLag, written - 1 - (m('analytics-indexer-1').newest_indexed_tick ?? -1));
      if (seconds === 0 && engine.state !== 'RUNNING' && written >= TICKS) seconds = (Date.now() - t0) / 1000;
      if (seconds > 0) {
        const caughtUp = !analytics || (m('analytics-indexer-1').newest_indexed_tick ?? -1) >= TICKS - 1;
        if (caughtUp || Date.now() - t0 > 600_000) break;
      }
    }
  } finally {
    cli(['node', 'stop', '--data-dir', dataDir]);
  }
  const storage = join(dataDir, 'storage');
  const runId = readdirSync(storage).find((d) => statSync(join(storage, d)).isDirectory())!;
  return { dataDir, runId, seconds, ticksPerSec: TICKS / seconds, maxLag };
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main(): Promise<void> {
  say(
    `recording ${TICKS.toLocaleString()} ticks of the default world with and without analytics (resolution ${RESOLUTION}) …`,
  );
  const off = await record(false);
  const on = await record(true);
  const storageOn = new FileSystemStorage('on', {
    rootDirectory: join(on.dataDir, 'storage'),
    compressInWorker: false,
  });
  const analyticsBytes = bytesUnder(join(on.dataDir, 'storage', on.runId, 'analytics'));

  // 2. The indexer's steps alone over the run recorded without analytics.
  const storageOff = new FileSystemStorage('off', {
    rootDirectory: join(off.dataDir, 'storage'),
    compressInWorker: false,
  });
  const batches = await storageOff.listBatches(off.runId);
  const t = performance.now();
  await analyzeStoredBatches(storageOff, storageOff, off.runId, batches, {
    plugins: METRIC_PLUGINS,
    lodFactors: DEFAULT_LOD_FACTORS,
    maxPartSamples: 100_000,
    resolution: RESOLUTION,
  });
  const standaloneTicksPerSec = TICKS / ((performance.now() - t) / 1000);

  // 4. Chart requests over the whole run.
  const analyzer = new AnalyzerService(storageOn);
  const first = performance.now();
  await analyzer.metric(on.runId, 'population', { points: 1000 });
  const firstMs = performance.now() - first;
  const times: number[] = [];
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const tables = ['population', 'energy', 'genome_diversity', 'instruction_usage', 'age'];
  for (let i = 0; i < REQUESTS; i++) {
    const span = Math.max(1000, Math.floor(TICKS * rnd() ** 2));
    const from = Math.floor(rnd() * (TICKS - span));
    const s = performance.now();
    await analyzer.metric(on.runId, tables[i % tables.length]!, { from, to: from + span, points: 1000 });
    times.push(performance.now() - s);
  }

  // 5. A population curve over the whole run: analytics SQL vs the SQLite index.
  const q0 = performance.now();
  const curve = await analyzer.query(on.runId, 'SELECT tick, alive FROM population ORDER BY tick', 10_000_000);
  const sqlMs = performance.now() - q0;
  analyzer.close();
  const db = new Database(join(on.dataDir, 'index', `${on.runId}.sqlite`), { readonly: true });
  const i0 = performance.now();
  let indexRows = 0;
  for (const row of db.prepare('SELECT data FROM organism_chunks ORDER BY first_tick').iterate() as Iterable<{
    data: Buffer;
  }>) {
    const timeline = OrganismTimeline.ofEncoded(decompress(row.data.subarray(1)));
    timeline.forEachSample((_, __, organisms) => {
      let alive = 0;
      for (const o of organisms) if (!o.isDead) alive++;
      void alive;
      indexRows++;
    });
  }
  const indexMs = performance.now() - i0;
  db.close();

  const figures = {
    ticks: TICKS,
    resolution: RESOLUTION,
    recorded_ticks_per_sec_analytics_off: Math.round(off.ticksPerSec),
    recorded_ticks_per_sec_analytics_on: Math.round(on.ticksPerSec),
    recording_on_over_off: Math.round((on.ticksPerSec / off.ticksPerSec) * 1000) / 1000,
    analytics_max_lag_ticks_while_recording: on.maxLag,
    analytics_standalone_ticks_per_sec: Math.round(standaloneTicksPerSec),
    analytics_standalone_over_recording: Math.round((standaloneTicksPerSec / on.ticksPerSec) * 100) / 100,
    parquet_bytes_per_recorded_tick: Math.round((analyticsBytes / TICKS) * 10) / 10,
    chart_first_request_ms: Math.round(firstMs),
    chart_p50_ms: Math.round(percentile(times, 0.5) * 10) / 10,
    chart_p95_ms: Math.round(percentile(times, 0.95) * 10) / 10,
    population_curve_sql_ms: Math.round(sqlMs),
    population_curve_sql_rows: curve.rows.length,
    population_curve_sqlite_index_ms: Math.round(indexMs),
    population_curve_sqlite_index_rows: indexRows,
  };
  if (json) console.log(JSON.stringify(figures, null, 2));
  else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(44)} ${v}`);
  if (!process.argv.includes('--keep'))
    for (const d of [on.dataDir, off.dataDir]) rmSync(d, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
