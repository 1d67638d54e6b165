/**
 * Recording-pipeline benchmark. Prints every figure and ratio; `--json` prints them as one JSON object.
 *   1. ticks/s of the SimulationEngine with recording on (engine → queue → 2 PersistenceServices → disk)
 *      ÷ recording off (engine output to a discarding queue), same world and tick budget; plus the bare
 *      runtime (no sampling at all) for reference.                                     target ≥ 0.85
 *   2. snapshot encode ns per occupied cell (world arrays → columns, and → protobuf bytes).  target ≤ 20 ns
 *   3. persistence throughput of one instance (compress + atomic durable write) in ticks/s and MB/s, and the
 *      ratio to the Debian `zstd -3` CLI on the same bytes.                    targets ≥ 10,000 ticks/s, ≥ 0.8
 *   4. bytes on disk per recorded tick vs the raw full-snapshot protobuf size.           target ≥ 145×
 *   5. bytes and CPU per tick at 4096×4096 vs 512×512 with the same population.           target ≤ 1.5×
 * Usage: npx tsx bench/pipeline.ts [--json] [--ticks N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { compileFileOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../src/runtime/index.js';
import type { QueueProducer } from '../src/pipeline/api/queue.js';
import { TickData, TickDataChunk, type ChunkMessage } from '../src/pipeline/contracts/index.js';
import { ChunkEncoder } from '../src/pipeline/engine/chunk-encoder.js';
import { organismState } from '../src/pipeline/engine/organism-encoder.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { encodeStorageFile } from '../src/pipeline/resources/storage-file.js';
import { InMemoryQueue } from '../src/pipeline/resources/in-memory-queue.js';
import { PersistenceService } from '../src/pipeline/services/persistence-service.js';
import { SimulationEngine } from '../src/pipeline/services/simulation-engine.js';
import { defaultsOf } from '../src/config/validate.js';
import { simulationEngineType } from '../src/pipeline/services/simulation-engine.js';

const json = process.argv.includes('--json');
const tIdx = process.argv.indexOf('--ticks');
const TICKS = tIdx > 0 ? Number(process.argv[tIdx + 1]) : 20_000;
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

function engineOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(defaultsOf(simulationEngineType.options) as Record<string, unknown>),
    environment: { shape: SHAPE, topology: 'TORUS' },
    seed: 42,
    organisms: ORGANISMS,
    maxTicks: TICKS,
    ...extra,
  };
}

async function waitStopped(s: { state: string }): Promise<void> {
  while (s.state !== 'STOPPED' && s.state !== 'ERROR') await new Promise((r) => setTimeout(r, 5));
}

/** Engine whose chunks go to a port that discards them (recording off). Keeps the chunks when asked. */
async function engineDiscarding(keep: ChunkMessage[] | undefined, extra: Record<string, unknown> = {}): Promise<{ seconds: number; wallSeconds: number; ticks: number; bytes: number; cpuMs: number }> {
  let bytes = 0;
  const sink: QueueProducer<ChunkMessage> = {
    put: async (m) => {
      bytes += m.data.byteLength;
      keep?.push(m);
    },
    offer: () => true,
  };
  const engine = new SimulationEngine({ name: 'engine', logger, dataDir: '.', options: engineOptions(extra), ports: { tickData: sink } });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  engine.start();
  await waitStopped(engine);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (engine.state === 'ERROR') throw new Error(engine.errors().map((e) => e.message).join('; '));
  const span = engine.simulatedSpan!;
  return { seconds: span.ms / 1000, wallSeconds: seconds, ticks: span.ticks, bytes, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Engine → in-memory queue → 2 PersistenceServices → FileSystemStorage (recording on). */
async function engineRecording(dir: string): Promise<{ seconds: number; ticks: number; diskBytes: number; ticksStored: number }> {
  const queue = new InMemoryQueue<ChunkMessage>('tick-queue', { capacity: 256, maxBytes: 256 * 1024 * 1024 });
  const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dir, 'storage') });
  const ctx = (service: string, usage: string, port: string) => ({ serviceName: service, portName: port, usageType: usage, resourceName: 'r', parameters: {} });
  const consumers = [1, 2].map(
    (i) =>
      new PersistenceService({
        name: `persistence-${i}`,
        logger,
        dataDir: dir,
        options: { maxBatchSize: 10, batchTimeoutSeconds: 0.1, maxRetries: 3, retryBackoffMs: 100, maxRetryBackoffMs: 1000, drainOnStopMs: 60_000 },
        ports: { input: queue.bind(ctx(`p${i}`, 'queue-in', 'input')).port, storage: storage.bind(ctx(`p${i}`, 'storage-write', 'storage')).port },
      }),
  );
  for (const c of consumers) c.start();
  const engine = new SimulationEngine({ name: 'engine', logger, dataDir: dir, options: engineOptions(), ports: { tickData: queue.bind(ctx('engine', 'queue-out', 'tickData')).port } });
  const t0 = performance.now();
  engine.start();
  await waitStopped(engine);
  void t0;
  for (const c of consumers) await c.stop(120_000);
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
  const enc = new ChunkEncoder(sim.world, { simulationRunId: 'bench', samplesPerChunk: 1, accumulatedDeltaInterval: 5 });
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
  return { nsPerCellColumns: enc.cellEncodeNs / enc.cellsEncoded, nsPerCellBytes: bytesNs / (occupied * reps), occupied };
}

async function persistenceBench(chunks: ChunkMessage[], dir: string, maxBatchSize = 10): Promise<Record<string, number>> {
  const storage = new FileSystemStorage('s', { rootDirectory: join(dir, `persist-${maxBatchSize}`) });
  const queue = new InMemoryQueue<ChunkMessage>('q', { capacity: chunks.length + 1, maxBytes: 2 ** 31 });
  for (const c of chunks) queue.offer(c, c.data.byteLength);
  const ctx = (usage: string, port: string) => ({ serviceName: 'p', portName: port, usageType: usage, resourceName: 'r', parameters: {} });
  const service = new PersistenceService({
    name: 'persistence-1',
    logger,
    dataDir: dir,
    options: { maxBatchSize, batchTimeoutSeconds: 0.01, maxRetries: 0, retryBackoffMs: 0, maxRetryBackoffMs: 0, drainOnStopMs: 600_000 },
    ports: { input: queue.bind(ctx('queue-in', 'input')).port, storage: storage.bind(ctx('storage-write', 'storage')).port },
  });
  const rawBytes = chunks.reduce((s, c) => s + c.data.byteLength, 0);
  const ticks = chunks.reduce((s, c) => s + c.tickCount, 0);
  const t0 = performance.now();
  service.start();
  while ((service.metrics().chunks_written as number) < chunks.length) await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t0) / 1000;
  await service.stop();
  const m = service.metrics();
  // The same bytes through the zstd CLI, level 3, one process (no fsync).
  const rawFile = join(dir, 'raw.bin');
  writeFileSync(rawFile, Buffer.concat(chunks.map((c) => Buffer.from(c.data))));
  let zstdMBs = NaN;
  if (existsSync('/usr/bin/zstd')) {
    const z0 = performance.now();
    execFileSync('/usr/bin/zstd', ['-3', '-q', '-f', '-o', join(dir, 'raw.zst'), rawFile]);
    const zs = (performance.now() - z0) / 1000;
    zstdMBs = rawBytes / 1e6 / zs;
  }
  const ourMBs = rawBytes / 1e6 / seconds;
  // The codec alone (framing + zstd -3 of the same batches, no filesystem), for comparison with the CLI.
  const c0 = performance.now();
  for (let i = 0; i < chunks.length; i += maxBatchSize) {
    const batch = chunks.slice(i, i + maxBatchSize);
    encodeStorageFile({ contentType: 'TickDataChunk', simulationRunId: batch[0]!.simulationRunId }, batch.map((c) => c.data), 3);
  }
  const codecMBs = rawBytes / 1e6 / ((performance.now() - c0) / 1000);
  return {
    ticks,
    chunks: chunks.length,
    raw_mb: r2(rawBytes / 1e6),
    disk_mb: r2((m.bytes_written as number) / 1e6),
    seconds: r2(seconds),
    ticks_per_sec: Math.round(ticks / seconds),
    mb_per_sec: r2(ourMBs),
    zstd_cli_mb_per_sec: r2(zstdMBs),
    ratio_vs_zstd_cli: r2(ourMBs / zstdMBs),
    codec_only_mb_per_sec: r2(codecMBs),
    codec_only_ratio_vs_zstd_cli: r2(codecMBs / zstdMBs),
    max_batch_size: maxBatchSize,
    zstd_cli_bytes: existsSync(join(dir, 'raw.zst')) ? statSync(join(dir, 'raw.zst')).size : 0,
    batches: m.batches_written as number,
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
      organisms: [{ program: REPLICATOR, energy: 100_000, positions: [[100, 100], [200, 200], [300, 300]] }],
      maxTicks: Math.min(TICKS, 5000),
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

const dir = mkdtempSync(join(tmpdir(), 'evo-bench-pipeline-'));
try {
  say(`Recording pipeline benchmark: replicator in ${SHAPE.join('x')}, seed 42, ${TICKS} ticks, sampling every tick, 50 samples per chunk`);
  const bare = bareRuntime();
  const chunks: ChunkMessage[] = [];
  const off = await engineDiscarding(chunks);
  const on = await engineRecording(dir);
  figures.recording = {
    runtime_only_ticks_per_sec: Math.round(bare.ticks / bare.seconds),
    recording_off_ticks_per_sec: Math.round(off.ticks / off.seconds),
    recording_on_ticks_per_sec: Math.round(on.ticks / on.seconds),
    on_over_off: r2(on.ticks / on.seconds / (off.ticks / off.seconds)),
    on_over_runtime_only: r2(on.ticks / on.seconds / (bare.ticks / bare.seconds)),
    ticks_stored: on.ticksStored,
  };
  say(`1. ticks/s: runtime only ${Math.round(bare.ticks / bare.seconds)}, recording off ${Math.round(off.ticks / off.seconds)}, recording on ${Math.round(on.ticks / on.seconds)} → on/off ${(figures.recording as { on_over_off: number }).on_over_off} (target ≥ 0.85), on/runtime-only ${(figures.recording as { on_over_runtime_only: number }).on_over_runtime_only}`);

  const e = encodeBench();
  figures.snapshot_encode = { occupied_cells: e.occupied, ns_per_cell_columns: r2(e.nsPerCellColumns), ns_per_cell_to_bytes: r2(e.nsPerCellBytes) };
  say(`2. snapshot encode (1024x1024, ${e.occupied} occupied): ${r2(e.nsPerCellColumns)} ns/cell to columns, ${r2(e.nsPerCellBytes)} ns/cell to protobuf bytes (target ≤ 20)`);

  const p = await persistenceBench(chunks, dir, 10);
  const p100 = await persistenceBench(chunks, dir, 100);
  figures.persistence = p;
  figures.persistence_batch_100 = p100;
  for (const x of [p, p100])
    say(`3. persistence (1 instance, batches of ${x.max_batch_size} chunks, zstd -3 + write + fsync + rename + dir fsync): ${x.ticks_per_sec} ticks/s, ${x.mb_per_sec} MB/s raw; zstd -3 CLI on the same ${x.raw_mb} MB: ${x.zstd_cli_mb_per_sec} MB/s → ratio ${x.ratio_vs_zstd_cli} (targets ≥ 10000 ticks/s, ≥ 0.8); codec alone ${x.codec_only_mb_per_sec} MB/s → ${x.codec_only_ratio_vs_zstd_cli}`);

  const snap = rawSnapshotBytes(chunks);
  const perTick = on.diskBytes / on.ticksStored;
  figures.storage = { raw_full_snapshot_bytes: snap, disk_bytes_per_tick: r2(perTick), ratio: r2(snap / perTick) };
  say(`4. bytes on disk per recorded tick ${r2(perTick)} vs raw full snapshot ${snap} bytes → ${r2(snap / perTick)}× (target ≥ 145×)`);

  const sc = await sizeScaling();
  figures.size_scaling = sc;
  say(`5. same population (3 replicators, no plugins): bytes/tick ${sc.bytes_per_tick_512} at 512² vs ${sc.bytes_per_tick_4096} at 4096² → ${sc.bytes_ratio}×; CPU ${sc.cpu_us_per_tick_512} vs ${sc.cpu_us_per_tick_4096} µs/tick → ${sc.cpu_ratio}× (target ≤ 1.5×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) console.log(JSON.stringify(figures));
