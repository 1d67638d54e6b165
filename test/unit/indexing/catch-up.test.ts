import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunIndexReader } from '../../../src/pipeline/api/index-database.js';
import { OrganismState } from '../../../src/pipeline/contracts/index.js';
import type { BatchFileInfo, BatchStorageReader } from '../../../src/pipeline/api/batch-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { organismIdOf, scanOrganismFacts } from '../../../src/pipeline/contracts/chunk-fields.js';
import { isBatchIndexed, unindexedBatches } from '../../../src/pipeline/services/indexers/index-operations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-catchup-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('scanOrganismFacts', () => {
  const states = [
    {
      organismId: 1,
      energy: 5,
      programId: 'p',
      registers: [{ scalar: 5 }, { vector: { components: [1, -1] } }],
      genomeHash: 'g',
      isDead: false,
    },
    {
      organismId: 300_000,
      parentId: 7,
      birthTick: 2 ** 40,
      isDead: true,
      deathTick: 2 ** 40 + 3,
      entropyRegister: -1,
      failureReason: 'x'.repeat(200),
      lastEnergyDelta: -5,
      deathCause: 'energy',
    },
    {
      organismId: 2 ** 31 - 1,
      isDead: false,
      dataPointers: [{ components: [1, 2] }],
      callStack: [{ returnIp: { components: [3, 4] } }],
    },
    { organismId: 0 },
    { organismId: -3, isDead: true },
  ];
  for (const s of states) {
    it(`reads id and is_dead like the decoder (id ${s.organismId}, dead ${String(s.isDead ?? false)})`, () => {
      const raw = OrganismState.encode(s).finish();
      const full = OrganismState.decode(raw);
      const out = { organismId: 99, isDead: true };
      expect(scanOrganismFacts(raw, out)).toEqual({ organismId: full.organismId, isDead: full.isDead });
      expect(organismIdOf(raw, out)).toBe(full.organismId);
    });
  }
  it('throws on a truncated state instead of reading past it', () => {
    const raw = OrganismState.encode(states[1]!).finish();
    expect(() => scanOrganismFacts(raw.subarray(0, raw.length - 5), { organismId: 0, isDead: false })).toThrow(
      RangeError,
    );
  });
});

describe('which stored batches are indexed', () => {
  const batches: BatchFileInfo[] = [
    { key: 'b0', firstTick: 0, lastTick: 9, sizeBytes: 1 },
    { key: 'b1', firstTick: 10, lastTick: 19, sizeBytes: 1 },
    { key: 'b2', firstTick: 20, lastTick: 24, sizeBytes: 1 },
  ];
  const storage = { listBatches: async () => batches } as unknown as BatchStorageReader;
  const blob = new Uint8Array([1]);

  async function fill(db: SqliteIndexDatabase): Promise<void> {
    const w = db.openWriter('run');
    // b0 complete (two chunks), b1 only its first chunk (a batch is one transaction, so this means a different
    // batch layout, e.g. a split chunk after resume: it must not count as indexed), b2 nothing.
    await w.upsertEnvironmentChunks([
      { firstTick: 0, lastTick: 4, tickCount: 5, data: blob },
      { firstTick: 5, lastTick: 9, tickCount: 5, data: blob },
      { firstTick: 10, lastTick: 14, tickCount: 5, data: blob },
    ]);
    await w.upsertOrganismTicks(
      [0, 9, 10].map((tick) => ({ tick, organismCount: 0, aliveCount: 0, data: blob })),
      [],
    );
  }

  it('uses the SQLite point look-ups: first and last tick of the batch must both be indexed', async () => {
    const db = new SqliteIndexDatabase('d', { directory: dir });
    expect((await unindexedBatches(storage, db, 'run', 'environment')).map((b) => b.key)).toEqual(['b0', 'b1', 'b2']);
    await fill(db);
    expect((await unindexedBatches(storage, db, 'run', 'environment')).map((b) => b.key)).toEqual(['b1', 'b2']);
    expect((await unindexedBatches(storage, db, 'run', 'organism')).map((b) => b.key)).toEqual(['b1', 'b2']);
    await db.close();
  });

  it('a scan over many runs keeps none of their files open (3 descriptors each would run out on macOS)', async () => {
    const runs = Array.from({ length: 40 }, (_, i) => `run-${i}`);
    const setup = new SqliteIndexDatabase('d', { directory: dir });
    for (const r of runs)
      await setup.openWriter(r).upsertEnvironmentChunks([{ firstTick: 0, lastTick: 9, tickCount: 10, data: blob }]);
    await setup.close();
    const openFds = (): number => readdirSync('/proc/self/fd').length;
    const db = new SqliteIndexDatabase('d', { directory: dir });
    const before = openFds();
    for (const r of runs)
      expect((await unindexedBatches(storage, db, r, 'environment')).map((b) => b.key)).toEqual(['b1', 'b2']);
    expect(openFds()).toBe(before);
    expect(db.metrics().open_runs).toBe(0);
    // A handle that was already open (the visualizer's, an indexer's) is used and stays open.
    await db.reader('run-0');
    expect((await unindexedBatches(storage, db, 'run-0', 'environment')).map((b) => b.key)).toEqual(['b1', 'b2']);
    expect(db.metrics().open_runs).toBe(1);
    await db.close();
  });

  it('gives the same answers through the generic reader interface (other index engines)', async () => {
    const db = new SqliteIndexDatabase('d', { directory: dir });
    await fill(db);
    const full = (await db.reader('run'))!;
    // Only the RunIndexReader methods, without the SQLite look-ups.
    const generic: RunIndexReader = {
      runId: 'run',
      metadata: () => full.metadata(),
      environmentTickRange: () => full.environmentTickRange(),
      organismTickRange: () => full.organismTickRange(),
      environmentChunkContaining: (t) => full.environmentChunkContaining(t),
      environmentChunkRanges: () => full.environmentChunkRanges(),
      organismTick: (t) => full.organismTick(t),
      organismBriefs: (t) => full.organismBriefs(t),
      organismState: (t, id) => full.organismState(t, id),
      organism: (id) => full.organism(id),
      organisms: (ids) => full.organisms(ids),
      lineage: (id, d) => full.lineage(id, d),
      organismsCreatedUpTo: (t) => full.organismsCreatedUpTo(t),
    };
    for (const kind of ['environment', 'organism'] as const) {
      for (const b of batches)
        expect([kind, b.key, await isBatchIndexed(generic, kind, b)]).toEqual([
          kind,
          b.key,
          await isBatchIndexed(full, kind, b),
        ]);
      const genericDb = {
        listRuns: async () => ['run'],
        writer: () => Promise.reject(new Error('read only')),
        reader: async () => generic,
      };
      expect((await unindexedBatches(storage, genericDb, 'run', kind)).map((b) => b.key)).toEqual(['b1', 'b2']);
    }
    expect(await isBatchIndexed(generic, 'environment', batches[0]!)).toBe(true);
    expect(await isBatchIndexed(generic, 'environment', batches[1]!)).toBe(false);
    await db.close();
  });
});
