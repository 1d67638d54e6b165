/**
 * Visualizer API latency and indexer lag on a 2048×1152 run recorded (every tick) and indexed by the real
 * embedded pipeline in this process:
 *   - indexer lag = newest stored tick − newest tick indexed by BOTH batch indexers, sampled every 100 ms
 *     while the run records; bounded means the second half of the run does not lag more than the first;
 *   - p50/p95/max latency over HTTP of a 256×256 environment region at random recorded ticks, of
 *     organisms-at-tick, and of organism details (target p95 ≤ 25 ms).
 *   - indexer throughput: ticks indexed by the slower batch indexer while the engine records, per second, as
 *     a ratio to the engine's recording rate in the same run, and the rate at which they finish the rest after
 *     the engine stopped; and the steady-state ratio: how fast the newest indexed tick advances ÷ how fast the
 *     newest stored one does while the engine records (least-squares slopes; ≥ 1 means the indexers keep up,
 *     which the first ratio understates by the batches still on their way to storage at the stop).
 * Usage: npx tsx bench/api.ts [--json] [--ticks N] [--queries N] [--warmup N] [--density F] [--default-world]
 * --density F seeds a fraction F of all cells with energy at tick 0 (default 0.0025, the runtime default), to
 * measure a world as full as a long-running one.
 * --default-world records the node's default world instead (512×512, one replicator, seed 42, batches of 10
 * chunks as the default persistence service writes them).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { DEFAULT_TRACING, type EvochoraConfig } from '../src/config/config-schema.js';
import { defaultErrorMapper, HttpRouter } from '../src/http/http-router.js';
import type { IndexDatabase } from '../src/pipeline/api/index-database.js';
import { defaultRegistry } from '../src/pipeline/registry.js';
import { SqliteIndexDatabase } from '../src/pipeline/resources/index-db/sqlite-index-database.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { chunkSourceOf } from '../src/pipeline/api/chunk-refs.js';
import { ServiceManager } from '../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../src/pipeline/services/simulation-engine.js';
import { VISUALIZER_ERROR_STATUS, VISUALIZER_PREFIX, visualizerRoutes } from '../src/visualizer/routes.js';
import { VisualizerService } from '../src/visualizer/visualizer-service.js';
import { defaultPlugins } from '../src/runtime/config.js';

interface QueryClientResult {
  readonly warm: { env: number; orgs: number };
  readonly env: number[];
  readonly orgs: number[];
  readonly details: number[];
  /** Organisms at a tick: until the answer's headers arrived. */
  readonly orgsHeaders: number[];
  readonly cells: number;
  readonly organismsSeen: number;
  readonly envBytes: number;
  readonly orgsBytes: number;
}

/** Runs bench/api-query-client.mjs in a child process and returns what it measured. */
function queryClient(input: Record<string, unknown>): Promise<QueryClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./api-query-client.mjs', import.meta.url)), JSON.stringify(input)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`query client exited with ${code}`));
      else resolve(JSON.parse(out) as QueryClientResult);
    });
  });
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const TICKS = arg('--ticks', 20000);
const QUERIES = arg('--queries', 200);
/** Queries before the measured ones, so the percentiles show a warm server (the first ones compile the read path). */
const WARMUP_QUERIES = arg('--warmup', 20);
const DENSITY = arg('--density', 0.0025);
const DEFAULT_WORLD = argv.includes('--default-world');
const W = DEFAULT_WORLD ? 512 : 2048;
const H = DEFAULT_WORLD ? 512 : 1152;

function log(msg: string): void {
  if (!json) console.log(msg);
}

function config(dataDir: string): EvochoraConfig {
  const positions: number[][] = [];
  for (let i = 0; i < 24; i++) positions.push([64 + (i % 6) * 320, 96 + Math.floor(i / 6) * 260]);
  const read = (group: string, topic = 'batch-topic'): string => `topic-read:${topic}?consumerGroup=${group}`;
  return {
    node: { host: '127.0.0.1', port: 0, dataDir, stopTimeoutMs: 30_000, readyTimeoutMs: 30_000, readAccess: 'open' },
    logging: { level: 'warn', format: 'json', levels: {} },
    tracing: { ...DEFAULT_TRACING },
    pipeline: {
      autoStart: false,
      serviceStopTimeoutMs: 60_000,
      startupSequence: [
        'metadata-indexer',
        'environment-indexer-1',
        'organism-indexer-1',
        'metadata-persistence-service',
        'persistence-service-1',
        'simulation-engine',
      ],
      resources: {
        'tick-queue': { className: 'InMemoryQueue', options: { capacity: 64, maxBytes: 256 * 1024 * 1024 } },
        'metadata-queue': { className: 'InMemoryQueue', options: { capacity: 4 } },
        'tick-storage': { className: 'FileSystemStorage', options: { rootDirectory: 'storage' } },
        'batch-topic': { className: 'InMemoryTopic', options: {} },
        'metadata-topic': { className: 'InMemoryTopic', options: {} },
        'index-database': { className: 'SqliteIndexDatabase', options: { directory: 'index' } },
      },
      services: {
        'simulation-engine': {
          className: 'SimulationEngine',
          resources: { tickData: 'queue-out:tick-queue', metadataOutput: 'queue-out:metadata-queue' },
          options: DEFAULT_WORLD
            ? {
                environment: { shape: [W, H], topology: 'TORUS' },
                seed: 42,
                organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[100, 100]] }],
                maxTicks: TICKS,
                samplingInterval: 1,
                accumulatedDeltaInterval: 5,
                snapshotInterval: 10,
              }
            : {
                environment: { shape: [W, H], topology: 'TORUS' },
                seed: 42,
                organisms: [{ program: 'assembly/replicator.evo', energy: 30_000, positions }],
                maxTicks: TICKS,
                samplingInterval: 1,
                runtime: {
                  plugins: defaultPlugins().map((p) =>
                    p.kind === 'seedEnergy' ? { ...p, options: { ...p.options, percentage: DENSITY } } : p,
                  ),
                },
              },
        },
        'metadata-persistence-service': {
          className: 'MetadataPersistenceService',
          resources: {
            input: 'queue-in:metadata-queue',
            storage: 'storage-write:tick-storage',
            topic: 'topic-write:metadata-topic',
          },
          options: {},
        },
        'persistence-service-1': {
          className: 'PersistenceService',
          resources: {
            input: 'queue-in:tick-queue',
            storage: 'storage-write:tick-storage',
            topic: 'topic-write:batch-topic',
          },
          options: DEFAULT_WORLD
            ? { maxBatchSize: 10, batchTimeoutSeconds: 5 }
            : { maxBatchSize: 4, batchTimeoutSeconds: 0.2 },
        },
        'metadata-indexer': {
          className: 'MetadataIndexer',
          resources: {
            topic: read('metadata', 'metadata-topic'),
            storage: 'storage-read:tick-storage',
            database: 'db-meta-write:index-database',
          },
          options: {},
        },
        'environment-indexer-1': {
          className: 'EnvironmentIndexer',
          resources: {
            topic: read('environment'),
            storage: 'storage-read:tick-storage',
            database: 'db-env-write:index-database',
          },
          options: {},
        },
        'organism-indexer-1': {
          className: 'OrganismIndexer',
          resources: {
            topic: read('organism'),
            storage: 'storage-read:tick-storage',
            database: 'db-organism-write:index-database',
          },
          options: {},
        },
      },
    },
  };
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const r2 = (v: number): number => Math.round(v * 100) / 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'evo-bench-api-'));
  let shutDown = false;
  const sm = await ServiceManager.create({
    config: config(dir),
    registry: defaultRegistry(),
    logger: pino({ level: 'silent' }),
  });
  try {
    log(
      `recording ${TICKS} ticks of a ${W}×${H} world (every tick sampled, energy density ${DENSITY}) with indexers running…`,
    );
    const started = Date.now();
    await sm.startAll();
    const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
    const topic = sm.resource('batch-topic') as unknown as { take?: unknown };
    void topic;
    // Newest stored tick: from the persistence metrics is a count; read the newest announced batch instead.
    let newestStored = -1;
    const lags: Array<{ t: number; lag: number; stored: number; indexed: number }> = [];
    const newestIndexed = (): number =>
      Math.min(
        Number(sm.serviceStatus('environment-indexer-1').metrics.newest_indexed_tick),
        Number(sm.serviceStatus('organism-indexer-1').metrics.newest_indexed_tick),
      );
    const storage = sm.resource('tick-storage') as unknown as {
      listBatches(run: string): Promise<Array<{ lastTick: number }>>;
    };
    const sampler = setInterval(() => {
      const runId = engine.simulationRunId;
      if (!runId) return;
      void storage.listBatches(runId).then(
        (b) => {
          if (b.length) newestStored = Math.max(newestStored, b[b.length - 1]!.lastTick);
          if (newestStored >= 0) {
            const indexed = Math.max(-1, newestIndexed());
            lags.push({
              t: Date.now() - started,
              lag: Math.max(0, newestStored - indexed),
              stored: newestStored,
              indexed,
            });
          }
          if (process.env.BENCH_DEBUG)
            console.error(
              Date.now() - started,
              'stored',
              newestStored,
              'env',
              sm.serviceStatus('environment-indexer-1').metrics.newest_indexed_tick,
              'org',
              sm.serviceStatus('organism-indexer-1').metrics.newest_indexed_tick,
              'engine',
              sm.serviceStatus('simulation-engine').metrics.current_tick,
            );
        },
        () => undefined,
      );
    }, 100);
    while (sm.stateOf('simulation-engine') !== 'STOPPED') await new Promise((r) => setTimeout(r, 50));
    const recordMs = Date.now() - started;
    const indexedAtStop = Math.max(-1, newestIndexed());
    await sm.stop('persistence-service-1');
    await sm.stop('metadata-persistence-service');
    const runId = engine.simulationRunId;
    const storedLast = (await storage.listBatches(runId)).at(-1)?.lastTick ?? -1;
    while (newestIndexed() < storedLast) await new Promise((r) => setTimeout(r, 20));
    clearInterval(sampler);
    const catchUpMs = Date.now() - started - recordMs;
    // Ticks are sampled every tick, so tick numbers count ticks.
    const recordTicksPerSec = ((storedLast + 1) * 1000) / recordMs;
    const indexerTicksPerSec = ((indexedAtStop + 1) * 1000) / recordMs;
    // Steady state: the rates at which the newest stored and the newest indexed tick advance while the engine
    // records (least-squares slopes over the samples taken then). The figure above divides by the whole
    // recording time, so it also counts the batches still on their way to storage when the engine stops.
    const during = lags.filter((l) => l.t <= recordMs);
    const slope = (y: (l: (typeof lags)[number]) => number): number => {
      const n = during.length;
      if (n < 3) return Number.NaN;
      const mt = during.reduce((a, l) => a + l.t, 0) / n;
      const my = during.reduce((a, l) => a + y(l), 0) / n;
      const vt = during.reduce((a, l) => a + (l.t - mt) ** 2, 0);
      return vt === 0 ? Number.NaN : (during.reduce((a, l) => a + (l.t - mt) * (y(l) - my), 0) / vt) * 1000;
    };
    // Fewer samples than this, or a stored tick that did not move between them, give no rate worth a ratio.
    const MIN_STEADY_SAMPLES = 8;
    const storedRate = during.length >= MIN_STEADY_SAMPLES ? slope((l) => l.stored) : Number.NaN;
    const indexedRate = during.length >= MIN_STEADY_SAMPLES ? slope((l) => l.indexed) : Number.NaN;
    const throughput = {
      recordTicksPerSec: Math.round(recordTicksPerSec),
      indexerTicksPerSecWhileRecording: Math.round(indexerTicksPerSec),
      ratioToRecording: r2(indexerTicksPerSec / recordTicksPerSec),
      storedTicksPerSecSteady: Math.round(storedRate),
      indexedTicksPerSecSteady: Math.round(indexedRate),
      steadyRatio: storedRate > 0 ? r2(indexedRate / storedRate) : null,
      indexerTicksPerSecAfterStop: catchUpMs > 0 ? Math.round(((storedLast - indexedAtStop) * 1000) / catchUpMs) : null,
    };
    if (process.env.BENCH_DEBUG)
      console.error(
        lags
          .filter((_, i) => i % 5 === 0)
          .map((l) => `${l.t}:${l.lag}`)
          .join(' '),
      );
    // Bounded: the lag stays small (p95 within 4 batches or 10 % of the run), is not larger at the end of the
    // run than at its start, give or take one batch (4 chunks × 50 samples = 200 ticks), and does not grow
    // (slope).
    const lagValues = lags.map((l) => l.lag);
    const third = Math.max(1, Math.floor(lags.length / 3));
    const firstThird = lagValues.slice(0, third);
    const lastThird = lagValues.slice(-third);
    const n = lags.length;
    const mt = lags.reduce((a, l) => a + l.t, 0) / Math.max(1, n);
    const ml = lagValues.reduce((a, v) => a + v, 0) / Math.max(1, n);
    const cov = lags.reduce((a, l) => a + (l.t - mt) * (l.lag - ml), 0);
    const vt = lags.reduce((a, l) => a + (l.t - mt) ** 2, 0);
    const BATCH_TICKS = 200;
    const lag = {
      samples: n,
      p50: pct(lagValues, 50),
      p95: pct(lagValues, 95),
      max: Math.max(0, ...lagValues),
      firstThirdP95: pct(firstThird, 95),
      lastThirdP95: pct(lastThird, 95),
      slopeTicksPerSec: vt === 0 ? 0 : r2((cov / vt) * 1000),
      // …and it does not grow at a sizeable fraction of the recording rate.
      bounded:
        pct(lagValues, 95) <= Math.max(4 * BATCH_TICKS, 0.1 * (storedLast + 1)) &&
        pct(lastThird, 95) <= pct(firstThird, 95) + BATCH_TICKS &&
        (vt === 0 ? 0 : (cov / vt) * 1000) < 0.1 * (((storedLast + 1) * 1000) / recordMs),
      catchUpAfterStopMs: catchUpMs,
    };
    log(
      `indexer throughput while recording: ${throughput.indexerTicksPerSecWhileRecording} ticks/s = ${throughput.ratioToRecording} × the recording rate (${throughput.recordTicksPerSec} ticks/s); after the engine stopped ${throughput.indexerTicksPerSecAfterStop ?? '-'} ticks/s`,
    );
    log(
      throughput.steadyRatio === null
        ? `steady state while recording: not measured (${during.length} samples while the engine recorded; record longer with --ticks)`
        : `steady state while recording (slopes over ${during.length} samples): indexed ${throughput.indexedTicksPerSecSteady} ticks/s ÷ stored ${throughput.storedTicksPerSecSteady} ticks/s = ${throughput.steadyRatio}`,
    );
    log(
      `recorded ${storedLast + 1} ticks in ${(recordMs / 1000).toFixed(1)} s (${Math.round(((storedLast + 1) * 1000) / recordMs)} ticks/s); indexer lag p50 ${lag.p50} p95 ${lag.p95} max ${lag.max} ticks (p95 first third ${lag.firstThirdP95}, last third ${lag.lastThirdP95}; slope ${lag.slopeTicksPerSec} ticks/s); caught up ${catchUpMs} ms after the engine stopped`,
    );

    // ---- API latency over HTTP, on the finished run (the pipeline is shut down first so its memory and
    // threads do not disturb the measurement; a fresh index handle reads the same files).
    await sm.shutdown();
    shutDown = true;
    const db: IndexDatabase = new SqliteIndexDatabase('bench-read', { directory: join(dir, 'index') });
    // The index points into storage (chunk references): it reads chunks through the run's storage, as a node does.
    db.attachChunkSource?.(
      chunkSourceOf(
        new FileSystemStorage('bench-read', { rootDirectory: join(dir, 'storage'), compressInWorker: false }),
      ),
    );
    if (global.gc) global.gc();
    const router = new HttpRouter(() => undefined);
    router.mount(
      VISUALIZER_PREFIX,
      visualizerRoutes(new VisualizerService(db)),
      defaultErrorMapper(VISUALIZER_ERROR_STATUS, (e) => console.error(e)),
    );
    // The server's own time per answer (request in to answer written), beside what the client sees.
    const envServer: number[] = [];
    const orgsServer: number[] = [];
    const server = createServer((req, res) => {
      const t0 = performance.now();
      const path = (req.url ?? '').split('?')[0]!;
      const into = req.headers['x-bench-warmup']
        ? undefined
        : path.includes('/environment/')
          ? envServer
          : /\/organisms\/\d+$/.test(path)
            ? orgsServer
            : undefined;
      if (into) res.on('finish', () => into.push(performance.now() - t0));
      void router.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${VISUALIZER_PREFIX}`;
    // The client runs in its own process, as a browser would (bench/api-query-client.mjs).
    // The server's collections while the client queries: a pause delays whichever request is waiting.
    const gcPauses: PerformanceEntry[] = [];
    const gcObserver = new PerformanceObserver((list) => void gcPauses.push(...list.getEntries()));
    gcObserver.observe({ entryTypes: ['gc'] });
    const client = await queryClient({
      base,
      runId,
      storedLast,
      width: W,
      height: H,
      queries: QUERIES,
      warmup: WARMUP_QUERIES,
    });
    const { env, orgs, orgsHeaders, details, cells, organismsSeen, warm, envBytes, orgsBytes } = client;
    server.close();
    gcObserver.disconnect();
    const gcOf = (kind: number): { n: number; totalMs: number; maxMs: number } => {
      const d = gcPauses
        .filter((e) => ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1) === kind)
        .map((e) => e.duration);
      return { n: d.length, totalMs: r2(d.reduce((a, b) => a + b, 0)), maxMs: r2(Math.max(0, ...d)) };
    };
    // perf_hooks' kinds (constants.NODE_PERFORMANCE_GC_*): 1 minor (scavenge), 4 major (mark-compact), 8 incremental marking.
    const serverGc = { scavenge: gcOf(1), markCompact: gcOf(4), incremental: gcOf(8) };
    const stats = (v: number[]): { p50: number; p95: number; max: number; n: number } => ({
      p50: r2(pct(v, 50)),
      p95: r2(pct(v, 95)),
      max: r2(Math.max(0, ...v)),
      n: v.length,
    });
    const latency = {
      environmentRegion256: stats(env),
      organismsAtTick: stats(orgs),
      organismDetails: stats(details),
      serverSide: { environmentRegion256: stats(envServer), organismsAtTick: stats(orgsServer) },
      organismsAtTickHeaders: stats(orgsHeaders),
    };
    const answerBytes = {
      environmentRegion256: Math.round(envBytes / QUERIES),
      organismsAtTick: Math.round(orgsBytes / QUERIES),
    };
    log(
      `environment 256×256 at random ticks: p50 ${latency.environmentRegion256.p50} ms, p95 ${latency.environmentRegion256.p95} ms, max ${latency.environmentRegion256.max} ms (avg ${Math.round(cells / QUERIES)} cells)`,
    );
    log(
      `organisms at tick:                   p50 ${latency.organismsAtTick.p50} ms, p95 ${latency.organismsAtTick.p95} ms, max ${latency.organismsAtTick.max} ms (avg ${Math.round(organismsSeen / QUERIES)} organisms)`,
    );
    log(
      `server side (request in to answer written): region p50 ${latency.serverSide.environmentRegion256.p50} ms, p95 ${latency.serverSide.environmentRegion256.p95} ms; organisms at tick p50 ${latency.serverSide.organismsAtTick.p50} ms, p95 ${latency.serverSide.organismsAtTick.p95} ms`,
    );
    log(
      `at the client: organisms at tick until headers p50 ${latency.organismsAtTickHeaders.p50} ms, p95 ${latency.organismsAtTickHeaders.p95} ms; answers avg ${answerBytes.environmentRegion256} B (region), ${answerBytes.organismsAtTick} B (organisms)`,
    );
    log(
      `server collections while queried: ${serverGc.scavenge.n} scavenges (${serverGc.scavenge.totalMs} ms, max ${serverGc.scavenge.maxMs}), ${serverGc.markCompact.n} mark-compacts (${serverGc.markCompact.totalMs} ms, max ${serverGc.markCompact.maxMs}), ${serverGc.incremental.n} incremental marking steps (${serverGc.incremental.totalMs} ms); heap used ${Math.round(getHeapStatistics().used_heap_size / 1048576)} MB`,
    );
    log(
      `warm-up (${WARMUP_QUERIES} queries, not in the percentiles): slowest region ${r2(warm.env)} ms, slowest organisms at tick ${r2(warm.orgs)} ms`,
    );
    log(
      `organism details:                    p50 ${latency.organismDetails.p50} ms, p95 ${latency.organismDetails.p95} ms, max ${latency.organismDetails.max} ms`,
    );
    // Issue 11's targets: a 256² region p95 ≤ 25 ms, the organisms at a tick p95 ≤ 10 ms (details: ≤ 25 ms).
    const targetMet =
      latency.environmentRegion256.p95 <= 25 && latency.organismsAtTick.p95 <= 10 && latency.organismDetails.p95 <= 25;
    log(
      `targets p95 (region ≤ 25 ms, organisms at tick ≤ 10 ms, details ≤ 25 ms): ${targetMet ? 'met' : 'NOT met'}; lag bounded: ${lag.bounded ? 'yes' : 'NO'}`,
    );
    if (json) {
      console.log(
        JSON.stringify({
          bench: 'api',
          world: [W, H],
          defaultWorld: DEFAULT_WORLD,
          seedEnergyDensity: DENSITY,
          ticksRecorded: storedLast + 1,
          recordTicksPerSec: Math.round(((storedLast + 1) * 1000) / recordMs),
          queries: QUERIES,
          warmupQueries: WARMUP_QUERIES,
          avgCellsPerRegion: Math.round(cells / QUERIES),
          avgOrganismsPerTick: Math.round(organismsSeen / QUERIES),
          avgAnswerBytes: answerBytes,
          serverGc,
          latencyMs: latency,
          targetP95Ms: 25,
          targetMet,
          indexerLagTicks: lag,
          indexerThroughput: throughput,
        }),
      );
    }
  } finally {
    if (!shutDown) await sm.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
