import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { columnsToArrays } from '../../../src/pipeline/contracts/columns.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { assembleChunk } from '../../../src/pipeline/engine/chunk-assembly.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { organismState } from '../../../src/pipeline/engine/organism-encoder.js';
import { writeOrganism } from '../../../src/pipeline/engine/organism-wire.js';

const PROGRAM = ['START:', '  ADDI %DR0 DATA:1', '  PUSH %DR0', '  POP %DR1', '  JMPI START'].join('\n');

function occupiedOf(sim: Simulation): { idx: number[]; mol: number[]; own: number[] } {
  const idx: number[] = [];
  const mol: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < sim.world.size; i++) {
    const m = sim.world.cells[i]!;
    const o = sim.world.owners[i]!;
    if ((m | o) !== 0) {
      idx.push(i);
      mol.push(m);
      own.push(o);
    }
  }
  return { idx, mol, own };
}

describe('ChunkEncoder', () => {
  for (const useWire of [false, true])
    it(`every sampled tick rebuilt from its chunk equals the world at that tick (plugins changing cells, sampling every 2nd tick, ${useWire ? 'wire' : 'object'} organisms)`, () => {
      const shape = [40, 30];
      const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 3n }));
      const program = programFromArtifact(compileSourceOrThrow(PROGRAM, { world: { shape, toroidal: true } }));
      sim.placeProgram(program, [5, 5], 3000);
      sim.placeProgram(program, [20, 15], 3000);
      const enc = new ChunkEncoder(sim.world, {
        simulationRunId: 'r',
        samplesPerChunk: 7,
        accumulatedDeltaInterval: 3,
        samplingInterval: 2,
      });
      const expected = new Map<number, ReturnType<typeof occupiedOf>>();
      const chunks: TickDataChunk[] = [];
      const sample = (): void => {
        expected.set(sim.tick, occupiedOf(sim));
        const c = useWire
          ? enc.sample(
              sim.tick,
              (w, tag) => sim.organisms.forEach((o) => writeOrganism(w, tag, o)),
              sim.nextOrganismId - 1,
            )
          : enc.sample(sim.tick, sim.organisms.map(organismState), sim.nextOrganismId - 1);
        if (c) {
          const decoded = TickDataChunk.decode(c.bytes);
          // The hand-written wire format is canonical: the generated encoder writes the very same bytes.
          expect(Buffer.from(TickDataChunk.encode(decoded).finish()).equals(Buffer.from(c.bytes))).toBe(true);
          chunks.push(decoded);
        }
      };
      sample();
      for (let i = 0; i < 300; i++) {
        sim.step();
        if (sim.tick % 2 === 0) sample();
        sim.pruneDead();
      }
      expect(chunks.length).toBeGreaterThan(10);
      let checked = 0;
      for (const chunk of chunks) {
        expect(chunk.tickCount).toBe(7);
        for (const t of ticksOf(chunk)) {
          const got = reconstructTick(chunk, t);
          const want = expected.get(t)!;
          expect(Array.from(got.cells.flatIndices)).toEqual(want.idx);
          expect(Array.from(got.cells.molecules)).toEqual(want.mol);
          expect(Array.from(got.cells.owners)).toEqual(want.own);
          checked++;
        }
      }
      expect(checked).toBe(chunks.length * 7);
      // Every delta lists its cells in ascending flat index order, whatever order they were written in (the
      // stored bytes must not depend on it), and at least one delta had several cells to order.
      let ordered = 0;
      for (const chunk of chunks)
        for (const d of chunk.deltas) {
          const idx = columnsToArrays(d.changedCells).flatIndices;
          for (let k = 1; k < idx.length; k++) expect(idx[k]!).toBeGreaterThan(idx[k - 1]!);
          if (idx.length > 2) ordered++;
        }
      expect(ordered).toBeGreaterThan(0);
      // The run did change cells between samples (energy seeding, decay), so deltas were exercised.
      expect(chunks.some((c) => c.deltas.some((d) => (d.changedCells?.flatIndices?.length ?? 0) > 0))).toBe(true);
      // The samples after the last boundary come out as a shorter chunk that rebuilds like any other.
      expect(enc.pendingSamples).toBe(151 - chunks.length * 7);
      const partial = TickDataChunk.decode(enc.finishPartial()!.bytes);
      expect(ticksOf(partial)).toEqual([294, 296, 298, 300]);
      for (const t of ticksOf(partial))
        expect(Array.from(reconstructTick(partial, t).cells.flatIndices)).toEqual(expected.get(t)!.idx);
      expect(enc.finishPartial()).toBeUndefined();
    });

  it('ends chunks on the tick grid, so a run resumed after a partial chunk falls back into step', () => {
    const sim = new Simulation(resolveRuntimeOptions({ shape: [16, 16], seed: 1n, plugins: [] }));
    const bounds = (start: number, end: number): number[][] => {
      const enc = new ChunkEncoder(sim.world, {
        simulationRunId: 'r',
        samplesPerChunk: 5,
        accumulatedDeltaInterval: 2,
        samplingInterval: 3,
      });
      const out: number[][] = [];
      for (let t = start; t <= end; t += 3) {
        const c = enc.sample(t, [], 0);
        if (c) out.push([c.firstTick, c.lastTick]);
      }
      const p = enc.finishPartial();
      if (p) out.push([p.firstTick, p.lastTick]);
      return out;
    };
    expect(bounds(0, 60)).toEqual([
      [0, 12],
      [15, 27],
      [30, 42],
      [45, 57],
      [60, 60],
    ]);
    // Resumed after a partial chunk that ended at tick 33: the next chunk ends where the full run's did.
    expect(bounds(36, 60)).toEqual([
      [36, 42],
      [45, 57],
      [60, 60],
    ]);
  });

  it('ends a chunk early after an ACCUMULATED delta holding half a snapshot, and every tick still rebuilds', () => {
    // A world filled right after its snapshot (as energy seeding fills a dense world in the first tick): the
    // chunk ends at its first ACCUMULATED delta instead of repeating the filled cells in every one after it.
    const shape = [64, 64];
    const run = (fill: boolean): { bounds: number[][]; chunks: TickDataChunk[]; expected: Map<number, number[]> } => {
      const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 5n, plugins: [] }));
      const program = programFromArtifact(compileSourceOrThrow(PROGRAM, { world: { shape, toroidal: true } }));
      sim.placeProgram(program, [5, 5], 3000);
      const enc = new ChunkEncoder(sim.world, {
        simulationRunId: 'r',
        samplesPerChunk: 12,
        accumulatedDeltaInterval: 4,
        earlySnapshotMinCells: 500,
      });
      const bounds: number[][] = [];
      const chunks: TickDataChunk[] = [];
      const expected = new Map<number, number[]>();
      for (let i = 0; i <= 60; i++) {
        if (i > 0) sim.step();
        if (fill && i === 1) for (let c = 1000; c < 2500; c++) sim.world.setCell(c, 0x0200000 | (c & 0xff), 0);
        expected.set(sim.tick, occupiedOf(sim).idx);
        const c = enc.sample(sim.tick, sim.organisms.map(organismState), sim.nextOrganismId - 1);
        if (c) {
          bounds.push([c.firstTick, c.lastTick]);
          chunks.push(TickDataChunk.decode(c.bytes));
        }
        sim.pruneDead();
      }
      return { bounds, chunks, expected };
    };
    const plain = run(false);
    expect(plain.bounds).toEqual([
      [0, 11],
      [12, 23],
      [24, 35],
      [36, 47],
      [48, 59],
    ]);
    const filled = run(true);
    // The first chunk ends at its first ACCUMULATED delta (tick 4); the next one takes the filled cells into its
    // snapshot and ends on the grid again.
    expect(filled.bounds).toEqual([
      [0, 4],
      [5, 11],
      [12, 23],
      [24, 35],
      [36, 47],
      [48, 59],
    ]);
    for (const chunk of filled.chunks)
      for (const t of ticksOf(chunk))
        expect(Array.from(reconstructTick(chunk, t).cells.flatIndices), `tick ${t}`).toEqual(filled.expected.get(t));
  });

  it('ends chunks after an ACCUMULATED delta once their samples held maxChunkOrganismSamples organisms, alike for every organism source', () => {
    // Two organisms, a budget of 10 organism-samples: chunks end at the first ACCUMULATED delta (every 4th) with
    // 5 samples behind it, then on the tick grid (every 12 samples) again; with no limit, on the grid only.
    const shape = [40, 30];
    const run = (
      max: number | undefined,
      source: 'states' | 'writer' | 'deferred',
    ): { bounds: number[][]; chunks: TickDataChunk[]; expected: Map<number, number[]> } => {
      const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 3n, plugins: [] }));
      const program = programFromArtifact(compileSourceOrThrow(PROGRAM, { world: { shape, toroidal: true } }));
      sim.placeProgram(program, [5, 5], 3000);
      sim.placeProgram(program, [20, 15], 3000);
      const enc = new ChunkEncoder(sim.world, {
        simulationRunId: 'r',
        samplesPerChunk: 12,
        accumulatedDeltaInterval: 4,
        deferOrganismDeltas: source === 'deferred',
        ...(max === undefined ? {} : { maxChunkOrganismSamples: max }),
      });
      const writer = new OrganismDeltaWriter(() => sim.organisms);
      const bounds: number[][] = [];
      const chunks: TickDataChunk[] = [];
      const expected = new Map<number, number[]>();
      for (let i = 0; i <= 60; i++) {
        if (i > 0) sim.step();
        expect(sim.organisms.length).toBe(2);
        expected.set(sim.tick, occupiedOf(sim).idx);
        const c = enc.sample(
          sim.tick,
          source === 'states' ? sim.organisms.map(organismState) : writer,
          sim.nextOrganismId - 1,
        );
        if (c) {
          bounds.push([c.firstTick, c.lastTick]);
          chunks.push(TickDataChunk.decode(c.deferred ? assembleChunk(c.bytes, c.deferred) : c.bytes));
        }
      }
      return { bounds, chunks, expected };
    };
    const grid = [0, 12, 24, 36, 48].map((t) => [t, t + 11]);
    expect(run(0, 'writer').bounds).toEqual(grid);
    // The default (100,000) is far above two organisms' chunks.
    expect(run(undefined, 'states').bounds).toEqual(grid);
    const limited = [];
    for (const t of [0, 12, 24, 36, 48]) limited.push([t, t + 4], [t + 5, t + 9], [t + 10, t + 11]);
    for (const source of ['states', 'writer', 'deferred'] as const) {
      const r = run(10, source);
      expect(r.bounds, source).toEqual(limited);
      for (const chunk of r.chunks)
        for (const t of ticksOf(chunk)) {
          const tick = reconstructTick(chunk, t);
          expect(Array.from(tick.cells.flatIndices), `${source} tick ${t}`).toEqual(r.expected.get(t));
          expect(tick.organisms.map((o) => o.organismId).sort(), `${source} tick ${t}`).toEqual([1, 2]);
        }
    }
  });

  it('a snapshot of a mostly empty large world encodes only what is there', () => {
    const sim = new Simulation(resolveRuntimeOptions({ shape: [1000, 1000], seed: 1n, plugins: [] }));
    sim.world.setCell(123_456, (1 << 20) | 5, 0);
    const enc = new ChunkEncoder(sim.world, { simulationRunId: 'r', samplesPerChunk: 1, accumulatedDeltaInterval: 1 });
    const c = TickDataChunk.decode(enc.sample(0, [], 0)!.bytes);
    expect(reconstructTick(c, 0).cells.flatIndices).toEqual(Int32Array.from([123_456]));
    expect(enc.cellsEncoded).toBe(1);
  });

  it('dense and sparse worlds, with cells emptied and refilled between snapshots (each made from the one before), give canonical chunks that rebuild every sampled tick', () => {
    for (const fill of [2, 40]) {
      const sim = new Simulation(resolveRuntimeOptions({ shape: [64, 48], seed: 5n, plugins: [] }));
      let x = 99;
      const rnd = (): number => (x = (x * 1103515245 + 12345) >>> 0);
      for (let i = 0; i < sim.world.size; i++)
        if (rnd() % 100 < fill) sim.world.setCell(i, (1 << 20) | (rnd() & 0xfff), rnd() % 4);
      const enc = new ChunkEncoder(sim.world, {
        simulationRunId: 'run-ü',
        samplesPerChunk: 6,
        accumulatedDeltaInterval: 2,
      });
      enc.resetChanges();
      const expected = new Map<number, ReturnType<typeof occupiedOf>>();
      let chunks = 0;
      // Buffers of checked chunks go back to the encoder, as the engine's main thread gives them back: later chunks
      // start in them (they held older chunks' bytes, which must not show through).
      const recycled = new Set<ArrayBufferLike>();
      let reused = 0;
      for (let t = 0; t < 40; t++) {
        for (let j = 0; j < 1 + (t % 7) * 30; j++) {
          const i = rnd() % sim.world.size;
          if (rnd() % 3 === 0) sim.world.setCell(i, 0, 0);
          else sim.world.setCell(i, rnd() & 0xffff, rnd() % 4);
        }
        expected.set(t, occupiedOf(sim));
        const c = enc.sample(t, [], t);
        if (!c) continue;
        chunks++;
        const decoded = TickDataChunk.decode(c.bytes);
        expect(Buffer.from(TickDataChunk.encode(decoded).finish()).equals(Buffer.from(c.bytes))).toBe(true);
        // The chunk starts its own buffer (transferable); a reused buffer may be longer than the chunk.
        expect(c.bytes.byteOffset).toBe(0);
        expect(c.bytes.byteLength).toBeLessThanOrEqual(c.bytes.buffer.byteLength);
        if (recycled.has(c.bytes.buffer)) reused++;
        for (const tick of ticksOf(decoded)) {
          const got = reconstructTick(decoded, tick);
          const want = expected.get(tick)!;
          expect(Array.from(got.cells.flatIndices)).toEqual(want.idx);
          expect(Array.from(got.cells.molecules)).toEqual(want.mol);
          expect(Array.from(got.cells.owners)).toEqual(want.own);
        }
        // Scribbled over before it goes back: a chunk that reuses it must write every byte it holds.
        new Uint8Array(c.bytes.buffer).fill(0xa5);
        recycled.add(c.bytes.buffer);
        enc.recycleChunkBuffer(c.bytes.buffer as ArrayBuffer);
      }
      expect(chunks).toBe(6);
      expect(reused).toBeGreaterThan(0);
    }
  });
});
