/**
 * Recording-pipeline benchmark. Prints every figure and ratio; `--json` prints them as one JSON object.
 *   1. ticks/s of the SimulationEngine with recording on (engine → queue → 2 PersistenceServices → disk)
 *      ÷ recording off (engine output to a discarding queue), same world and tick budget; plus the bare
 *      runtime (no sampling at all) for reference. Off and on run as `--reps` adjacent pairs (default 5);
 *      the figure is the median of the pairs' ratios (range printed), since a shared machine's load drifts.
 *                                                                                       target ≥ 0.85
 *   2. snapshot encode ns per occupied cell (world arrays → columns, and → protobuf bytes).  target ≤ 20 ns
 *   3. persistence throughput of one instance (queue → frame → zstd at the storage's default level → atomic
 *      durable write) in ticks/s and MB/s of framed bytes, and the ratio to the Debian `zstd` CLI at the same level
 *      on the very same bytes: the framed batch streams written as one file per batch, compressed by one `zstd -q`
 *      process into one .zst
 *      per batch (default checksum, no fsync). Ours is reported three ways: durable (write + fsync + rename
 *      + directory fsync per file, the product), without fsyncs (the CLI's work: compress + write files),
 *      and the codec alone (framing + compression in memory).      targets ≥ 10,000 ticks/s, ≥ 0.8
 *   4. bytes on disk per recorded tick vs the raw full-snapshot protobuf size.           target ≥ 145×
 *   5. bytes and CPU per tick at 4096×4096 vs 512×512 with the same population.           target ≤ 1.5×
 *   6. young world (tick 0) and mature world (the default world at --mature-tick, 500,000) side by side, stage
 *      by stage in this process (bench/world-recording.ts): runtime only, engine with output discarded (target
 *      ≥ 0.7 of runtime only), sampling ns per organism-sample, storage and index bytes per tick (targets ≤ 500,
 *      index ≤ storage) and CPU per tick, region 256² and organisms-at-tick p95 (targets ≤ 25 / ≤ 10 ms).
 *      The end-to-end figure of a default node left running (recorded ÷ runtime only, RSS, disk) is
 *      `npm run bench:soak`.
 * Usage: npx tsx bench/pipeline.ts [--json] [--ticks N] [--reps N] [--writes N (PersistenceService maxWritesInFlight)]
 *        [--world-ticks N (section 6, 30000)] [--mature-tick N (500000)] [--worlds-only] [--snapshot-interval N (section 6: accumulated intervals per chunk)]
 *        [--organism-copies (section 6: the organism index keeps copies of every chunk's organisms)]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { compileFileOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../src/runtime/index.js';
import type { QueueProducer } from '../src/pipeline/api/queue.js';
import { TickData, TickDataChunk, type ChunkMessage } from '../src/pipeline/contracts/index.js';
import { ChunkEncoder } from '../src/pipeline/engine/chunk-encoder.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { encodeStorageFile, frameStorageFile } from '../src/pipeline/resources/storage-file.js';
import { DEFAULT_BATCH_COMPRESSION_LEVEL } from '../src/pipeline/resources/batch-compression-level.js';
import { realFsOps, type FsOps } from '../src/pipeline/resources/atomic-file.js';
import { InMemoryQueue } from '../src/pipeline/resources/in-memory-queue.js';
import { PersistenceService } from '../src/pipeline/services/persistence-service.js';
import { persistenceServiceType } from '../src/pipeline/services/persistence-service-type.js';
import { resolveOptions } from '../src/config/resolve-options.js';
import { SimulationEngine, type SimulationEngineOptions } from '../src/pipeline/services/simulation-engine.js';
import { defaultsOf } from '../src/config/validate.js';
import { simulationEngineType } from '../src/pipeline/services/simulation-engine-type.js';
import { matureWorld, measureWorld, youngWorld } from './world-recording.js';

const json = process.argv.includes('--json');
const tIdx = process.argv.indexOf('--ticks');
// Long enough that each engine's start (a fresh worker isolate compiling the runtime) is a small part of the run.
const TICKS = tIdx > 0 ? Number(process.argv[tIdx + 1]) : 60_000;
/** The persistence figures (3) use the first chunks of the recording-off run, up to this many ticks. */
const PERSISTENCE_TICKS = 20_000;
const rIdx = process.argv.indexOf('--reps');
const REPS = rIdx > 0 ? Number(process.argv[rIdx + 1]) : 5;
const wIdx = process.argv.indexOf('--writes');
/** PersistenceService maxWritesInFlight (default: the service's own default). */
const WRITES: Record<string, number> = wIdx > 0 ? { maxWritesInFlight: Number(process.argv[wIdx + 1]) } : {};
const WORLD_TICKS = (() => {
  const i = process.argv.indexOf('--world-ticks');
  return i > 0 ? Number(process.argv[i + 1]) : 30_000;
})();
const MATURE_TICK = (() => {
  const i = process.argv.indexOf('--mature-tick');
  return i > 0 ? Number(process.argv[i + 1]) : 500_000;
})();
const WORLDS_ONLY = process.argv.includes('--worlds-only');
/** Section 6's chunk length in accumulated intervals (the engine's `snapshotInterval`; default: its default). */
const SNAPSHOT_INTERVAL = ((): number | undefined => {
  const i = process.argv.indexOf('--snapshot-interval');
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
})();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const here = dirname(fileURLToPath(import.meta.url));
const REPLICATOR = join(here, '..', 'assembly', 'replicator.evo');
const logger = pino({ level: 'silent' });
const figures: Record<string, unknown> = {};
const say = (line: string): void => {
  if (!json) console.log(line);
};
const r2 = (n: number): number => Math.round(n * 100) / 100;

const SHAPE = [512, 512];
const ORGANISMS = [{ program: REPLICATOR, energy: 100_000, positions: [[100, 100]] }];

function engineOptions(extra: Record<string, unknown> = {}): SimulationEngineOptions {
  return resolveOptions(simulationEngineType.options, {
    environment: { shape: SHAPE, topology: 'TORUS' },
    seed: 42,
    organisms: ORGANISMS,
    maxTicks: TICKS,
    ...extra,
  });
}

async function waitStopped(s: { state: string }): Promise<void> {
  while (s.state !== 'STOPPED' && s.state !== 'ERROR') await new Promise((r) => setTimeout(r, 5));
}

/** Engine whose chunks go to a port that discards them (recording off). Keeps the chunks when asked. */
async function engineDiscarding(
  keep: ChunkMessage[] | undefined,
  extra: Record<string, unknown> = {},
): Promise<{ seconds: number; wallSeconds: number; ticks: number; bytes: number; cpuMs: number }> {
  let bytes = 0;
  const sink: QueueProducer<ChunkMessage> = {
    put: async (m) => {
      bytes += m.data.byteLength;
      keep?.push(m);
    },
    offer: () => true,
  };
  const engine = new SimulationEngine({
    name: 'engine',
    logger,
    dataDir: '.',
    options: engineOptions(extra),
    ports: { tickData: sink },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  engine.start();
  await waitStopped(engine);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (engine.state === 'ERROR')
    throw new Error(
      engine
        .errors()
        .map((e) => e.message)
        .join('; '),
    );
  const span = engine.simulatedSpan!;
  return {
    seconds: span.ms / 1000,
    wallSeconds: seconds,
    ticks: span.ticks,
    bytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Engine → in-memory queue → 2 PersistenceServices → FileSystemStorage (recording on). */
async function engineRecording(
  dir: string,
): Promise<{ seconds: number; ticks: number; diskBytes: number; ticksStored: number }> {
  const queue = new InMemoryQueue<ChunkMessage>('tick-queue', { capacity: 256, maxBytes: 256 * 1024 * 1024 });
  const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dir, 'storage') });
  const ctx = (service: string, usage: string, port: string) => ({
    serviceName: service,
    portName: port,
    usageType: usage,
    resourceName: 'r',
    parameters: {},
  });
  const consumers = [1, 2].map(
    (i) =>
      new PersistenceService({
        name: `persistence-${i}`,
        logger,
        dataDir: dir,
        options: resolveOptions(persistenceServiceType.options, {
          maxBatchSize: 10,
          batchTimeoutSeconds: 0.1,
          maxRetries: 3,
          retryBackoffMs: 100,
          maxRetryBackoffMs: 1000,
          drainOnStopMs: 60_000,
          ...WRITES,
        }),
        ports: {
          input: queue.bind(ctx(`p${i}`, 'queue-in', 'input')).port,
          storage: storage.bind(ctx(`p${i}`, 'storage-write', 'storage')).port,
        },
      }),
  );
  for (const c of consumers) c.start();
  await storage.compressor?.ready(); // the compression worker is up before the clock starts
  const engine = new SimulationEngine({
    name: 'engine',
    logger,
    dataDir: dir,
    options: engineOptions(),
    ports: { tickData: queue.bind(ctx('engine', 'queue-out', 'tickData')).port },
  });
  const t0 = performance.now();
  engine.start();
  await waitStopped(engine);
  void t0;
  for (const c of consumers) await c.stop(120_000);
  await storage.close();
  const span = engine.simulatedSpan!;
  const seconds = span.ms / 1000;
  const ticks = span.ticks;
  figures.recording_on_queue_wait_ms = engine.metrics().queue_wait_ms;
  const ticksStored = consumers.reduce((s, c) => s + (c.metrics().ticks_written as number), 0);
  const diskBytes = consumers.reduce((s, c) => s + (c.metrics().bytes_written as number), 0);
  return { seconds, ticks, diskBytes, ticksStored };
}

function bareRuntime(): { seconds: number; ticks: number } {
  const world = { shape: SHAPE, toroidal: true };
  const sim = new Simulation(resolveRuntimeOptions({ shape: SHAPE, seed: 42n }));
  sim.placeProgram(programFromArtifact(compileFileOrThrow(REPLICATOR, { world })), [100, 100], 100_000);
  const t0 = performance.now();
  for (let i = 0; i < TICKS; i++) {
    sim.step();
    sim.pruneDead();
  }
  return { seconds: (performance.now() - t0) / 1000, ticks: TICKS };
}

function encodeBench(): { nsPerCellColumns: number; nsPerCellBytes: number; occupied: number } {
  const shape = [1024, 1024];
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 1n, plugins: [] }));
  // 25 % occupied, deterministic pattern.
  let x = 12345;
  for (let i = 0; i < sim.world.size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    if ((x >>> 16) % 4 === 0) sim.world.setCell(i, (1 << 20) | (x & 0xffff), (x >>> 8) % 3);
  }
  const occupied = sim.world.cells.reduce((n, m, i) => n + ((m | sim.world.owners[i]!) !== 0 ? 1 : 0), 0);
  const enc = new ChunkEncoder(sim.world, {
    simulationRunId: 'bench',
    samplesPerChunk: 1,
    accumulatedDeltaInterval: 5,
  });
  const reps = 20;
  let bytesNs = 0;
  for (let r = 0; r < reps + 2; r++) {
    const t0 = process.hrtime.bigint();
    const c = enc.sample(r, [], 0)!;
    const dt = Number(process.hrtime.bigint() - t0);
    if (r >= 2) bytesNs += dt;
    if (c.bytes.length === 0) throw new Error('empty');
    if (r === 1) {
      enc.cellEncodeNs = 0;
      enc.cellsEncoded = 0;
    }
  }
  return {
    nsPerCellColumns: enc.cellEncodeNs / enc.cellsEncoded,
    nsPerCellBytes: bytesNs / (occupied * reps),
    occupied,
  };
}

/** FsOps without fsyncs (the work the zstd CLI does: write the files, no durability). */
const noSyncOps: FsOps = {
  ...realFsOps,
  async writeAndSync(path, data) {
    await writeFile(path, data, { flag: 'wx' });
  },
  async fsyncDir() {},
};

async function persistenceBench(
  chunks: ChunkMessage[],
  dir: string,
  maxBatchSize = 10,
): Promise<Record<string, number>> {
  const runService = async (
    name: string,
    fsOps: FsOps,
  ): Promise<{ seconds: number; diskBytes: number; framedBytes: number; batches: number }> => {
    const storage = new FileSystemStorage('s', { rootDirectory: join(dir, `${name}-${maxBatchSize}`), fsOps });
    const queue = new InMemoryQueue<ChunkMessage>('q', { capacity: chunks.length + 1, maxBytes: 2 ** 31 });
    for (const c of chunks) queue.offer(c, c.data.byteLength);
    const ctx = (usage: string, port: string) => ({
      serviceName: 'p',
      portName: port,
      usageType: usage,
      resourceName: 'r',
      parameters: {},
    });
    const service = new PersistenceService({
      name: 'persistence-1',
      logger,
      dataDir: dir,
      options: resolveOptions(persistenceServiceType.options, {
        maxBatchSize,
        batchTimeoutSeconds: 0.01,
        maxRetries: 0,
        retryBackoffMs: 0,
        maxRetryBackoffMs: 0,
        drainOnStopMs: 600_000,
        ...WRITES,
      }),
      ports: {
        input: queue.bind(ctx('queue-in', 'input')).port,
        storage: storage.bind(ctx('storage-write', 'storage')).port,
      },
    });
    await storage.compressor?.ready();
    const t0 = performance.now();
    service.start();
    while ((service.metrics().chunks_written as number) < chunks.length) await new Promise((r) => setImmediate(r));
    const seconds = (performance.now() - t0) / 1000;
    await service.stop();
    await storage.close();
    const m = service.metrics();
    return {
      seconds,
      diskBytes: m.bytes_written as number,
      framedBytes: m.raw_bytes_written as number,
      batches: m.batches_written as number,
    };
  };
  const ticks = chunks.reduce((s, c) => s + c.tickCount, 0);
  // The very same framed bytes the service compresses: one file per batch, one zstd process (same level) for all.
  const batches: ChunkMessage[][] = [];
  for (let i = 0; i < chunks.length; i += maxBatchSize) batches.push(chunks.slice(i, i + maxBatchSize));
  const headerOf = (b: ChunkMessage[]) => ({
    contentType: 'TickDataChunk',
    simulationRunId: b[0]!.simulationRunId,
    firstTick: b[0]!.firstTick,
    lastTick: b.at(-1)!.lastTick,
    tickCount: b.reduce((s, c) => s + c.tickCount, 0),
  });
  const framed = batches.map((b) =>
    frameStorageFile(
      headerOf(b),
      b.map((c) => c.data),
    ),
  );
  const framedBytes = framed.reduce((s, f) => s + f.length, 0);
  // Each variant runs REPS times, interleaved, so they see the same machine load; medians are reported.
  const runs = { durable: [] as number[], noSync: [] as number[], cli: [] as number[], codec: [] as number[] };
  let durable = { seconds: 0, diskBytes: 0, framedBytes: 0, batches: 0 };
  let zstdBytes = 0;
  for (let rep = 0; rep < REPS; rep++) {
    durable = await runService(`durable-${rep}`, realFsOps);
    runs.durable.push(durable.seconds);
    runs.noSync.push((await runService(`nosync-${rep}`, noSyncOps)).seconds);
    const cliDir = join(dir, `cli-${maxBatchSize}-${rep}`);
    mkdirSync(cliDir, { recursive: true });
    const files = framed.map((f, i) => {
      const file = join(cliDir, `batch_${i}.pb`);
      writeFileSync(file, f);
      return file;
    });
    if (existsSync('/usr/bin/zstd')) {
      const z0 = performance.now();
      execFileSync('/usr/bin/zstd', [`-${DEFAULT_BATCH_COMPRESSION_LEVEL}`, '-q', '-f', ...files]);
      runs.cli.push((performance.now() - z0) / 1000);
      zstdBytes = files.reduce((s, f) => s + statSync(`${f}.zst`).size, 0);
    } else runs.cli.push(NaN);
    // The codec alone (framing + zstd of the same batches in memory, on this thread).
    const c0 = performance.now();
    for (const b of batches)
      encodeStorageFile(
        headerOf(b),
        b.map((c) => c.data),
        DEFAULT_BATCH_COMPRESSION_LEVEL,
      );
    runs.codec.push((performance.now() - c0) / 1000);
  }
  const ratios = (ours: number[]): number[] => ours.map((sec, i) => runs.cli[i]! / sec);
  if (durable.framedBytes !== framedBytes)
    throw new Error(`framed bytes differ: service ${durable.framedBytes}, bench ${framedBytes}`);
  const mbs = (sec: number): number => framedBytes / 1e6 / sec;
  const durableSec = median(runs.durable);
  return {
    ticks,
    chunks: chunks.length,
    batches: durable.batches,
    max_batch_size: maxBatchSize,
    reps: REPS,
    framed_mb: r2(framedBytes / 1e6),
    disk_mb: r2(durable.diskBytes / 1e6),
    zstd_cli_mb: r2(zstdBytes / 1e6),
    seconds: r2(durableSec),
    ticks_per_sec: Math.round(ticks / durableSec),
    mb_per_sec: r2(mbs(durableSec)),
    no_fsync_mb_per_sec: r2(mbs(median(runs.noSync))),
    codec_only_mb_per_sec: r2(mbs(median(runs.codec))),
    zstd_cli_mb_per_sec: r2(mbs(median(runs.cli))),
    ratio_vs_zstd_cli: r2(median(ratios(runs.durable))),
    ratio_vs_zstd_cli_min: r2(Math.min(...ratios(runs.durable))),
    ratio_vs_zstd_cli_max: r2(Math.max(...ratios(runs.durable))),
    no_fsync_ratio_vs_zstd_cli: r2(median(ratios(runs.noSync))),
    codec_only_ratio_vs_zstd_cli: r2(median(ratios(runs.codec))),
  };
}

function rawSnapshotBytes(chunks: ChunkMessage[]): number {
  // The full-snapshot protobuf size of the last chunk's last tick: its snapshot cells (rebuilt) + organisms.
  const last = TickDataChunk.decode(chunks.at(-1)!.data);
  return TickData.encode(last.snapshot!).finish().length;
}

async function sizeScaling(): Promise<Record<string, number>> {
  const run = async (shape: number[]) => {
    const extra = {
      environment: { shape, topology: 'TORUS' },
      runtime: { plugins: [] },
      organisms: [
        {
          program: REPLICATOR,
          energy: 100_000,
          positions: [
            [100, 100],
            [200, 200],
            [300, 300],
          ],
        },
      ],
      maxTicks: 5000,
    };
    return engineDiscarding(undefined, extra);
  };
  const small = await run([512, 512]);
  const big = await run([4096, 4096]);
  return {
    bytes_per_tick_512: Math.round(small.bytes / small.ticks),
    bytes_per_tick_4096: Math.round(big.bytes / big.ticks),
    bytes_ratio: r2(big.bytes / big.ticks / (small.bytes / small.ticks)),
    // The worker is busy from ready to end, so its wall time per tick is the simulation thread's CPU per tick.
    cpu_us_per_tick_512: r2((small.seconds * 1e6) / small.ticks),
    cpu_us_per_tick_4096: r2((big.seconds * 1e6) / big.ticks),
    cpu_ratio: r2(big.seconds / big.ticks / (small.seconds / small.ticks)),
  };
}

/** Section 6: the young and the mature default world, side by side. */
async function worlds(): Promise<void> {
  const defaults = defaultsOf(simulationEngineType.options) as {
    accumulatedDeltaInterval: number;
    snapshotInterval: number;
  };
  const layout = {
    chunkSamples: defaults.accumulatedDeltaInterval * (SNAPSHOT_INTERVAL ?? defaults.snapshotInterval),
    accumulated: defaults.accumulatedDeltaInterval,
    batchChunks: 10,
    organismCopies: process.argv.includes('--organism-copies'),
    queries: 200,
  };
  const mature = matureWorld(REPLICATOR, MATURE_TICK);
  if (mature.madeInSeconds !== undefined)
    say(
      `6. (mature-world fixture made: ${MATURE_TICK} ticks in ${mature.madeInSeconds.toFixed(1)} s, cached in the temp directory)`,
    );
  const young = await measureWorld(() => youngWorld(REPLICATOR), WORLD_TICKS, layout);
  const old = await measureWorld(() => matureWorld(REPLICATOR, MATURE_TICK).sim, WORLD_TICKS, layout);
  figures.worlds = { young, mature: old };
  say(
    `6. ${WORLD_TICKS} ticks each, chunks of ${layout.chunkSamples} samples, batches of ${layout.batchChunks}:        young (tick 0)   mature (tick ${MATURE_TICK})`,
  );
  for (const k of Object.keys(young) as Array<keyof typeof young>)
    say(`   ${k.padEnd(40)} ${String(young[k]).padStart(14)} ${String(old[k]).padStart(18)}`);
}

class Done extends Error {}

const dir = mkdtempSync(join(tmpdir(), 'evo-bench-pipeline-'));
try {
  if (WORLDS_ONLY) {
    await worlds();
    throw new Done();
  }
  say(
    `Recording pipeline benchmark: replicator in ${SHAPE.join('x')}, seed 42, ${TICKS} ticks, sampling every tick, the engine's default chunks`,
  );
  const bare = bareRuntime();
  const chunks: ChunkMessage[] = [];
  const pairs: { off: number; on: number; ratio: number }[] = [];
  let on = { seconds: 0, ticks: 0, diskBytes: 0, ticksStored: 0 };
  for (let rep = 0; rep < REPS; rep++) {
    const off = await engineDiscarding(rep === 0 ? chunks : undefined);
    on = await engineRecording(join(dir, `rec-${rep}`));
    const offTps = off.ticks / off.seconds;
    const onTps = on.ticks / on.seconds;
    pairs.push({ off: offTps, on: onTps, ratio: onTps / offTps });
  }
  const ratios = pairs.map((p) => p.ratio);
  figures.recording = {
    runtime_only_ticks_per_sec: Math.round(bare.ticks / bare.seconds),
    recording_off_ticks_per_sec: Math.round(median(pairs.map((p) => p.off))),
    recording_on_ticks_per_sec: Math.round(median(pairs.map((p) => p.on))),
    on_over_off: r2(median(ratios)),
    on_over_off_min: r2(Math.min(...ratios)),
    on_over_off_max: r2(Math.max(...ratios)),
    on_over_off_pairs: ratios.map(r2),
    pairs_ticks_per_sec: pairs.map((p) => [Math.round(p.off), Math.round(p.on)]),
    on_over_runtime_only: r2(median(pairs.map((p) => p.on)) / (bare.ticks / bare.seconds)),
    ticks_stored: on.ticksStored,
  };
  const rec = figures.recording as Record<string, number>;
  say(
    `1. ticks/s (median of ${REPS} off/on pairs): runtime only ${rec.runtime_only_ticks_per_sec}, recording off ${rec.recording_off_ticks_per_sec}, recording on ${rec.recording_on_ticks_per_sec} → on/off ${rec.on_over_off} (pairs ${rec.on_over_off_min} – ${rec.on_over_off_max}; target ≥ 0.85), on/runtime-only ${rec.on_over_runtime_only}`,
  );

  const e = encodeBench();
  figures.snapshot_encode = {
    occupied_cells: e.occupied,
    ns_per_cell_columns: r2(e.nsPerCellColumns),
    ns_per_cell_to_bytes: r2(e.nsPerCellBytes),
  };
  say(
    `2. snapshot encode (1024x1024, ${e.occupied} occupied): ${r2(e.nsPerCellColumns)} ns/cell to columns, ${r2(e.nsPerCellBytes)} ns/cell to protobuf bytes (target ≤ 20)`,
  );

  const persisted = chunks.filter((c) => c.lastTick < PERSISTENCE_TICKS);
  const p = await persistenceBench(persisted, dir, 10);
  const p100 = await persistenceBench(persisted, dir, 100);
  figures.persistence = p;
  figures.persistence_batch_100 = p100;
  for (const x of [p, p100])
    say(
      `3. persistence (1 instance, ${x.batches} batches of ${x.max_batch_size} chunks, ${x.framed_mb} MB framed): durable ${x.ticks_per_sec} ticks/s, ${x.mb_per_sec} MB/s; zstd -${DEFAULT_BATCH_COMPRESSION_LEVEL} CLI on the same files ${x.zstd_cli_mb_per_sec} MB/s → ratio ${x.ratio_vs_zstd_cli} (${x.ratio_vs_zstd_cli_min} – ${x.ratio_vs_zstd_cli_max}; targets ≥ 10000 ticks/s, ≥ 0.8); medians of ${x.reps} interleaved runs; without fsyncs ${x.no_fsync_mb_per_sec} MB/s → ${x.no_fsync_ratio_vs_zstd_cli}; codec alone ${x.codec_only_mb_per_sec} MB/s → ${x.codec_only_ratio_vs_zstd_cli}`,
    );

  const snap = rawSnapshotBytes(chunks);
  const perTick = on.diskBytes / on.ticksStored;
  figures.storage = { raw_full_snapshot_bytes: snap, disk_bytes_per_tick: r2(perTick), ratio: r2(snap / perTick) };
  say(
    `4. bytes on disk per recorded tick ${r2(perTick)} vs raw full snapshot ${snap} bytes → ${r2(snap / perTick)}× (target ≥ 145×)`,
  );

  const sc = await sizeScaling();
  figures.size_scaling = sc;
  say(
    `5. same population (3 replicators, no plugins): bytes/tick ${sc.bytes_per_tick_512} at 512² vs ${sc.bytes_per_tick_4096} at 4096² → ${sc.bytes_ratio}×; CPU ${sc.cpu_us_per_tick_512} vs ${sc.cpu_us_per_tick_4096} µs/tick → ${sc.cpu_ratio}× (target ≤ 1.5×)`,
  );
  await worlds();
} catch (err) {
  if (!(err instanceof Done)) throw err;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) console.log(JSON.stringify(figures));
