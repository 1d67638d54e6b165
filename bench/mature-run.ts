/**
 * A stored run of the default world at a mature tick, for benches that start a real node there (`node run --fork
 * RUN@TICK`) instead of waiting tens of minutes for the world to age: bench:soak's `--mature-tick`.
 *
 * The world is the default node's (our replicator at [100, 100] with 100,000 energy, 512×512 torus, seed 42, the
 * engine's default runtime options), simulated by the runtime to `tick` (the cached checkpoint of
 * world-recording.ts's mature fixture), then recorded for one chunk exactly as the engine records it. The node forks
 * at that chunk's last tick: it rebuilds the world from the chunk's snapshot and continues the same simulation.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultsOf } from '../src/config/validate.js';
import { SimulationMetadata, type ChunkMessage } from '../src/pipeline/contracts/index.js';
import { newRunId } from '../src/pipeline/contracts/run-id.js';
import { assembleChunk } from '../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder } from '../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../src/pipeline/engine/organism-delta-writer.js';
import { snapshotExtras } from '../src/pipeline/engine/snapshot-extras.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { batchKey } from '../src/pipeline/resources/storage-keys.js';
import { simulationEngineType } from '../src/pipeline/services/simulation-engine-type.js';
import { resolveRuntimeOptions } from '../src/runtime/index.js';
import { matureWorld } from './world-recording.js';

const REPLICATOR = join(dirname(fileURLToPath(import.meta.url)), '..', 'assembly', 'replicator.evo');

export interface MatureRun {
  readonly runId: string;
  /** The stored tick to fork at (the last of the stored chunk). */
  readonly forkTick: number;
  /** Organisms alive at the mature tick. */
  readonly organismsAlive: number;
}

/** Writes the run into `<dataDir>/storage` (the default node's storage root) and returns where to fork. */
export async function writeMatureRun(
  dataDir: string,
  tick: number,
  /** Accumulated intervals per chunk (default: the engine's); a fork records with its parent's chunk layout. */
  snapshotInterval?: number,
): Promise<MatureRun> {
  const defaults = defaultsOf(simulationEngineType.options) as {
    accumulatedDeltaInterval: number;
    snapshotInterval: number;
    environment: { shape: number[] };
  } & Record<string, unknown>;
  const engine = { ...defaults, snapshotInterval: snapshotInterval ?? defaults.snapshotInterval };
  const shape = engine.environment.shape;
  const sim = matureWorld(REPLICATOR, tick).sim;
  const acc = engine.accumulatedDeltaInterval;
  const perChunk = acc * engine.snapshotInterval;
  const runId = newRunId();
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: runId,
    samplesPerChunk: perChunk,
    accumulatedDeltaInterval: acc,
  });
  encoder.resetChanges();
  const organisms = new OrganismDeltaWriter(() => sim.organisms);
  const organismsAlive = sim.aliveCount;
  // The first sample is the chunk's snapshot; the chunk ends on the engine's tick grid.
  let chunk = encoder.sample(sim.tick, organisms, sim.nextOrganismId - 1, snapshotExtras(sim));
  while (!chunk) {
    sim.step();
    chunk = encoder.sample(sim.tick, organisms, sim.nextOrganismId - 1, {});
    sim.pruneDead();
  }
  const data = chunk.deferred ? assembleChunk(chunk.bytes, chunk.deferred) : chunk.bytes;
  const message: ChunkMessage = {
    simulationRunId: runId,
    firstTick: chunk.firstTick,
    lastTick: chunk.lastTick,
    tickCount: chunk.tickCount,
    data,
  };
  const runtime = resolveRuntimeOptions({ shape, toroidal: true, seed: 42n });
  const { seed, ...runtimeRest } = runtime;
  const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dataDir, 'storage') });
  try {
    await storage.writeMetadata(
      runId,
      SimulationMetadata.encode({
        simulationRunId: runId,
        startTimeMs: Date.now(),
        initialSeed: Number(seed),
        programs: [],
        resolvedConfigJson: Buffer.from(
          JSON.stringify({ ...engine, runtime: { ...runtimeRest, seed: seed.toString() } }),
        ),
        worldShape: shape,
        toroidal: true,
        samplingInterval: 1,
        accumulatedDeltaInterval: acc,
        snapshotInterval: engine.snapshotInterval,
      }).finish(),
    );
    await storage.writeBatch(batchKey(runId, message.firstTick, message.lastTick), [message]);
  } finally {
    await storage.close();
  }
  return { runId, forkTick: message.lastTick, organismsAlive };
}

/** Runtime-only ticks/s of the mature world at `tick` over its next `ticks` ticks (the soak's comparison). */
export function matureRuntimeSpeed(tick: number, ticks: number): number {
  const sim = matureWorld(REPLICATOR, tick).sim;
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    sim.step();
    sim.pruneDead();
  }
  return (ticks * 1000) / (performance.now() - t0);
}

// `tsx bench/mature-run.ts speed TICK TICKS`: the runtime-only figure in a process of its own (bench:soak).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'speed')
  console.log(JSON.stringify({ ticksPerSecond: matureRuntimeSpeed(Number(process.argv[3]), Number(process.argv[4])) }));
