/**
 * The samples analytics measure, rebuilt from recorded chunks, against the runtime itself: per sampled tick the
 * living organisms, the births and deaths of the step and the world's cell census must be what the simulation
 * had at that tick. Then a part built from those chunks round-trips through Parquet and DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { MoleculeType, moleculeType, moleculeValue } from '../../../src/isa/molecule.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { DeltaType, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { AnalyticsSampler } from '../../../src/pipeline/analytics/analytics-samples.js';
import { AnalyticsPart } from '../../../src/pipeline/analytics/analytics-part.js';
import { writePart, analyzedBatchKeys } from '../../../src/pipeline/analytics/analytics-operations.js';
import { METRIC_PLUGINS } from '../../../src/pipeline/analytics/plugin-catalogue.js';
import { populationPlugin } from '../../../src/pipeline/analytics/plugins/population.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { AnalyzerService } from '../../../src/analyzer/analyzer-service.js';
import type { StoredChunk } from '../../../src/pipeline/api/batch-storage.js';

/** The node's default world: our replicator in 512×512, a population of ~50 with births and deaths after ~150,000 ticks. */
const shape = [512, 512];
const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
const program = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
);
/** The census is checked at every CENSUS_EVERY-th sample (a full scan of 262,144 cells each). */
const CENSUS_EVERY = 25;

interface Truth {
  alive: number;
  born: number;
  died: number;
  total: number;
  census?: { byType: number[]; energy: number; occupied: number; owned: number };
  /** Per organism present (dead ones too, until pruned), by id: energy, entropy, IP, dead. */
  vitals: string[];
}

function vitalsOf(o: { id: number; energy: number; entropy: number; ip: ArrayLike<number>; dead: boolean }): string {
  return `${o.id}: ${o.energy} ${o.entropy} ${Array.from(o.ip).join(',')} ${o.dead}`;
}

function census(sim: Simulation): NonNullable<Truth['census']> {
  const byType = new Array<number>(8).fill(0);
  let energy = 0;
  let occupied = 0;
  let owned = 0;
  const { cells, owners } = sim.world;
  for (let i = 0; i < cells.length; i++) {
    const m = cells[i]!;
    const o = owners[i]!;
    if (m === 0 && o === 0) continue;
    occupied++;
    if (o !== 0) owned++;
    if (m === 0) continue;
    byType[moleculeType(m)]!++;
    if (moleculeType(m) === MoleculeType.ENERGY) energy += moleculeValue(m);
  }
  return { byType, energy, occupied, owned };
}

/** Records `ticks` ticks after `warm`, every `interval`-th sampled; returns the chunks and the truth per tick. */
function record(warm: number, ticks: number, interval: number): { chunks: Uint8Array[]; truth: Map<number, Truth> } {
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 42n }));
  sim.placeProgram(program, [100, 100], 100_000);
  for (let i = 0; i < warm; i++) {
    sim.step();
    sim.pruneDead();
  }
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'r',
    samplesPerChunk: 40,
    accumulatedDeltaInterval: 5,
    samplingInterval: interval,
  });
  encoder.resetChanges();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const chunks: Uint8Array[] = [];
  const truth = new Map<number, Truth>();
  let birthsBefore = sim.totalBirths;
  for (let i = 0; i < ticks; i++) {
    sim.step();
    if (sim.tick % interval === 0) {
      truth.set(sim.tick, {
        alive: sim.organisms.filter((o) => !o.dead).length,
        born: sim.totalBirths - birthsBefore,
        died: sim.organisms.filter((o) => o.dead).length,
        total: sim.nextOrganismId - 1,
        census: truth.size % CENSUS_EVERY === 0 ? census(sim) : undefined,
        vitals: sim.organisms.map((o) => vitalsOf({ id: o.id, energy: o.er, entropy: o.sr, ip: o.ip, dead: o.dead })),
      });
      birthsBefore = sim.totalBirths;
      const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
      if (c) chunks.push(c.bytes);
    }
    sim.pruneDead();
  }
  const last = encoder.finishPartial();
  if (last) chunks.push(last.bytes);
  return { chunks, truth };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('analytics samples of a run sampled every 3rd tick', () => {
  const { chunks, truth } = record(150_000, 3_000, 3);
  /** Births and deaths per sample at a resolution, each checked against the runtime's organisms at that tick. */
  function events(resolution: 'every-sample' | 'snapshots'): { born: number[]; died: number[] } {
    const sampler = new AnalyticsSampler({ runId: 'r', samplingInterval: 3, worldShape: shape }, false, resolution);
    const born: number[] = [];
    const died: number[] = [];
    for (const bytes of chunks)
      sampler.walk(bytes, {
        events: (s) => {
          born.push(...s.events.born.map((o) => o.organismId));
          died.push(...s.events.died.map((o) => o.organismId));
          // Deaths at a sample are the organisms present there, dead (those that died between samples are gone).
          expect(s.events.died.length, `deaths at tick ${s.tick}`).toBe(truth.get(s.tick)!.died);
        },
      });
    return { born, died };
  }
  it('finds the same births and deaths at resolution snapshots as at every sample', () => {
    const every = events('every-sample');
    const sparse = events('snapshots');
    expect(every.born.length).toBeGreaterThan(0);
    expect(every.died.length).toBeGreaterThan(0);
    expect(sparse).toEqual(every);
  });
});

describe('analytics samples from recorded chunks', () => {
  const { chunks, truth } = record(150_000, 3_000, 1);

  /** Walks the chunks at a resolution; checks every measured sample against the runtime; returns the events. */
  function walkAndCompare(resolution: 'every-sample' | 'snapshots'): {
    measured: number;
    born: number[];
    died: number[];
  } {
    const sampler = new AnalyticsSampler({ runId: 'r', samplingInterval: 1, worldShape: shape }, true, resolution);
    let measured = 0;
    const born: number[] = [];
    const died: number[] = [];
    let pendingBorn = 0;
    let pendingDied = 0;
    let samples = 0;
    for (const bytes of chunks)
      sampler.walk(bytes, {
        sample: (s) => {
          // At every sample, measured or not: the population of the step, exactly.
          const t = truth.get(s.tick)!;
          let row: readonly unknown[] = [];
          populationPlugin.measure(s, (r) => (row = r));
          expect(row, `population at tick ${s.tick}`).toEqual([t.alive, t.born, t.died, t.total]);
          samples++;
        },
        events: (s) => {
          born.push(...s.events.born.map((o) => o.organismId));
          died.push(...s.events.died.map((o) => o.organismId));
          pendingBorn += s.events.born.length;
          pendingDied += s.events.died.length;
          // Events are reported at the sample of the step they happened in.
          const t = truth.get(s.tick)!;
          expect([s.events.born.length, s.events.died.length], `events at tick ${s.tick}`).toEqual([t.born, t.died]);
        },
        measured: (s) => {
          const t = truth.get(s.tick)!;
          // Births and deaths since the previous measured sample: the runtime's of every step since.
          expect([s.alive, s.events.born.length, s.events.died.length], `tick ${s.tick}`).toEqual([
            t.alive,
            pendingBorn,
            pendingDied,
          ]);
          pendingBorn = 0;
          pendingDied = 0;
          // Each organism's vitals as the runtime had them (measured samples rebuilt from ACCUMULATED deltas too).
          const got = s.organisms.map((o) =>
            vitalsOf({
              id: o.organismId,
              energy: o.energy,
              entropy: o.entropyRegister,
              ip: o.ip?.components ?? [],
              dead: o.isDead,
            }),
          );
          if (got.join('|') !== t.vitals.join('|')) expect(got, `organisms at tick ${s.tick}`).toEqual(t.vitals);
          const c = s.cells!;
          if (t.census)
            expect(
              [...c.cellsByType.slice(0, 7), c.energyInWorld, c.occupiedCells, c.ownedCells],
              `tick ${s.tick}`,
            ).toEqual([...t.census.byType.slice(0, 7), t.census.energy, t.census.occupied, t.census.owned]);
          measured++;
        },
      });
    expect(samples).toBe(truth.size);
    return { measured, born, died };
  }

  it('match the runtime at every sampled tick: population, births, deaths, cell census', () => {
    // In this test the truth's census is taken every CENSUS_EVERY-th sample; every-sample checks those.
    const r = walkAndCompare('every-sample');
    expect(r.measured).toBe(truth.size);
    // The stretch must hold the events this test is about.
    const t = [...truth.values()];
    expect(r.born).toHaveLength(t.reduce((n, x) => n + x.born, 0));
    expect(r.died).toHaveLength(t.reduce((n, x) => n + x.died, 0));
    expect(r.born.length).toBeGreaterThan(0);
    expect(r.died.length).toBeGreaterThan(0);
  });

  /** The cell census of every measured sample of `list`, by tick. */
  function censusAt(list: Uint8Array[], resolution: 'every-sample' | 'snapshots'): Map<number, string> {
    const sampler = new AnalyticsSampler({ runId: 'r', samplingInterval: 1, worldShape: shape }, true, resolution);
    const out = new Map<number, string>();
    for (const bytes of list)
      sampler.walk(bytes, {
        measured: (s) => {
          const c = s.cells!;
          out.set(s.tick, JSON.stringify([c.cellsByType, c.energyInWorld, c.occupiedCells, c.ownedCells]));
        },
      });
    return out;
  }

  it('at resolution snapshots: each census, from the snapshot and the cells changed since, equals the one applied sample by sample', () => {
    const every = censusAt(chunks, 'every-sample');
    const sparse = censusAt(chunks, 'snapshots');
    expect(sparse.size).toBeGreaterThan(100);
    const differing = [...sparse].filter(([tick, c]) => every.get(tick) !== c).map(([tick]) => tick);
    expect(differing).toEqual([]);
    // The stretch overwrites and empties cells the snapshot held (what the snapshot's old values are looked up for).
    expect(new Set(sparse.values()).size).toBeGreaterThan(sparse.size / 2);
  });

  it('at resolution snapshots: ACCUMULATED samples whose cells are not in ascending order give the same census', () => {
    // Every other ACCUMULATED sample with its cells listed in reverse (no writer of ours does that; a reader must
    // not depend on it): those are counted against the snapshot, and the sample after one starts from the snapshot.
    let reversed = 0;
    const shuffled = chunks.map((bytes) => {
      const chunk = TickDataChunk.decode(bytes);
      let accumulated = 0;
      for (const d of chunk.deltas) {
        const cells = d.changedCells;
        if (d.deltaType !== DeltaType.ACCUMULATED || !cells?.flatIndices || cells.flatIndices.length < 8) continue;
        if (accumulated++ % 2 === 1) continue;
        const reverse = (col: Uint8Array): Uint8Array => {
          const v = new Int32Array(col.slice().buffer).reverse();
          return new Uint8Array(v.buffer);
        };
        cells.flatIndices = reverse(cells.flatIndices);
        cells.molecules = reverse(cells.molecules!);
        cells.owners = reverse(cells.owners!);
        reversed++;
      }
      return TickDataChunk.encode(chunk).finish();
    });
    expect(reversed).toBeGreaterThan(10);
    const every = censusAt(chunks, 'every-sample');
    const sparse = censusAt(shuffled, 'snapshots');
    expect(sparse.size).toBeGreaterThan(100);
    expect([...sparse].filter(([tick, c]) => every.get(tick) !== c).map(([tick]) => tick)).toEqual([]);
  });

  it('at resolution snapshots: measured samples are exact, and every birth and death is still found', () => {
    const every = walkAndCompare('every-sample');
    const sparse = walkAndCompare('snapshots');
    // Each chunk's snapshot and ACCUMULATED samples (every 5th of 40).
    const whole = chunks.reduce(
      (n, b) => n + 1 + TickDataChunk.decode(b).deltas.filter((d) => d.deltaType === 2).length,
      0,
    );
    expect(sparse.measured).toBe(whole);
    expect(whole).toBeLessThan(truth.size / 4);
    expect(sparse.born).toEqual(every.born);
    expect(sparse.died).toEqual(every.died);
  });

  it('a part round-trips through Parquet into DuckDB views with the same numbers', async () => {
    const root = mkdtempSync(join(tmpdir(), 'evochora-analytics-'));
    dirs.push(root);
    const storage = new FileSystemStorage('t', { rootDirectory: root, compressInWorker: false });
    const part = new AnalyticsPart(
      { runId: 'run-a', samplingInterval: 1, worldShape: shape },
      METRIC_PLUGINS,
      [10, 100],
      'every-sample',
    );
    const stored: StoredChunk[] = chunks.map((data, i) => ({
      key: 'run-a/raw/b1',
      offset: i,
      simulationRunId: 'run-a',
      firstTick: 150_001 + i * 40,
      lastTick: Math.min(150_000 + (i + 1) * 40, 153_000),
      tickCount: 40,
      data,
    }));
    part.addBatch('run-a/raw/b1', stored);
    await writePart(storage, part);
    expect([...(await analyzedBatchKeys(storage, 'run-a'))]).toEqual(['run-a/raw/b1']);
    const analyzer = new AnalyzerService(storage);
    try {
      const sum = await analyzer.query('run-a', 'SELECT count(*), sum(born), sum(died), max(alive) FROM population');
      const t = [...truth.values()];
      expect(sum.rows[0]).toEqual([
        t.length,
        t.reduce((n, x) => n + x.born, 0),
        t.reduce((n, x) => n + x.died, 0),
        Math.max(...t.map((x) => x.alive)),
      ]);
      const births = await analyzer.query('run-a', 'SELECT count(*) FROM births');
      expect(births.rows[0]![0]).toBe(t.reduce((n, x) => n + x.born, 0));
      // The coarse level agrees with the fine one.
      const lod = await analyzer.query('run-a', 'SELECT sum(samples), sum(alive * samples) FROM population_lod100');
      const fine = await analyzer.query('run-a', 'SELECT count(*), sum(alive) FROM population');
      expect(lod.rows[0]![0]).toBe(fine.rows[0]![0]);
      expect(lod.rows[0]![1] as number).toBeCloseTo(fine.rows[0]![1] as number, 6);
      // The metric endpoint's level choice: 3,000 samples into 50 points needs buckets of 100.
      const m = await analyzer.metric('run-a', 'population', { points: 50 });
      expect(m.level).toBe(100);
      expect(m.columns[0]).toBe('tick');
      // Read-only: writes and foreign files are refused with codes.
      await expect(analyzer.query('run-a', "COPY population TO '/tmp/evochora-x.csv'")).rejects.toMatchObject({
        code: expect.stringMatching(/^ANALYTICS_QUERY_/),
      });
      await expect(analyzer.query('run-a', 'DROP VIEW population')).rejects.toMatchObject({
        code: 'ANALYTICS_QUERY_NOT_READ_ONLY',
      });
      await expect(analyzer.query('run-a', "SELECT * FROM read_csv('/etc/hostname')")).rejects.toMatchObject({
        code: 'ANALYTICS_QUERY_FAILED',
      });
      await expect(analyzer.query('run-a', 'SELEC 1')).rejects.toMatchObject({ code: 'ANALYTICS_QUERY_FAILED' });
      await expect(analyzer.manifest('no-such-run')).rejects.toMatchObject({ code: 'ANALYTICS_NOT_FOUND' });
      await expect(analyzer.metric('run-a', 'nope', {})).rejects.toMatchObject({ code: 'ANALYTICS_TABLE_NOT_FOUND' });
    } finally {
      analyzer.close();
    }
  }, 60_000);
});
