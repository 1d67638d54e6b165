/**
 * PostgresIndexDatabase against a real PostgreSQL started by the harness: it answers exactly like the SQLite
 * index for the same writes, upserts are idempotent, and several "processes" (separate pools) writing the
 * same run concurrently end with one consistent database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  EnvironmentChunkRow,
  OrganismRow,
  OrganismTickRow,
  RunIndexReader,
  RunIndexWriter,
} from '../../src/pipeline/api/index-database.js';
import {
  PostgresIndexDatabase,
  schemaNameOf,
  type PostgresRunIndex,
} from '../../src/pipeline/resources/postgres/postgres-index-database.js';
import {
  SqliteIndexDatabase,
  type SqliteRunIndex,
} from '../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { encodeOrganismBlob } from '../../src/pipeline/api/index-blobs.js';
import { OrganismState } from '../../src/pipeline/contracts/index.js';
import { startPostgres, type PostgresServer } from './harness/postgres.js';
import { stopAllStarted } from './harness/proc.js';

let dir: string;
let server: PostgresServer;
const dbs: PostgresIndexDatabase[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-pgidx-'));
  server = await startPostgres(dir);
});

afterAll(async () => {
  for (const d of dbs) await d.close();
  await server?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

async function pgdb(maxConnections = 4): Promise<PostgresIndexDatabase> {
  const d = await PostgresIndexDatabase.create('idx', {
    connectionString: server.url,
    registrySchema: 'evochora',
    maxConnections,
    connectTimeoutMs: 20_000,
    statementTimeoutMs: 30_000,
  });
  dbs.push(d);
  return d;
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function chunkRows(from: number, to: number): EnvironmentChunkRow[] {
  const out: EnvironmentChunkRow[] = [];
  for (let i = from; i < to; i++)
    out.push({ firstTick: i * 6, lastTick: i * 6 + 5, tickCount: 6, data: bytes(40 + i, i) });
  return out;
}

function orgs(ids: number[]): OrganismRow[] {
  return ids.map((id) => ({
    organismId: id,
    parentId: id <= 2 ? null : id - 2,
    birthTick: id * 10,
    programId: `p${id % 3}`,
    initialPosition: [id, id + 1],
    genomeHash: `h${id}`,
  }));
}

function orgTicks(ticks: number[]): OrganismTickRow[] {
  // Tick 4 holds real states (the organism briefs decode them); the others opaque bytes.
  const states = [
    OrganismState.create({ organismId: 3, parentId: -1, birthTick: 2, energy: 77, ip: { components: [1, 2] } }),
    OrganismState.create({ organismId: 5, parentId: 3, isDead: true, deathTick: 4, genomeHash: 'ab12' }),
  ];
  return ticks.map((t) => ({
    tick: t,
    organismCount: t % 7,
    aliveCount: t % 5,
    data: t === 4 ? encodeOrganismBlob(states) : bytes(20, t),
  }));
}

async function writeAll(w: RunIndexWriter, runId: string): Promise<void> {
  await w.upsertMetadata({
    runId,
    startTimeMs: 1234,
    samplingInterval: 1,
    worldShape: [64, 32],
    toroidal: true,
    simulationMetadata: bytes(100, 3),
  });
  await w.upsertEnvironmentChunks(chunkRows(0, 30));
  await w.upsertOrganismTicks(orgTicks([0, 1, 2, 3, 4, 5]), orgs([1, 2, 3, 4, 5, 6, 7]));
}

async function answers(r: RunIndexReader): Promise<unknown> {
  return {
    metadata: await r.metadata(),
    env: await r.environmentTickRange(),
    org: await r.organismTickRange(),
    at: await Promise.all([0, 5, 6, 77, 179, 500].map((t) => r.environmentChunkContaining(t))),
    ranges: await r.environmentChunkRanges(),
    tick3: await r.organismTick(3),
    none: await r.organismTick(99),
    briefs4: await r.organismBriefs(4),
    briefsNone: await r.organismBriefs(99),
    o5: await r.organism(5),
    some: (await r.organisms([1, 3, 99, 7])).sort((a, b) => a.organismId - b.organismId),
    lineage: await r.lineage(7, 10),
    lineage1: await r.lineage(7, 1),
    created: await Promise.all([0, 10, 35, 1000].map((t) => r.organismsCreatedUpTo(t))),
  };
}

describe('PostgresIndexDatabase on PostgreSQL', () => {
  it('answers exactly like the SQLite index for the same writes (one schema per run)', async () => {
    const pgIdx = await pgdb();
    const lite = new SqliteIndexDatabase('lite', { directory: join(dir, 'sqlite') });
    const runId = '20260101-12000000-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    await writeAll(await pgIdx.writer(runId), runId);
    await writeAll(await lite.writer(runId), runId);
    expect(await answers((await pgIdx.reader(runId))!)).toEqual(await answers((await lite.reader(runId))!));
    const briefs = await (await pgIdx.reader(runId))!.organismBriefs(4);
    expect(briefs?.map((b) => [b.organismId, b.parentId, b.energy, b.ip?.components, b.isDead, b.genomeHash])).toEqual([
      [3, -1, 77, [1, 2], false, ''],
      [5, 3, 0, undefined, true, 'ab12'],
    ]);
    expect(await (lite.openWriter(runId) as SqliteRunIndex).dump()).toEqual(
      await ((await pgIdx.reader(runId)) as PostgresRunIndex).dump(),
    );
    expect(await pgIdx.listRuns()).toContain(runId);
    expect(await pgIdx.reader('never-indexed')).toBeUndefined();
    const schemas = await pgIdx.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = $1`, [
      schemaNameOf(runId),
    ]);
    expect(schemas).toHaveLength(1);
    await lite.close();
  });

  it('upserts are idempotent: writing everything again changes nothing', async () => {
    const d = await pgdb();
    const runId = 'idempotent-run';
    const w = await d.writer(runId);
    await writeAll(w, runId);
    const before = await (w as PostgresRunIndex).dump();
    await writeAll(w, runId);
    await w.upsertEnvironmentChunks(chunkRows(10, 20));
    expect(await (w as PostgresRunIndex).dump()).toEqual(before);
  });

  it('several processes (separate pools) writing one run concurrently end with one complete, consistent database', async () => {
    const writers = await Promise.all([pgdb(3), pgdb(3), pgdb(3), pgdb(3)]);
    const runId = 'concurrent-run';
    // Every "process" creates the schema at the same time, then writes overlapping ranges in different orders.
    const ws = await Promise.all(writers.map((d) => d.writer(runId)));
    await Promise.all(
      ws.map(async (w, k) => {
        for (let round = 0; round < 5; round++) {
          const from = ((k + round) % 4) * 25;
          await Promise.all([
            w.upsertEnvironmentChunks(chunkRows(from, from + 40).reverse()),
            w.upsertOrganismTicks(
              orgTicks(Array.from({ length: 40 }, (_, i) => from + i)),
              orgs(Array.from({ length: 30 }, (_, i) => from + i + 1)).reverse(),
            ),
          ]);
        }
      }),
    );
    const single = await pgdb();
    const ref = await single.writer('reference-run');
    await ref.upsertEnvironmentChunks(chunkRows(0, 115));
    await ref.upsertOrganismTicks(
      orgTicks(Array.from({ length: 115 }, (_, i) => i)),
      orgs(Array.from({ length: 105 }, (_, i) => i + 1)),
    );
    const a = await ((await single.reader(runId)) as PostgresRunIndex).dump();
    const b = await (ref as PostgresRunIndex).dump();
    expect(a.environment_chunks).toEqual(b.environment_chunks);
    expect(a.organism_ticks).toEqual(b.organism_ticks);
    expect(a.organisms).toEqual(b.organisms);
    expect((await single.listRuns()).filter((r) => r === runId)).toHaveLength(1);
  });

  it('long run ids get a hashed schema name within the 63-byte limit', () => {
    const long = `r${'x'.repeat(150)}`;
    const s = schemaNameOf(long);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(63);
    expect(schemaNameOf(long)).toBe(s);
    expect(schemaNameOf('short-id')).toBe('run_short-id');
  });
});
