import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TickDataChunk, type OrganismState } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import type { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { VisualizerService } from '../../../src/visualizer/visualizer-service.js';
import { restoreCheckpoint, type Checkpoint } from '../../../src/runtime/index.js';
import {
  indexEnvironmentBatch,
  indexMetadata,
  indexOrganismBatch,
} from '../../../src/pipeline/services/indexers/index-operations.js';
import { indexingConfig, manager, recordAndIndex } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-idx-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function storedSamples(
  storage: FileSystemStorage,
  runId: string,
): Promise<Map<number, { chunk: TickDataChunk }>> {
  const out = new Map<number, { chunk: TickDataChunk }>();
  for await (const c of storage.readChunks(runId)) {
    const chunk = TickDataChunk.decode(c.data);
    for (const t of ticksOf(chunk)) out.set(t, { chunk });
  }
  return out;
}

describe('indexers on a real recorded run', () => {
  it('makes every stored tick queryable with the cells and organisms that were recorded', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 90 } }));
    const { runId, db } = await recordAndIndex(sm);
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const samples = await storedSamples(storage, runId);
    expect(samples.size).toBe(91);
    const vis = new VisualizerService(db);
    const ticks = await vis.ticks(runId);
    expect(ticks).toMatchObject({ minTick: 0, maxTick: 90 });
    for (const [tick, { chunk }] of samples) {
      const expected = reconstructTick(chunk, tick);
      const env = await vis.environment(runId, tick, undefined, false);
      expect(Array.from(env.cells.cells.flatIndices)).toEqual(Array.from(expected.cells.flatIndices));
      expect(Array.from(env.cells.cells.molecules)).toEqual(Array.from(expected.cells.molecules));
      expect(Array.from(env.cells.cells.owners)).toEqual(Array.from(expected.cells.owners));
      const orgs = (await vis.organismsAt(runId, tick)) as {
        organisms: Array<{ organismId: number; energy: number; ip: number[] }>;
      };
      expect(orgs.organisms.map((o) => [o.organismId, o.energy, o.ip])).toEqual(
        expected.organisms.map((o) => [o.organismId, o.energy, o.ip?.components]),
      );
    }
    const meta = (await vis.metadata(runId)) as { environment: { shape: number[] }; programs: unknown[] };
    expect(meta.environment.shape).toEqual([64, 64]);
    expect(meta.programs).toHaveLength(1);
    expect(sm.serviceStatus('environment-indexer-1').metrics.error_count).toBe(0);
    expect(sm.serviceStatus('organism-indexer-1').metrics.error_count).toBe(0);
  }, 90_000);

  it('equals what the runtime had: replaying the checkpoint of a snapshot reproduces the indexed ticks', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 30 } }));
    const { runId, db } = await recordAndIndex(sm);
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const vis = new VisualizerService(db);
    let first: TickDataChunk | undefined;
    for await (const c of storage.readChunks(runId)) {
      first = TickDataChunk.decode(c.data);
      break;
    }
    const cp = JSON.parse(Buffer.from(first!.snapshot!.runtimeCheckpoint!).toString('utf8')) as Checkpoint;
    // The checkpoint leaves the cells to the snapshot; from there on the runtime computes every tick itself.
    const snap = reconstructTick(first!, Number(first!.snapshot!.tickNumber));
    const dense = (values: Int32Array): string => {
      const d = new Int32Array(64 * 64);
      snap.cells.flatIndices.forEach((idx, i) => (d[idx] = values[i]!));
      return Buffer.from(d.buffer).toString('base64');
    };
    cp.cells = dense(snap.cells.molecules);
    cp.owners = dense(snap.cells.owners);
    const sim = restoreCheckpoint(cp);
    const [W, H] = [64, 64];
    let compared = 0;
    for (let step = 0; step < 12; step++) {
      const tick = sim.tick;
      const env = await vis
        .environment(runId, tick, { min: [0, 0], max: [W - 1, H - 1] }, false)
        .catch(() => undefined);
      if (env) {
        const cells = new Int32Array(W * H);
        const owners = new Int32Array(W * H);
        env.cells.cells.flatIndices.forEach((idx, i) => {
          cells[idx] = env.cells.cells.molecules[i]!;
          owners[idx] = env.cells.cells.owners[i]!;
        });
        expect(Array.from(cells)).toEqual(Array.from(sim.world.cells));
        expect(Array.from(owners)).toEqual(Array.from(sim.world.owners));
        const orgs = (await vis.organismsAt(runId, tick)) as {
          organisms: Array<{ organismId: number; energy: number; ip: number[]; dv: number[] }>;
        };
        const live = sim.organisms.map((o) => [o.id, o.er, Array.from(o.ip), Array.from(o.dv)]);
        expect(
          orgs.organisms
            .filter((o) => live.some((l) => l[0] === o.organismId))
            .map((o) => [o.organismId, o.energy, o.ip, o.dv]),
        ).toEqual(live);
        const d = (await vis.organismDetails(runId, tick, sim.organisms[0]!.id)) as {
          state: { registers: Array<{ registers: Array<{ value: { raw?: number; vector?: number[] } | null }> }> };
        };
        const dr = d.state.registers[0]!.registers.map((r) => r.value?.raw ?? r.value?.vector);
        const o = sim.organisms[0]!;
        expect(dr).toEqual(
          Array.from({ length: 8 }, (_, i) =>
            o.regIsVec[i] ? Array.from(o.regVec.subarray(i * 2, i * 2 + 2)) : o.regScalar[i],
          ),
        );
        compared++;
      }
      sim.step();
    }
    expect(compared).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('with sampling every 3rd tick indexes exactly the sampled ticks; other ticks are 404s', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 60, samplingInterval: 3 } }));
    const { runId, db } = await recordAndIndex(sm);
    const vis = new VisualizerService(db);
    expect(await vis.ticks(runId)).toMatchObject({ minTick: 0, maxTick: 60, samplingInterval: 3 });
    for (let t = 0; t <= 60; t++) {
      if (t % 3 === 0) {
        expect((await vis.environment(runId, t, undefined, false)).cells.cells.flatIndices.length).toBeGreaterThan(0);
        expect(((await vis.organismsAt(runId, t)) as { organisms: unknown[] }).organisms.length).toBeGreaterThan(0);
        expect(await vis.organismDetails(runId, t, 1)).toMatchObject({ tick: t, organismId: 1 });
        await expect(vis.organismDetails(runId, t, 999)).rejects.toMatchObject({ code: 'ORGANISM_NOT_FOUND' });
      } else {
        await expect(vis.environment(runId, t, undefined, false)).rejects.toMatchObject({ code: 'TICK_NOT_FOUND' });
        await expect(vis.organismsAt(runId, t)).rejects.toMatchObject({ code: 'TICK_NOT_FOUND' });
        await expect(vis.organismDetails(runId, t, 1)).rejects.toMatchObject({ code: 'TICK_NOT_FOUND' });
      }
    }
  }, 60_000);

  it('two competing indexers per group build the same database as one', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 72 }, indexers: 2, maxBatchSize: 1 }));
    const { runId, db } = await recordAndIndex(sm);
    const two = db.openWriter(runId).dump();
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const share = ['environment-indexer-1', 'environment-indexer-2'].map(
      (n) => sm!.serviceStatus(n).metrics.notifications_processed as number,
    );
    expect(share[0]! + share[1]!).toBe((await storage.listBatches(runId)).length);
    const fresh = new SqliteIndexDatabase('fresh', { directory: join(dir, 'fresh') });
    await indexMetadata(storage, fresh, runId);
    for (const b of await storage.listBatches(runId)) {
      await indexEnvironmentBatch(storage, fresh, runId, b.key);
      await indexOrganismBatch(storage, fresh, runId, b.key);
    }
    expect(fresh.openWriter(runId).dump()).toEqual(two);
    await fresh.close();
  }, 60_000);

  it('duplicate delivery and re-indexing leave an identical database', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 60 } }));
    const { runId, db } = await recordAndIndex(sm);
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const before = db.openWriter(runId).dump();
    // Redeliver every notification: publish each stored batch again and let the indexers run.
    const topic = sm.resource('batch-topic') as unknown as { publish(p: unknown): void; backlog(g: string): number };
    for (const b of await storage.listBatches(runId))
      topic.publish({
        simulationRunId: runId,
        storageKey: b.key,
        tickStart: b.firstTick,
        tickEnd: b.lastTick,
        tickCount: 0,
      });
    const { waitUntil } = await import('./helpers.js');
    await waitUntil(
      () => topic.backlog('environment') === 0 && topic.backlog('organism') === 0,
      30_000,
      'redelivery to be indexed',
    );
    expect(db.openWriter(runId).dump()).toEqual(before);
    // Re-index from storage into a fresh directory: the same rows.
    const fresh = new SqliteIndexDatabase('fresh', { directory: join(dir, 'fresh') });
    await indexMetadata(storage, fresh, runId);
    for (const b of [...(await storage.listBatches(runId))].reverse()) {
      await indexOrganismBatch(storage, fresh, runId, b.key);
      await indexEnvironmentBatch(storage, fresh, runId, b.key);
    }
    const again = fresh.openWriter(runId).dump();
    expect(again).toEqual(before);
    await fresh.close();
  }, 60_000);
});

export type { OrganismState };
