import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import {
  decodeEnvironmentBlob,
  decodeOrganismBlob,
  aliveCountOfRawBlob,
  decodeOrganismChunk,
  encodeEnvironmentBlob,
  encodeOrganismBlob,
  encodeOrganismChunk,
} from '../../../src/pipeline/api/index-blobs.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { VisualizerService } from '../../../src/visualizer/visualizer-service.js';
import { mkdirSync, writeFileSync } from 'node:fs';

let dir: string;
let db: SqliteIndexDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-sqlite-'));
  db = new SqliteIndexDatabase('index', { directory: 'index' }, dir);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const org = (id: number, parent: number | null, birth: number) => ({
  organismId: id,
  parentId: parent,
  birthTick: birth,
  programId: 'p',
  initialPosition: [id, 0],
  genomeHash: `g${id}`,
});
const blob = (n: number) => new Uint8Array([n, n, n]);

describe('SqliteIndexDatabase', () => {
  it('creates one database file per run and lists the runs', async () => {
    await db.writer('run-b');
    await db.writer('run-a');
    expect(await db.listRuns()).toEqual(['run-a', 'run-b']);
    expect(db.pathOf('run-a')).toBe(join(dir, 'index', 'run-a.sqlite'));
    expect(await db.reader('nope')).toBeUndefined();
    expect(() => db.pathOf('../x')).toThrow(/Invalid simulation run id/);
  });

  it('upserts idempotently by natural keys and answers range, chunk and organism queries', async () => {
    const w = await db.writer('r');
    const write = async (): Promise<void> => {
      await w.upsertMetadata({
        runId: 'r',
        startTimeMs: 5,
        samplingInterval: 2,
        worldShape: [4, 3],
        toroidal: true,
        simulationMetadata: new Uint8Array([1, 2]),
      });
      await w.upsertEnvironmentChunks([
        { firstTick: 0, lastTick: 8, tickCount: 5, data: blob(1) },
        { firstTick: 10, lastTick: 18, tickCount: 5, data: blob(2) },
      ]);
      await w.upsertOrganismTicks(
        [
          { tick: 0, organismCount: 1, aliveCount: 1, data: blob(3) },
          { tick: 2, organismCount: 2, aliveCount: 2, data: blob(4) },
        ],
        [org(1, null, 0), org(2, 1, 2), org(3, 2, 9)],
      );
    };
    await write();
    const first = db.openWriter('r').dump();
    await write();
    expect(db.openWriter('r').dump()).toEqual(first);
    const r = (await db.reader('r'))!;
    expect(await r.metadata()).toMatchObject({ runId: 'r', samplingInterval: 2, worldShape: [4, 3], toroidal: true });
    expect(await r.environmentTickRange()).toEqual({ minTick: 0, maxTick: 18 });
    expect(await r.organismTickRange()).toEqual({ minTick: 0, maxTick: 2 });
    expect((await r.environmentChunkContaining(12))?.firstTick).toBe(10);
    expect(await r.environmentChunkContaining(9)).toBeUndefined();
    expect(await r.environmentChunkRanges()).toEqual([
      { minTick: 0, maxTick: 8 },
      { minTick: 10, maxTick: 18 },
    ]);
    expect([...(await r.organismTick(2))!.data]).toEqual([4, 4, 4]);
    expect(await r.organism(2)).toEqual(org(2, 1, 2));
    expect((await r.organisms([3, 1])).map((o) => o.organismId).sort()).toEqual([1, 3]);
    expect((await r.lineage(3, 10)).map((o) => o.organismId)).toEqual([2, 1]);
    expect(await r.organismsCreatedUpTo(5)).toBe(2);
  });

  it('leaves an unreadable index file out of the runs list', async () => {
    await (
      await db.writer('good')
    ).upsertMetadata({
      runId: 'good',
      startTimeMs: 1,
      samplingInterval: 1,
      worldShape: [2, 2],
      toroidal: true,
      simulationMetadata: new Uint8Array(),
    });
    mkdirSync(join(dir, 'index'), { recursive: true });
    writeFileSync(join(dir, 'index', 'broken.sqlite'), 'this is not a database');
    const runs = await new VisualizerService(db).listRuns();
    expect(runs.map((r) => r.runId)).toEqual(['good']);
  });

  it('round-trips environment and organism blobs and refuses unknown blob versions', () => {
    const chunk = TickDataChunk.create({
      simulationRunId: 'r',
      firstTick: 0,
      lastTick: 1,
      tickCount: 2,
      snapshot: {
        tickNumber: 0,
        cells: { flatIndices: new Uint8Array(4), molecules: new Uint8Array([1, 0, 0, 0]), owners: new Uint8Array(4) },
        organisms: [{ organismId: 1 }],
        runtimeCheckpoint: new Uint8Array([9]),
      },
      deltas: [{ tickNumber: 1, deltaType: 1, organisms: [{ organismId: 1 }] }],
    });
    const back = decodeEnvironmentBlob(encodeEnvironmentBlob(chunk));
    expect(back.snapshot!.organisms).toEqual([]);
    expect(back.snapshot!.runtimeCheckpoint!.length).toBe(0);
    expect([...back.snapshot!.cells!.molecules!]).toEqual([1, 0, 0, 0]);
    expect(back.deltas.map((d) => Number(d.tickNumber))).toEqual([1]);
    const states = [
      OrganismState.create({ organismId: 3, energy: 7 }),
      OrganismState.create({ organismId: 4, energy: 9 }),
    ];
    expect(decodeOrganismBlob(encodeOrganismBlob(states)).map((s) => [s.organismId, s.energy])).toEqual([
      [3, 7],
      [4, 9],
    ]);
    const bad = encodeOrganismBlob(states);
    bad[0] = 99;
    expect(() => decodeOrganismBlob(bad)).toThrow(/version 99/);
    const env = encodeEnvironmentBlob(chunk);
    expect(env[0]).toBe(2);
    env[0] = 7;
    expect(() => decodeEnvironmentBlob(env)).toThrow(/version 7/);
  });
});

describe('organism chunks (one compressed row per stored chunk)', () => {
  const state = (id: number, energy: number, dead = false) =>
    OrganismState.encode({ organismId: id, energy, isDead: dead, programId: 'p' }).finish();
  const samples = (first: number, step: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      tick: first + i * step,
      organisms: [state(1, 100 + first + i), state(2, i, true)],
    }));

  it('round-trips every sample, hands out per-tick blobs the visualizer decodes, and refuses unknown versions', () => {
    const blob = encodeOrganismChunk(samples(10, 3, 5));
    const back = decodeOrganismChunk(blob);
    expect([10, 13, 16, 19, 22].map((t) => back.get(t)?.tick)).toEqual([10, 13, 16, 19, 22]);
    expect(back.get(11)).toBeUndefined();
    const s = back.get(16)!;
    expect([s.organismCount, aliveCountOfRawBlob(s.data)]).toEqual([2, 1]);
    expect(decodeOrganismBlob(s.data).map((o) => [o.organismId, o.energy, o.isDead])).toEqual([
      [1, 112, false],
      [2, 2, true],
    ]);
    const bad = blob.slice();
    bad[0] = 7;
    expect(() => decodeOrganismChunk(bad)).toThrow(/version 7/);
  });

  it('serves organismTick, the tick range and the indexed check from chunk rows next to per-tick rows of older indexes', async () => {
    const w = db.openWriter('c');
    await w.upsertOrganismTicks(
      [
        {
          tick: 0,
          organismCount: 1,
          aliveCount: 1,
          data: encodeOrganismBlob([OrganismState.create({ organismId: 9, energy: 1 })]),
        },
      ],
      [org(9, null, 0)],
    );
    const chunk = (first: number) => ({
      firstTick: first,
      lastTick: first + 12,
      data: encodeOrganismChunk(samples(first, 3, 5)),
    });
    await w.upsertOrganismChunks([chunk(3), chunk(18)], [org(1, null, 0), org(2, 1, 3)]);
    const once = w.dump();
    await w.upsertOrganismChunks([chunk(18)], [org(2, 1, 3)]);
    expect(w.dump()).toEqual(once);
    const r = (await db.reader('c'))!;
    expect(await r.organismTickRange()).toEqual({ minTick: 0, maxTick: 30 });
    expect(decodeOrganismBlob((await r.organismTick(0))!.data).map((o) => o.organismId)).toEqual([9]);
    const t21 = (await r.organismTick(21))!;
    expect(decodeOrganismBlob(t21.data).map((o) => o.energy)).toEqual([119, 1]);
    expect([t21.organismCount, t21.aliveCount]).toEqual([2, 1]);
    expect(await r.organismTick(22)).toBeUndefined(); // inside a chunk, but not a sampled tick
    expect(await r.organismTick(31)).toBeUndefined();
    expect([0, 3, 15, 18, 30].map((t) => w.hasOrganismTick(t))).toEqual([true, true, true, true, true]);
    expect([1, 2, 16, 17, 31].map((t) => w.hasOrganismTick(t))).toEqual([false, false, false, false, false]);
    expect(await r.organism(2)).toEqual(org(2, 1, 3));
  });
});
