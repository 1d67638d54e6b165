import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganismState, STORAGE_FORMAT_VERSION, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { readWholeStorageFile } from '../../../src/pipeline/resources/storage-file.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { indexStoredBatches } from '../../../src/pipeline/services/indexers/index-operations.js';
import { decodeOrganismBlob } from '../../../src/pipeline/api/index-blobs.js';
import { manager, recordingConfig, waitUntil } from './helpers.js';

const FIXTURE = new URL('../../fixtures/storage-format-v1/', import.meta.url).pathname;
const V1_RUN = readdirSync(FIXTURE).find((f) => /^\d{8}-/.test(f))!;
/** The same world written by format 2 (one zstd frame per batch file). */
const FIXTURE_V2 = new URL('../../fixtures/storage-format-v2/', import.meta.url).pathname;
const V2_RUN = readdirSync(FIXTURE_V2).find((f) => /^\d{8}-/.test(f))!;

/** Every stored tick's state (cells, organisms, total created) as one comparable string each, in tick order. */
async function statesOf(storage: FileSystemStorage, runId: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for await (const c of storage.readChunks(runId)) {
    const chunk = TickDataChunk.decode(c.data);
    for (const t of ticksOf(chunk)) {
      const r = reconstructTick(chunk, t);
      const organisms = r.organisms.map((o) => Buffer.from(OrganismState.encode(o).finish()).toString('base64'));
      out.set(
        t,
        JSON.stringify([
          r.totalOrganismsCreated,
          Array.from(r.cells.flatIndices),
          Array.from(r.cells.molecules),
          Array.from(r.cells.owners),
          organisms,
        ]),
      );
    }
  }
  return out;
}

describe('storage format 1 (a run written before organism deltas)', () => {
  let dir: string;
  let v1: FileSystemStorage;
  let v2: FileSystemStorage;
  let v2Run: string;
  let f2: FileSystemStorage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evo-format-'));
    cpSync(FIXTURE, join(dir, 'v1'), { recursive: true });
    v1 = new FileSystemStorage('v1', { rootDirectory: join(dir, 'v1') });
    cpSync(FIXTURE_V2, join(dir, 'f2'), { recursive: true });
    f2 = new FileSystemStorage('f2', { rootDirectory: join(dir, 'f2') });
    // The same world recorded by this version: the fixture's configuration (the shipped defaults), 2600 ticks.
    const sm = await manager(
      recordingConfig(join(dir, 'node'), {
        engine: {
          environment: { shape: [512, 512], topology: 'TORUS' },
          seed: 42,
          organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[100, 100]] }],
          accumulatedDeltaInterval: 5,
          snapshotInterval: 10,
          maxTicks: 2600,
        },
      }),
    );
    await sm.startAll();
    await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 120_000, 'engine to finish');
    await sm.stopAll();
    v2Run = (sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId;
    await sm.shutdown();
    v2 = new FileSystemStorage('v2', { rootDirectory: join(dir, 'node', 'storage') });
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read, and every tick rebuilds to the state this version stores for the same run', async () => {
    const batches = await v1.listBatches(V1_RUN);
    expect(batches.length).toBeGreaterThan(0);
    const { header } = await readWholeStorageFile(
      join(dir, 'v1', V1_RUN, 'raw', ...batches[0]!.key.split('/').slice(2)),
      batches[0]!.key,
    );
    expect(header.formatVersion).toBe(1);
    const v2Batches = await v2.listBatches(v2Run);
    const { header: h2 } = await readWholeStorageFile(
      join(dir, 'node', 'storage', v2Run, 'raw', ...v2Batches[0]!.key.split('/').slice(2)),
      v2Batches[0]!.key,
    );
    expect(h2.formatVersion).toBe(STORAGE_FORMAT_VERSION);

    const old = await statesOf(v1, V1_RUN);
    const now = await statesOf(v2, v2Run);
    expect(old.size).toBe(2601);
    expect([...now.keys()]).toEqual([...old.keys()]);
    for (const [tick, state] of old) expect(now.get(tick), `tick ${tick}`).toBe(state);
    // Format 2 (one zstd frame per file, no frame table): the same states.
    const [f2Batch] = await f2.listBatches(V2_RUN);
    const { header: h3 } = await readWholeStorageFile(
      join(dir, 'f2', V2_RUN, 'raw', ...f2Batch!.key.split('/').slice(2)),
      f2Batch!.key,
    );
    expect(h3.formatVersion).toBe(2);
    const format2 = await statesOf(f2, V2_RUN);
    expect([...format2.keys()]).toEqual([...old.keys()]);
    for (const [tick, state] of old) expect(format2.get(tick), `format 2, tick ${tick}`).toBe(state);
    // The fixture covers a birth: two organisms at the end.
    expect(JSON.parse(old.get(2600)!)[4]).toHaveLength(2);
  });

  it('indexes like a run of this version: the same organisms at every tick', async () => {
    const index = new SqliteIndexDatabase('index', { directory: join(dir, 'index') });
    try {
      for (const [storage, run] of [
        [v1, V1_RUN],
        [f2, V2_RUN],
        [v2, v2Run],
      ] as const) {
        await indexStoredBatches(storage, index, run, await storage.listBatches(run));
      }
      const a = (await index.reader(V1_RUN))!;
      const b = (await index.reader(v2Run))!;
      const c = (await index.reader(V2_RUN))!;
      for (const tick of [0, 1, 49, 50, 777, 2307, 2308, 2309, 2599, 2600]) {
        const ra = (await a.organismTick(tick))!;
        const rb = (await b.organismTick(tick))!;
        const rc = (await c.organismTick(tick))!;
        const encode = (data: Uint8Array) =>
          decodeOrganismBlob(data).map((s) => Buffer.from(OrganismState.encode(s).finish()).toString('base64'));
        expect(encode(rb.data), `tick ${tick}`).toEqual(encode(ra.data));
        expect(encode(rc.data), `format 2, tick ${tick}`).toEqual(encode(ra.data));
        expect(rb.aliveCount).toBe(ra.aliveCount);
      }
      // Format 3 is indexed by reference (a few bytes per chunk), the older files by copy.
      const refRows = index.openWriter(v2Run).dump().environment_chunks as Array<{ d: string }>;
      expect(refRows.every((r) => r.d.startsWith('52') && r.d.length < 400)).toBe(true);
      const copyRows = index.openWriter(V2_RUN).dump().environment_chunks as Array<{ d: string }>;
      expect(copyRows.every((r) => !r.d.startsWith('52'))).toBe(true);
      // Organisms by reference too, for chunks up to OrganismIndexer.options.referenceChunkBytes (8 MiB by
      // default: all of these); with 0 (or larger chunks) compressed copies of their organisms. The same states.
      const copiesDb = new SqliteIndexDatabase('copies', { directory: join(dir, 'index-copies') });
      const forced = new SqliteIndexDatabase('forced', { directory: join(dir, 'index-forced') });
      const mixed = new SqliteIndexDatabase('mixed', { directory: join(dir, 'index-mixed') });
      try {
        await indexStoredBatches(v2, copiesDb, v2Run, await v2.listBatches(v2Run), {
          batch: { organismReferenceChunkBytes: 0 },
        });
        await indexStoredBatches(v2, forced, v2Run, await v2.listBatches(v2Run), {
          batch: { organismReferences: true, organismReferenceChunkBytes: 0 },
        });
        const rc = (await copiesDb.reader(v2Run))!;
        const rf = (await forced.reader(v2Run))!;
        for (const tick of [0, 1, 49, 777, 2600]) {
          const encode = (data: Uint8Array) =>
            decodeOrganismBlob(data).map((s) => Buffer.from(OrganismState.encode(s).finish()).toString('base64'));
          const expected = encode((await b.organismTick(tick))!.data);
          expect(encode((await rc.organismTick(tick))!.data), `copies, tick ${tick}`).toEqual(expected);
          expect(encode((await rf.organismTick(tick))!.data), `references, tick ${tick}`).toEqual(expected);
        }
        const refRowsOf = (db: SqliteIndexDatabase) =>
          db.openWriter(v2Run).dump().organism_chunks as Array<{ d: string }>;
        const byDefault = refRowsOf(index);
        expect(byDefault.length).toBeGreaterThan(0);
        expect(byDefault.every((r) => r.d.startsWith('52') && r.d.length < 400)).toBe(true);
        expect(refRowsOf(forced).every((r) => r.d.startsWith('52') && r.d.length < 400)).toBe(true);
        expect(refRowsOf(copiesDb).every((r) => !r.d.startsWith('52'))).toBe(true);
        // The size decides per chunk: with the limit between two chunk sizes, the larger chunks are copied.
        const sizes = new Map<number, number>();
        for (const batch of await v2.listBatches(v2Run))
          for await (const c of v2.readBatchFile(batch.key)) sizes.set(c.firstTick, c.data.length);
        const limit = [...sizes.values()].sort((x, y) => x - y)[Math.floor(sizes.size / 2)]!;
        await indexStoredBatches(v2, mixed, v2Run, await v2.listBatches(v2Run), {
          batch: { organismReferenceChunkBytes: limit },
        });
        const rows = mixed.openWriter(v2Run).dump().organism_chunks as Array<{ first_tick: number; d: string }>;
        const kinds = rows.map((r) => [r.d.startsWith('52'), sizes.get(r.first_tick)! <= limit]);
        expect(kinds.every(([isRef, small]) => isRef === small)).toBe(true);
        expect(new Set(kinds.map(([isRef]) => isRef)).size).toBe(2);
        const rm = (await mixed.reader(v2Run))!;
        for (const tick of [0, 1, 777, 2600])
          expect((await rm.organismTick(tick))!.aliveCount).toBe((await b.organismTick(tick))!.aliveCount);
      } finally {
        await copiesDb.close();
        await forced.close();
        await mixed.close();
      }
      // Read without a storage attached, a reference is a clear error, not garbage.
      const bare = new SqliteIndexDatabase('bare', { directory: join(dir, 'index') });
      try {
        await expect((await bare.reader(v2Run))!.environmentChunkContaining(0)).rejects.toMatchObject({
          code: 'CHUNK_SOURCE_MISSING',
        });
        expect((await (await bare.reader(V2_RUN))!.environmentChunkContaining(0))?.chunk).toBeUndefined();
      } finally {
        await bare.close();
      }
    } finally {
      await index.close();
    }
  });
});
