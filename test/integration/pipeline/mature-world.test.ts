import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFileOrThrow } from '../../../src/compiler/index.js';
import {
  programFromArtifact,
  resolveRuntimeOptions,
  restoreCheckpoint,
  saveCheckpoint,
  Simulation,
  type Checkpoint,
} from '../../../src/runtime/index.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { snapshotExtras } from '../../../src/pipeline/engine/snapshot-extras.js';
import { writeOrganism } from '../../../src/pipeline/engine/organism-wire.js';
import { ProtoWriter } from '../../../src/pipeline/engine/proto-writer.js';
import { OrganismState, TickData, TickDataChunk, type ChunkMessage } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';

/**
 * The default world (our replicator, 512×512, seed 42) at tick 500,000, made at test start (a few seconds of
 * runtime): a world full of code and ~50 organisms, where recording differs most from a young world. It is
 * recorded exactly as the engine worker records (every tick, chunks of 500 samples, an accumulated delta every
 * 50), written as format-3 batch files, read back tick by tick, and every tick compared with an independent
 * runtime replay from the same checkpoint: cells and every organism's full state, byte for byte.
 */
const SHAPE = [512, 512];
const MATURE_TICK = 500_000;
const RECORDED_TICKS = 1_200;
const RUN_ID = '20261205-00000000-00000000-0000-4000-8000-000000000011';
const replicator = fileURLToPath(new URL('../../../assembly/replicator.evo', import.meta.url));

/** A digest of what a stored tick holds: the occupied cells in flat-index order and each organism's state. */
function digest(
  cells: { flatIndices: Int32Array; molecules: Int32Array; owners: Int32Array },
  organisms: readonly Uint8Array[],
): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(cells.flatIndices.buffer, cells.flatIndices.byteOffset, cells.flatIndices.byteLength));
  h.update(new Uint8Array(cells.molecules.buffer, cells.molecules.byteOffset, cells.molecules.byteLength));
  h.update(new Uint8Array(cells.owners.buffer, cells.owners.byteOffset, cells.owners.byteLength));
  for (const o of organisms) h.update(o);
  return h.digest('hex');
}

/** The same digest of the runtime's state at the sampling moment (after the step, before dead are pruned). */
function runtimeDigest(sim: Simulation): string {
  const { cells, owners } = sim.world;
  const idx: number[] = [];
  for (let i = 0; i < cells.length; i++) if ((cells[i]! | owners[i]!) !== 0) idx.push(i);
  const flatIndices = Int32Array.from(idx);
  const molecules = Int32Array.from(idx, (i) => cells[i]!);
  const own = Int32Array.from(idx, (i) => owners[i]!);
  // Every organism written as the snapshot writes full states (TickData field 3), then each re-encoded alone.
  const w = new ProtoWriter();
  for (const o of sim.organisms) writeOrganism(w, 0x1a, o);
  const organisms = TickData.decode(w.finish()).organisms.map((o) => OrganismState.encode(o).finish());
  return digest({ flatIndices, molecules, owners: own }, organisms);
}

describe('a mature world (tick 500,000 of the default world)', () => {
  let dir: string;
  let checkpoint: string;
  let alive = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'evo-mature-'));
    const sim = new Simulation(resolveRuntimeOptions({ shape: SHAPE, toroidal: true, seed: 42n }));
    sim.placeProgram(
      programFromArtifact(compileFileOrThrow(replicator, { world: { shape: SHAPE, toroidal: true } })),
      [100, 100],
      100_000,
    );
    while (sim.tick < MATURE_TICK) {
      sim.step();
      sim.pruneDead();
    }
    alive = sim.aliveCount;
    checkpoint = JSON.stringify(saveCheckpoint(sim), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is recorded, stored and read back tick by tick exactly as a runtime replay computes every tick', async () => {
    expect(alive).toBeGreaterThan(20);
    // Record as the engine worker does.
    const sim = restoreCheckpoint(JSON.parse(checkpoint) as Checkpoint);
    const encoder = new ChunkEncoder(sim.world, {
      simulationRunId: RUN_ID,
      samplesPerChunk: 500,
      accumulatedDeltaInterval: 50,
      samplingInterval: 1,
    });
    const writer = new OrganismDeltaWriter(() => sim.organisms);
    const chunks: ChunkMessage[] = [];
    const sample = (): void => {
      const extras = encoder.nextIsSnapshot ? snapshotExtras(sim) : {};
      const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1, extras);
      if (c)
        chunks.push({
          simulationRunId: RUN_ID,
          firstTick: c.firstTick,
          lastTick: c.lastTick,
          tickCount: c.tickCount,
          data: c.bytes,
        });
    };
    encoder.resetChanges();
    for (let i = 0; i < RECORDED_TICKS; i++) {
      sim.step();
      sample();
      sim.pruneDead();
    }
    const partial = encoder.finishPartial();
    if (partial)
      chunks.push({
        simulationRunId: RUN_ID,
        firstTick: partial.firstTick,
        lastTick: partial.lastTick,
        tickCount: partial.tickCount,
        data: partial.bytes,
      });
    // Chunks end on the engine's chunk boundaries (every 500th sample of the run), so the first is one short.
    expect(chunks.map((c) => c.tickCount)).toEqual([499, 500, 201]);

    // Stored as batch files (format 3: planes, a frame per chunk), read back from disk by a fresh reader.
    const storage = new FileSystemStorage('w', { rootDirectory: dir, compressInWorker: false });
    await storage.writeBatch(storage.batchKey(RUN_ID, chunks[0]!.firstTick, chunks[1]!.lastTick), chunks.slice(0, 2));
    await storage.writeBatch(storage.batchKey(RUN_ID, chunks[2]!.firstTick, chunks[2]!.lastTick), chunks.slice(2));
    const reader = new FileSystemStorage('r', { rootDirectory: dir, compressInWorker: false });
    const stored = new Map<number, string>();
    for await (const c of reader.readChunks(RUN_ID)) {
      // One chunk read alone from its frame is the same chunk.
      const alone = await reader.readChunkFrame(c.key, c.frame!);
      expect(Buffer.compare(Buffer.from(alone), Buffer.from(c.data))).toBe(0);
      const chunk = TickDataChunk.decode(c.data);
      for (const t of ticksOf(chunk)) {
        const r = reconstructTick(chunk, t);
        stored.set(
          t,
          digest(
            r.cells,
            r.organisms.map((o) => OrganismState.encode(o).finish()),
          ),
        );
      }
    }
    expect(stored.size).toBe(RECORDED_TICKS);

    // An independent replay from the same checkpoint, digested at the same moment of every tick.
    const replay = restoreCheckpoint(JSON.parse(checkpoint) as Checkpoint);
    for (let i = 0; i < RECORDED_TICKS; i++) {
      replay.step();
      expect(stored.get(replay.tick), `tick ${replay.tick}`).toBe(runtimeDigest(replay));
      replay.pruneDead();
    }
  }, 120_000);
});
