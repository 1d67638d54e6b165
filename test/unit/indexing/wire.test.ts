import { describe, expect, it } from 'vitest';
import { OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { cellsOnlyChunk, organismSamples } from '../../../src/pipeline/resources/index-db/wire.js';

const cells = (n: number) => ({ flatIndices: new Uint8Array(4 * n).fill(1), molecules: new Uint8Array(4 * n).fill(2), owners: new Uint8Array(4 * n).fill(3) });
const org = (id: number, energy: number) => ({ organismId: id, energy, programId: 'p', registers: [{ scalar: 5 }, { vector: { components: [1, -1] } }], genomeHash: 'g' });

const encoded = TickDataChunk.encode({
  simulationRunId: 'run-1',
  firstTick: 1_000_000_000_123,
  lastTick: 1_000_000_000_125,
  tickCount: 3,
  snapshot: { simulationRunId: 'run-1', tickNumber: 1_000_000_000_123, organisms: [org(1, 10), org(2, 20)], cells: cells(5), rngState: new Uint8Array([9, 9]), pluginStates: [{ pluginName: 'x', state: new Uint8Array([1]) }], totalOrganismsCreated: 2, runtimeCheckpoint: new Uint8Array(100).fill(7) },
  deltas: [
    { tickNumber: 1_000_000_000_124, deltaType: 1, changedCells: cells(1), organisms: [org(1, 11)], totalOrganismsCreated: 2 },
    { tickNumber: 1_000_000_000_125, deltaType: 2, changedCells: cells(2), organisms: [], totalOrganismsCreated: 3 },
  ],
}).finish();

describe('wire-level chunk views', () => {
  it('keeps exactly the cell data and tick numbers of every sample', () => {
    const slim = cellsOnlyChunk(encoded);
    expect(slim.length).toBeLessThan(encoded.length);
    const full = TickDataChunk.decode(encoded);
    const c = TickDataChunk.decode(slim);
    expect(c.simulationRunId).toBe('run-1');
    expect(Number(c.firstTick)).toBe(1_000_000_000_123);
    expect(c.snapshot!.organisms).toEqual([]);
    expect(c.snapshot!.rngState!.length).toBe(0);
    expect(c.snapshot!.pluginStates).toEqual([]);
    expect(c.snapshot!.runtimeCheckpoint!.length).toBe(0);
    expect([...c.snapshot!.cells!.molecules!]).toEqual([...full.snapshot!.cells!.molecules!]);
    expect(Number(c.snapshot!.totalOrganismsCreated)).toBe(2);
    expect(c.deltas.map((d) => [Number(d.tickNumber), d.deltaType, d.changedCells!.flatIndices!.length, d.organisms.length, Number(d.totalOrganismsCreated)])).toEqual([
      [1_000_000_000_124, 1, 4, 0, 2],
      [1_000_000_000_125, 2, 8, 0, 3],
    ]);
  });

  it('lists every sample with its organisms as the engine encoded them', () => {
    const samples = organismSamples(encoded);
    expect(samples.map((s) => s.tick)).toEqual([1_000_000_000_123, 1_000_000_000_124, 1_000_000_000_125]);
    expect(samples.map((s) => s.organisms.map((o) => OrganismState.decode(o).energy))).toEqual([[10, 20], [11], []]);
    expect(OrganismState.decode(samples[0]!.organisms[0]!).registers[1]!.vector!.components).toEqual([1, -1]);
  });

  it('rejects truncated input', () => {
    expect(() => cellsOnlyChunk(encoded.subarray(0, encoded.length - 3))).toThrow(RangeError);
  });
});
