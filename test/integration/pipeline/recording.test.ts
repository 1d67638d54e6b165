import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import type { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { manager, recordingConfig, waitUntil } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-rec-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function storedTicks(storage: FileSystemStorage, runId: string): Promise<{ ticks: number[]; bytes: Buffer }> {
  const ticks: number[] = [];
  const parts: Buffer[] = [];
  for await (const c of storage.readChunks(runId)) {
    ticks.push(...ticksOf(TickDataChunk.decode(c.data)));
    parts.push(Buffer.from(c.data));
  }
  return { ticks, bytes: Buffer.concat(parts) };
}

interface StoredChunk {
  readonly runId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  /** latin1, so the run id can be blanked out for comparisons across runs. */
  readonly bytes: string;
  readonly decoded: TickDataChunk;
}

async function chunksOf(storage: FileSystemStorage, runId: string): Promise<StoredChunk[]> {
  const out: StoredChunk[] = [];
  for await (const c of storage.readChunks(runId)) {
    const decoded = TickDataChunk.decode(c.data);
    out.push({
      runId,
      firstTick: Number(decoded.firstTick),
      lastTick: Number(decoded.lastTick),
      bytes: Buffer.from(c.data).toString('latin1'),
      decoded,
    });
  }
  return out;
}

/** Every stored tick's full state (cells and organisms), as comparable strings, in tick order. */
function statesOf(chunks: readonly StoredChunk[]): string[] {
  const out: string[] = [];
  for (const c of chunks)
    for (const t of ticksOf(c.decoded)) {
      const r = reconstructTick(c.decoded, t);
      const organisms = r.organisms.map((o) => Buffer.from(OrganismState.encode(o).finish()).toString('base64'));
      out.push(
        JSON.stringify([
          t,
          r.totalOrganismsCreated,
          Array.from(r.cells.flatIndices),
          Array.from(r.cells.molecules),
          Array.from(r.cells.owners),
          organisms,
        ]),
      );
    }
  return out;
}

/** Runs the recording pipeline until the engine reached maxTicks, then stops everything. */
async function record(
  opts: Parameters<typeof recordingConfig>[1],
): Promise<{ runId: string; ticks: number[]; bytes: Buffer; emitted: readonly number[]; storage: FileSystemStorage }> {
  sm = await manager(recordingConfig(dir, opts));
  await sm.startAll();
  const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
  engine.recordEmittedTicks = true;
  await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 60_000, 'engine to finish');
  await sm.stopAll();
  const storage = sm.resource('tick-storage') as FileSystemStorage;
  const runId = engine.simulationRunId;
  const { ticks, bytes } = await storedTicks(storage, runId);
  return { runId, ticks, bytes, emitted: engine.emittedChunkTicks, storage };
}

describe('engine → tick queue → persistence → storage', () => {
  it('stores every sampled tick exactly once, with metadata', async () => {
    const r = await record({ engine: { maxTicks: 120 } });
    // 6 samples per chunk: ticks 0..119 fill 20 chunks; tick 120 (the last) goes out as a one-sample chunk.
    expect(r.ticks).toEqual(Array.from({ length: 121 }, (_, i) => i));
    expect(r.emitted).toHaveLength(21);
    const meta = await r.storage.readMetadata(r.runId);
    expect(meta.worldShape).toEqual([64, 64]);
    expect(meta.programs).toHaveLength(1);
    expect(r.runId).toMatch(/^\d{8}-\d{8}-[0-9a-f-]{36}$/);
    const m = sm!.serviceStatus('persistence-1').metrics;
    expect(m.ticks_written).toBe(121);
    expect(sm!.serviceStatus('simulation-engine').metrics.last_partial_chunk_samples).toBe(1);
    expect(m.duplicate_ticks_detected).toBe(0);
    // The main thread's time writing the organism deltas the worker left to it is a metric (a tiny run rounds to 0).
    expect(Number(sm!.serviceStatus('simulation-engine').metrics.chunk_assembly_ms)).toBeGreaterThanOrEqual(0);
  });

  it('with sampling every 3rd tick stores exactly the sampled ticks', async () => {
    const r = await record({ engine: { maxTicks: 100, samplingInterval: 3 } });
    // Ticks 0,3,...,99: 34 samples, 5 chunks of 6 and a last one of 4.
    expect(r.ticks).toEqual(Array.from({ length: 34 }, (_, i) => i * 3));
  });

  for (const consumers of [2, 3]) {
    it(`${consumers} competing consumers store every tick exactly once`, async () => {
      const r = await record({ consumers, maxBatchSize: 2, engine: { maxTicks: 240 } });
      expect(r.ticks).toEqual(Array.from({ length: 241 }, (_, i) => i));
      let total = 0;
      for (let i = 1; i <= consumers; i++)
        total += sm!.serviceStatus(`persistence-${i}`).metrics.ticks_written as number;
      expect(total).toBe(241);
    });
  }

  it('is deterministic: 1 vs 3 consumers and batch sizes 1 vs 100 store byte-identical chunk streams', async () => {
    const a = await record({ consumers: 1, maxBatchSize: 1, engine: { maxTicks: 150 } });
    await sm!.shutdown();
    sm = undefined;
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'evo-rec-'));
    const b = await record({ consumers: 3, maxBatchSize: 100, engine: { maxTicks: 150 } });
    expect(a.ticks).toEqual(b.ticks);
    expect(a.bytes.length).toBeGreaterThan(0);
    // Run ids differ between runs and are part of every chunk: compare with the id blanked out.
    const strip = (buf: Buffer, id: string) => buf.toString('latin1').split(id).join('#');
    expect(strip(b.bytes, b.runId)).toBe(strip(a.bytes, a.runId));
  });

  it('is deterministic across thread counts: 1 vs 2 planning threads store byte-identical chunk streams', async () => {
    // 24 replicators with every plugin in a 256×128 world; every tick through the plan workers.
    // Two threads asked for as runtime.threads (the name a reader of the runtime block looks for).
    const engine = (threads: number) => ({
      maxTicks: 400,
      runtime: { threads },
      minOrganismsPerThread: 1,
      environment: { shape: [256, 128], topology: 'TORUS' },
      organisms: [
        {
          program: 'assembly/replicator.evo',
          energy: 100000,
          positions: Array.from({ length: 24 }, (_, k) => [(k % 2) * 128 + 2, Math.floor(k / 2) * 10 + 3]),
        },
      ],
    });
    const a = await record({ engine: engine(1) });
    expect(sm!.serviceStatus('simulation-engine').metrics.plan_threads).toBe(1);
    await sm!.shutdown();
    sm = undefined;
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'evo-rec-'));
    const b = await record({ engine: engine(2) });
    expect(sm!.serviceStatus('simulation-engine').metrics.plan_threads).toBe(2);
    expect(a.ticks).toEqual(b.ticks);
    expect(a.ticks.at(-1)).toBe(400);
    const strip = (buf: Buffer, id: string) => buf.toString('latin1').split(id).join('#');
    expect(strip(b.bytes, b.runId)).toBe(strip(a.bytes, a.runId));
  });

  it('pausing the engine pauses the simulation; auto-pause stops at a configured tick', async () => {
    sm = await manager(recordingConfig(dir, { engine: { pauseTicks: [30] } }));
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'PAUSED', 60_000, 'auto-pause');
    const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
    await waitUntil(() => engine.metrics().current_tick === 30, 10_000, 'stats at tick 30');
    expect(engine.metrics().auto_paused_at_tick).toBe(30);
    sm.resume('simulation-engine');
    await waitUntil(() => (engine.metrics().current_tick as number) > 40, 30_000, 'progress after resume');
    sm.pause('simulation-engine');
    await sm.stopAll();
    expect(sm.stateOf('simulation-engine')).toBe('STOPPED');
  });

  const resumeCases: Array<[string, number, Record<string, unknown>]> = [
    ['builtin counter, default plugins', 1, {}],
    [
      'replicator with births, deaths and plugins',
      20,
      {
        organisms: [{ program: 'assembly/replicator.evo', energy: 60000, positions: [[10, 10]] }],
        environment: { shape: [96, 96], topology: 'TORUS' },
      },
    ],
  ];
  for (const [name, scale, engine] of resumeCases) {
    it(`a resumed run equals the uninterrupted one (${name})`, async () => {
      const full = await record({ engine: { maxTicks: 150 * scale, ...engine } });
      const fullChunks = await chunksOf(full.storage, full.runId);
      await sm!.shutdown();
      sm = undefined;
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'evo-rec-'));

      // Stopped mid-chunk: the first run stores every tick up to its last, the last chunk being a short one.
      const stopAt = 80 * scale + 2;
      expect((stopAt + 1) % 6).not.toBe(0);
      const first = await record({ engine: { maxTicks: stopAt, ...engine } });
      expect(first.ticks).toEqual(Array.from({ length: stopAt + 1 }, (_, i) => i));
      await sm!.shutdown();
      sm = undefined;
      const resumed = await record({ engine: { maxTicks: 150 * scale, ...engine, resume: { runId: first.runId } } });
      expect(resumed.runId).toBe(first.runId);
      expect(resumed.ticks).toEqual(full.ticks);
      const resumedChunks = await chunksOf(resumed.storage, resumed.runId);
      // Every tick rebuilds to the same state as in the uninterrupted run.
      const fullStates = statesOf(fullChunks);
      const resumedStates = statesOf(resumedChunks);
      expect(resumedStates.length).toBe(fullStates.length);
      for (let i = 0; i < fullStates.length; i++) expect(resumedStates[i]).toBe(fullStates[i]);
      // Byte for byte, only the chunk the stop split differs: [a..stopAt] + [stopAt+1..b] instead of [a..b].
      const split = fullChunks.find((c) => c.firstTick <= stopAt && stopAt < c.lastTick)!;
      const outside = (cs: StoredChunk[]) =>
        cs
          .filter((c) => c.lastTick < split.firstTick || c.firstTick > split.lastTick)
          .map((c) => c.bytes.split(c.runId).join('#'));
      expect(outside(resumedChunks)).toEqual(outside(fullChunks));
      expect(resumedChunks.length).toBe(fullChunks.length + 1);
    });
  }

  it('a fork at a stored tick equals the original run from that tick; with a new seed it diverges', async () => {
    const engine = {
      organisms: [{ program: 'assembly/replicator.evo', energy: 60000, positions: [[10, 10]] }],
      environment: { shape: [96, 96], topology: 'TORUS' },
    };
    const full = await record({ engine: { maxTicks: 2400, ...engine } });
    const fullStates = statesOf(await chunksOf(full.storage, full.runId));
    await sm!.shutdown();
    sm = undefined;
    // Tick 1501 is inside a chunk (6 samples per chunk), so the fork replays from that chunk's snapshot.
    const at = 1501;
    const fork = await record({ engine: { maxTicks: 2400, ...engine, fork: { runId: full.runId, tick: at } } });
    expect(fork.runId).not.toBe(full.runId);
    expect(fork.ticks).toEqual(Array.from({ length: 2400 - at + 1 }, (_, i) => at + i));
    const forkStates = statesOf(await chunksOf(fork.storage, fork.runId));
    expect(forkStates).toEqual(fullStates.slice(at));
    const meta = await fork.storage.readMetadata(fork.runId);
    expect(meta.forkedFromRunId).toBe(full.runId);
    expect(Number(meta.forkedAtTick)).toBe(at);
    expect(meta.programs.length).toBe(1);
    expect(meta.provenance?.configSha256).toMatch(/^[0-9a-f]{64}$/);
    await sm!.shutdown();
    sm = undefined;

    // At a chunk's first tick (a snapshot), too.
    const atBoundary = await record({ engine: { maxTicks: 1600, ...engine, fork: { runId: full.runId, tick: 1500 } } });
    expect(statesOf(await chunksOf(atBoundary.storage, atBoundary.runId))).toEqual(fullStates.slice(1500, 1601));
    await sm!.shutdown();
    sm = undefined;

    // A new seed and a changed option: the same state at the fork tick, then another history.
    const changes = { runId: full.runId, tick: at, seed: '12345', runtime: { organism: { maxEnergy: '50000' } } };
    const changed = await record({ engine: { maxTicks: 2400, ...engine, fork: changes } });
    const changedStates = statesOf(await chunksOf(changed.storage, changed.runId));
    expect(changedStates[0]).toBe(fullStates[at]);
    expect(changedStates.at(-1)).not.toBe(fullStates.at(-1));
    const config = JSON.parse(
      Buffer.from((await changed.storage.readMetadata(changed.runId)).resolvedConfigJson).toString(),
    );
    expect(config.runtime.organism.maxEnergy).toBe(50000);
    expect(config.runtime.seed).toBe('12345');
    await sm!.shutdown();
    sm = undefined;

    // The changed fork stopped early and resumed continues as the changed fork did (its snapshots hold its options).
    const early = await record({ engine: { maxTicks: 2000, ...engine, fork: changes } });
    await sm!.shutdown();
    sm = undefined;
    const resumed = await record({ engine: { maxTicks: 2400, ...engine, resume: { runId: early.runId } } });
    expect(statesOf(await chunksOf(resumed.storage, resumed.runId))).toEqual(changedStates);
  });

  it('a fork at a tick the run does not hold fails with FORK_FAILED and names the stored range', async () => {
    const full = await record({ engine: { maxTicks: 50 } });
    await sm!.shutdown();
    sm = undefined;
    sm = await manager(recordingConfig(dir, { engine: { fork: { runId: full.runId, tick: 500 } } }));
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'ERROR', 30_000, 'engine to fail');
    const status = sm.serviceStatus('simulation-engine');
    const text = JSON.stringify(status);
    expect(text).toContain('FORK_FAILED');
    expect(text).toContain('0..50');
  });

  it('graceful shutdown writes every tick still in the queue', async () => {
    sm = await manager(recordingConfig(dir, { queueCapacity: 1000, maxBatchSize: 3 }));
    await sm.startAll();
    const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
    engine.recordEmittedTicks = true;
    sm.pause('persistence-1');
    const queue = sm.resource('tick-queue')!;
    await waitUntil(() => (queue.metrics().current_size as number) >= 20, 60_000, 'chunks to pile up in the queue');
    await sm.stopAll();
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const { ticks } = await storedTicks(storage, engine.simulationRunId);
    expect(engine.emittedChunkTicks.length).toBeGreaterThanOrEqual(20);
    // Every sampled tick, up to the one the engine stopped at (its unfinished chunk included).
    const sampled = engine.metrics().sampled_ticks as number;
    expect(ticks).toEqual(Array.from({ length: sampled }, (_, i) => i));
    expect(queue.metrics().current_size).toBe(0);
  });
});
