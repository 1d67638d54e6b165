/**
 * Cold chunk reads of a dense world decompress into reused buffers (BufferPool, ChunkLease): a buffer goes back
 * only when the last cache or request holding the chunk lets go. Here every tick of a dense run is read back
 * through the visualizer, several requests at once and with far more chunks than the caches keep, and each answer
 * must equal the recorded tick decoded independently (a buffer reused too early would hand one request another
 * chunk's cells or organisms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkRefOf, chunkSourceOf } from '../../../src/pipeline/api/chunk-refs.js';
import { TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { VisualizerService } from '../../../src/visualizer/visualizer-service.js';
import { defaultPlugins } from '../../../src/runtime/config.js';
import { indexingConfig, manager, recordAndIndex } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-reuse-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('reads of a dense run through reused buffers', () => {
  it('answer every tick exactly, many requests at once, while the caches evict', async () => {
    // Half the cells hold energy: each chunk is ~400 KB decompressed, above the pool's threshold.
    const plugins = defaultPlugins().map((p) =>
      p.kind === 'seedEnergy' ? { ...p, options: { ...p.options, percentage: 0.5 } } : p,
    );
    sm = await manager(
      indexingConfig(dir, {
        engine: {
          maxTicks: 300,
          environment: { shape: [256, 256], topology: 'TORUS' },
          organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[100, 100]] }],
          runtime: { plugins },
        },
      }),
    );
    const { runId } = await recordAndIndex(sm);
    await sm.shutdown();
    sm = undefined;

    // A reader as a restarted node has it: nothing recently written is in memory, every chunk is a cold read.
    const storage = new FileSystemStorage('read', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
    const db = new SqliteIndexDatabase('read', { directory: join(dir, 'index') });
    db.attachChunkSource(chunkSourceOf(storage));
    const reader = (await db.reader(runId))!;
    const first = await reader.environmentChunkContaining(0);
    first?.chunkLease?.release();
    const ref = chunkRefOf(first!.data)!;
    const read = await storage.readChunkFramePlaned(ref.key, ref.frame);
    expect(read.lease, 'the chunks are read into reused buffers').toBeDefined();
    read.lease?.release();

    const expected = new Map<number, ReturnType<typeof reconstructTick>>();
    let chunks = 0;
    for await (const c of storage.readChunks(runId)) {
      const chunk = TickDataChunk.decode(c.data);
      chunks++;
      for (const t of ticksOf(chunk)) expected.set(t, reconstructTick(chunk, t));
    }
    expect(expected.size).toBe(301);
    expect(chunks).toBeGreaterThan(48); // more than the visualizer's chunk cache holds

    const vis = new VisualizerService(db);
    // Every tick twice, in an order that jumps between chunks, eight requests in flight at a time.
    const order = [...expected.keys(), ...expected.keys()];
    let seed = 11;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const mismatches: string[] = [];
    const check = async (tick: number): Promise<void> => {
      const want = expected.get(tick)!;
      const [env, orgs] = await Promise.all([
        vis.environment(runId, tick, undefined, false),
        vis.organismsAt(runId, tick) as Promise<{ organisms: Array<{ organismId: number; energy: number }> }>,
      ]);
      const cells = env.cells.cells;
      if (
        cells.flatIndices.length !== want.cells.flatIndices.length ||
        cells.flatIndices.some((v, i) => v !== want.cells.flatIndices[i]) ||
        cells.molecules.some((v, i) => v !== want.cells.molecules[i]) ||
        cells.owners.some((v, i) => v !== want.cells.owners[i])
      )
        mismatches.push(`cells of tick ${tick}`);
      const got = JSON.stringify(orgs.organisms.map((o) => [o.organismId, o.energy]));
      if (got !== JSON.stringify(want.organisms.map((o) => [o.organismId, o.energy])))
        mismatches.push(`organisms of tick ${tick}`);
    };
    for (let i = 0; i < order.length; i += 8) await Promise.all(order.slice(i, i + 8).map(check));
    expect(mismatches).toEqual([]);
    db.close();
  }, 120_000);
});

/**
 * The engine assembles chunks into reused memory (ChunkMessage.lease): a buffer goes back only after persistence
 * stored and committed the chunk, the storage's recent-batch cache let go of it and every indexer that read it
 * from there was done. Here every chunk goes through that memory, in small chunks and batches so that the cache
 * evicts and buffers come back hundreds of times; the run must store and index exactly what a run without reuse
 * does (a buffer reused too early would give the files or an indexer another chunk's bytes).
 */
describe('chunks recorded into reused memory', () => {
  it('are stored and indexed exactly as without reuse', async () => {
    const run = async (reuseChunkMemoryFromBytes: number) => {
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'evo-reuse-'));
      const config = indexingConfig(dir, {
        maxBatchSize: 2,
        engine: {
          maxTicks: 3_000,
          seed: 5,
          accumulatedDeltaInterval: 2,
          snapshotInterval: 5,
          reuseChunkMemoryFromBytes,
          environment: { shape: [64, 64], topology: 'TORUS' },
          organisms: [
            {
              program: 'builtin:replicator',
              energy: 20_000,
              positions: [
                [10, 10],
                [40, 40],
              ],
            },
          ],
        },
      });
      // Organisms copied out of each chunk into the index (not referenced): what the indexer read is what is served.
      config.pipeline.services['organism-indexer-1']!.options = {
        ...config.pipeline.services['organism-indexer-1']!.options,
        referenceChunkBytes: 0,
      };
      sm = await manager(config);
      const { runId, db } = await recordAndIndex(sm);
      const engineMetrics = (
        sm.instanceOf('simulation-engine') as unknown as {
          metrics(): Record<string, number>;
        }
      ).metrics();
      const reader = (await db.reader(runId))!;
      const organisms: string[] = [];
      const created = await reader.organismsCreatedUpTo(3_000);
      for (const row of await reader.organisms(Array.from({ length: created }, (_, i) => i + 1)))
        organisms.push(JSON.stringify(row));
      const briefs: string[] = [];
      for (let t = 0; t <= 3_000; t += 37) briefs.push(JSON.stringify(await reader.organismBriefs(t)));
      await sm.shutdown();
      sm = undefined;
      const storage = new FileSystemStorage('read', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
      const stored: string[] = [];
      for await (const c of storage.readChunks(runId))
        stored.push(Buffer.from(c.data).toString('latin1').split(runId).join('#'));
      return { engineMetrics, organisms, briefs, stored };
    };
    // Memory given back is written over at once: a holder that let go too early reads garbage.
    process.env.EVOCHORA_POISON_REUSED_MEMORY = '1';
    let reused: Awaited<ReturnType<typeof run>>;
    try {
      reused = await run(0);
    } finally {
      delete process.env.EVOCHORA_POISON_REUSED_MEMORY;
    }
    const fresh = await run(2 ** 31 - 1);
    expect(reused.engineMetrics.chunks_in_reused_memory, 'chunks went into memory given back').toBeGreaterThan(10);
    expect(fresh.engineMetrics.chunks_in_reused_memory).toBe(0);
    expect(reused.stored.length).toBeGreaterThan(290);
    expect(reused.stored).toEqual(fresh.stored);
    expect(reused.organisms.length).toBe(2);
    expect(reused.organisms).toEqual(fresh.organisms);
    expect(reused.briefs).toEqual(fresh.briefs);
  }, 120_000);
});
