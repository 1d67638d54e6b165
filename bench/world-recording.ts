/**
 * Recording figures of one world state, measured in this process stage by stage (used by bench/pipeline.ts
 * for the young world and the mature-world fixture side by side):
 *   - runtime only: ticks/s of the bare runtime over N ticks from the state;
 *   - engine with output discarded: the same N ticks sampled every tick into chunks exactly as the engine
 *     worker does (ChunkEncoder + OrganismDeltaWriter + snapshot checkpoint), ticks/s and the ratio;
 *   - sampling cost per organism-sample (engine − runtime time, over organisms × samples), and the main
 *     thread's share: writing the organism deltas the engine defers into each chunk (assembly);
 *   - storage: the chunks written as batch files by FileSystemStorage (zstd -1, its default), bytes per tick, CPU per tick;
 *   - index: the batches indexed into SQLite by the indexers' code, bytes per tick (database + WAL), CPU per tick;
 *   - random access: a 256×256 region and the organisms at random recorded ticks through the VisualizerService,
 *     p50/p95 (targets p95 ≤ 25 ms and ≤ 10 ms).
 * The mature-world fixture is the default world (our replicator, 512×512, seed 42, the engine's runtime
 * defaults) simulated by the runtime to `--mature-tick` (500,000) and checkpointed; the checkpoint is cached
 * in the OS temp directory, so only the first run pays the few seconds it takes.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFileOrThrow } from '../src/compiler/index.js';
import {
  restoreCheckpoint,
  saveCheckpoint,
  Simulation,
  programFromArtifact,
  resolveRuntimeOptions,
  type Checkpoint,
} from '../src/runtime/index.js';
import { SimulationMetadata, type ChunkMessage } from '../src/pipeline/contracts/index.js';
import { assembleChunk } from '../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder, type EncodedChunk } from '../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../src/pipeline/engine/organism-delta-writer.js';
import { snapshotExtras } from '../src/pipeline/engine/snapshot-extras.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../src/pipeline/resources/index-db/sqlite-index-database.js';
import { batchKey } from '../src/pipeline/resources/storage-keys.js';
import { indexMetadata, indexStoredBatches } from '../src/pipeline/services/indexers/index-operations.js';
import { VisualizerService } from '../src/visualizer/visualizer-service.js';

const SHAPE = [512, 512];
const RUN_ID = '20261204-00000000-00000000-0000-4000-8000-000000000000';

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The default world at tick 0. */
export function youngWorld(replicator: string): Simulation {
  const sim = new Simulation(resolveRuntimeOptions({ shape: SHAPE, toroidal: true, seed: 42n }));
  sim.placeProgram(
    programFromArtifact(compileFileOrThrow(replicator, { world: { shape: SHAPE, toroidal: true } })),
    [100, 100],
    100_000,
  );
  return sim;
}

/** The default world after `tick` ticks, from a cached checkpoint (made on first use). */
export function matureWorld(replicator: string, tick: number): { sim: Simulation; madeInSeconds?: number } {
  const file = join(tmpdir(), `evochora-bench-mature-default-${tick}.json`);
  if (existsSync(file)) return { sim: restoreCheckpoint(JSON.parse(readFileSync(file, 'utf8')) as Checkpoint) };
  const t0 = performance.now();
  const sim = youngWorld(replicator);
  while (sim.tick < tick) {
    sim.step();
    sim.pruneDead();
  }
  writeFileSync(file, JSON.stringify(saveCheckpoint(sim), bigintJson));
  return {
    sim: restoreCheckpoint(JSON.parse(readFileSync(file, 'utf8')) as Checkpoint),
    madeInSeconds: (performance.now() - t0) / 1000,
  };
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { withFileTypes: true }))
    n += f.isDirectory() ? dirBytes(join(dir, f.name)) : statSync(join(dir, f.name)).size;
  return n;
}

export interface WorldRecordingFigures {
  readonly start_tick: number;
  readonly organisms_alive: number;
  readonly ticks: number;
  readonly runtime_only_ticks_per_sec: number;
  readonly engine_output_discarded_ticks_per_sec: number;
  readonly engine_over_runtime_only: number;
  readonly sampling_ns_per_organism_sample: number;
  /** The main thread's part of encoding: writing the deferred organism deltas into the chunks. */
  readonly assembly_ns_per_organism_sample: number;
  readonly raw_bytes_per_tick: number;
  readonly storage_bytes_per_tick: number;
  readonly storage_cpu_us_per_tick: number;
  readonly index_bytes_per_tick: number;
  readonly index_cell_blob_bytes_per_tick: number;
  readonly index_organism_blob_bytes_per_tick: number;
  readonly index_over_storage: number;
  readonly index_cpu_us_per_tick: number;
  /** Serial CPU per tick of all stages, as ticks/s on one core, ÷ runtime only (the node spreads them over threads). */
  readonly serial_recorded_over_runtime_only: number;
  readonly region256_p50_ms: number;
  readonly region256_p95_ms: number;
  readonly organisms_at_tick_p50_ms: number;
  readonly organisms_at_tick_p95_ms: number;
  /** One organism's details (registers, stacks) at a random tick, as the visualizer shows a selected organism. */
  readonly organism_detail_p50_ms: number;
  readonly organism_detail_p95_ms: number;
}

/**
 * Measures `ticks` ticks from the state `make()` returns (called twice: once for the runtime alone, once
 * recorded). `chunkSamples`/`accumulated` are the engine's chunk layout; batches hold `batchChunks` chunks.
 */
export async function measureWorld(
  make: () => Simulation,
  ticks: number,
  opts: {
    chunkSamples: number;
    accumulated: number;
    batchChunks: number;
    queries: number;
    /** Index every chunk's organisms as copies (the indexers' referenceChunkBytes = 0) instead of their default. */
    organismCopies?: boolean;
  },
): Promise<WorldRecordingFigures> {
  const bare = make();
  const startTick = bare.tick;
  const alive = bare.aliveCount;
  let t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    bare.step();
    bare.pruneDead();
  }
  const runtimeMs = performance.now() - t0;

  const sim = make();
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: RUN_ID,
    samplesPerChunk: opts.chunkSamples,
    accumulatedDeltaInterval: opts.accumulated,
    deferOrganismDeltas: true,
  });
  encoder.resetChanges();
  const organisms = new OrganismDeltaWriter(() => sim.organisms);
  // The main thread's part: writing the deferred organism deltas into each chunk (timed apart from the engine).
  let assemblyMs = 0;
  const complete = (c: EncodedChunk): Uint8Array => {
    if (!c.deferred) return c.bytes;
    const a = performance.now();
    const bytes = assembleChunk(c.bytes, c.deferred);
    encoder.recycleJournal(c.deferred.ints.buffer as ArrayBuffer);
    assemblyMs += performance.now() - a;
    return bytes;
  };
  const chunks: ChunkMessage[] = [];
  let organismSamples = 0;
  let raw = 0;
  // The engine worker's own snapshot extras (the checkpoint without world arrays, RNG, plugin states).
  const extras = () => (encoder.nextIsSnapshot ? snapshotExtras(sim) : {});
  t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    sim.step();
    organismSamples += sim.organisms.length;
    const c = encoder.sample(sim.tick, organisms, sim.nextOrganismId - 1, extras());
    if (c) {
      const data = complete(c);
      raw += data.length;
      chunks.push({
        simulationRunId: c.simulationRunId,
        firstTick: c.firstTick,
        lastTick: c.lastTick,
        tickCount: c.tickCount,
        data,
      });
    }
    sim.pruneDead();
  }
  const last = encoder.finishPartial();
  if (last)
    chunks.push({
      simulationRunId: last.simulationRunId,
      firstTick: last.firstTick,
      lastTick: last.lastTick,
      tickCount: last.tickCount,
      data: complete(last),
    });
  const engineMs = performance.now() - t0 - assemblyMs;

  const dir = mkdtempSync(join(tmpdir(), 'evo-bench-world-'));
  try {
    const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dir, 'storage') });
    await storage.compressor?.ready();
    const meta = SimulationMetadata.encode({
      simulationRunId: RUN_ID,
      worldShape: SHAPE,
      toroidal: true,
      samplingInterval: 1,
      accumulatedDeltaInterval: opts.accumulated,
      snapshotInterval: opts.chunkSamples / opts.accumulated,
      initialSeed: 42,
    }).finish();
    await storage.writeMetadata(RUN_ID, meta);
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < chunks.length; i += opts.batchChunks) {
      const batch = chunks.slice(i, i + opts.batchChunks);
      await storage.writeBatch(batchKey(RUN_ID, batch[0]!.firstTick, batch[batch.length - 1]!.lastTick), batch);
    }
    const storageCpu = process.cpuUsage(cpu0);
    const storageBytes = dirBytes(join(dir, 'storage', RUN_ID));
    const recorded = chunks.reduce((n, c) => n + c.tickCount, 0);

    const db = new SqliteIndexDatabase('index', { directory: join(dir, 'index') });
    const cpu1 = process.cpuUsage();
    await indexMetadata(storage, db, RUN_ID);
    await indexStoredBatches(storage, db, RUN_ID, await storage.listBatches(RUN_ID), {
      ...(opts.organismCopies ? { batch: { organismReferenceChunkBytes: 0 } } : {}),
    });
    const indexCpu = process.cpuUsage(cpu1);
    const blobBytes = db.openWriter(RUN_ID).dump() as Record<string, Array<{ d?: string }>>;
    const hexBytes = (rows: Array<{ d?: string }> | undefined): number =>
      (rows ?? []).reduce((n, r) => n + (r.d?.length ?? 0) / 2, 0);
    const envBlobBytes = hexBytes(blobBytes.environment_chunks);
    const orgBlobBytes = hexBytes(blobBytes.organism_chunks);

    // Random access through the visualizer's service, as the HTTP API serves it (a fresh service: cold caches).
    const service = new VisualizerService(db);
    const first = chunks[0]!.firstTick;
    const lastTick = chunks[chunks.length - 1]!.lastTick;
    let x = 12345;
    const rand = (n: number): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    const region: number[] = [];
    const orgs: number[] = [];
    const detail: number[] = [];
    for (let q = 0; q < opts.queries; q++) {
      const tick = first + rand(lastTick - first + 1);
      const ox = rand(SHAPE[0]! - 256);
      const oy = rand(SHAPE[1]! - 256);
      let s = performance.now();
      await service.environment(RUN_ID, tick, { min: [ox, oy], max: [ox + 255, oy + 255] }, false);
      region.push(performance.now() - s);
      s = performance.now();
      const listedAt = first + rand(lastTick - first + 1);
      const listed = (await service.organismsAt(RUN_ID, listedAt)) as {
        organisms: Array<{ organismId: number }>;
      };
      orgs.push(performance.now() - s);
      // An organism of that list up to 100 ticks later, as a user follows a selected organism (not found once
      // it has gone).
      const one = listed.organisms[rand(listed.organisms.length)];
      if (one) {
        const t = Math.min(lastTick, listedAt + rand(100));
        s = performance.now();
        await service.organismDetails(RUN_ID, t, one.organismId).catch(() => undefined);
        detail.push(performance.now() - s);
      }
    }
    await db.close();
    await storage.close();
    // After close: SQLite has checkpointed its WAL into the database (a long run's WAL is a small part of it).
    const indexBytes = dirBytes(join(dir, 'index'));

    const cpuUs = (c: NodeJS.CpuUsage): number => c.user + c.system;
    const storageUsPerTick = cpuUs(storageCpu) / recorded;
    const indexUsPerTick = cpuUs(indexCpu) / recorded;
    const runtimeTps = (ticks * 1000) / runtimeMs;
    const engineTps = (ticks * 1000) / engineMs;
    const serialUsPerTick = ((engineMs + assemblyMs) * 1000) / ticks + storageUsPerTick + indexUsPerTick;
    const r2 = (n: number): number => Math.round(n * 100) / 100;
    return {
      start_tick: startTick,
      organisms_alive: alive,
      ticks,
      runtime_only_ticks_per_sec: Math.round(runtimeTps),
      engine_output_discarded_ticks_per_sec: Math.round(engineTps),
      engine_over_runtime_only: r2(engineTps / runtimeTps),
      sampling_ns_per_organism_sample: Math.round(((engineMs - runtimeMs) * 1e6) / organismSamples),
      assembly_ns_per_organism_sample: Math.round((assemblyMs * 1e6) / organismSamples),
      raw_bytes_per_tick: Math.round(raw / ticks),
      storage_bytes_per_tick: Math.round(storageBytes / recorded),
      storage_cpu_us_per_tick: r2(storageUsPerTick),
      index_bytes_per_tick: Math.round(indexBytes / recorded),
      index_cell_blob_bytes_per_tick: Math.round(envBlobBytes / recorded),
      index_organism_blob_bytes_per_tick: Math.round(orgBlobBytes / recorded),
      index_over_storage: r2(indexBytes / storageBytes),
      index_cpu_us_per_tick: r2(indexUsPerTick),
      serial_recorded_over_runtime_only: r2(1e6 / serialUsPerTick / runtimeTps),
      region256_p50_ms: r2(pct(region, 50)),
      region256_p95_ms: r2(pct(region, 95)),
      organisms_at_tick_p50_ms: r2(pct(orgs, 50)),
      organisms_at_tick_p95_ms: r2(pct(orgs, 95)),
      organism_detail_p50_ms: r2(pct(detail, 50)),
      organism_detail_p95_ms: r2(pct(detail, 95)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
