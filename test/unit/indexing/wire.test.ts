import { describe, expect, it } from 'vitest';
import { OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import {
  cellsOnlyChunk,
  forEachNewOrganism,
  organismsOnlyChunk,
} from '../../../src/pipeline/contracts/chunk-fields.js';
import {
  decodeEnvironmentBlob,
  decodeOrganismChunk,
  environmentBlobOfEncoded,
  environmentBlobOfEncodedByDecoding,
  organismChunkBlob,
} from '../../../src/pipeline/api/index-blobs.js';
import { resolveOptions } from '../../../src/config/resolve-options.js';
import { organismIndexerType } from '../../../src/pipeline/services/indexers/batch-indexer-types.js';

const cells = (n: number) => ({
  flatIndices: new Uint8Array(4 * n).fill(1),
  molecules: new Uint8Array(4 * n).fill(2),
  owners: new Uint8Array(4 * n).fill(3),
});
const org = (id: number, energy: number) => ({
  organismId: id,
  energy,
  programId: 'p',
  registers: [{ scalar: 5 }, { vector: { components: [1, -1] } }],
  genomeHash: 'g',
});

const encoded = TickDataChunk.encode({
  simulationRunId: 'run-1',
  firstTick: 1_000_000_000_123,
  lastTick: 1_000_000_000_125,
  tickCount: 3,
  snapshot: {
    simulationRunId: 'run-1',
    tickNumber: 1_000_000_000_123,
    organisms: [org(1, 10), org(2, 20)],
    cells: cells(5),
    rngState: new Uint8Array([9, 9]),
    pluginStates: [{ pluginName: 'x', state: new Uint8Array([1]) }],
    totalOrganismsCreated: 2,
    runtimeCheckpoint: new Uint8Array(100).fill(7),
  },
  deltas: [
    {
      tickNumber: 1_000_000_000_124,
      deltaType: 1,
      changedCells: cells(1),
      organisms: [org(1, 11)],
      totalOrganismsCreated: 2,
    },
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
    expect(
      c.deltas.map((d) => [
        Number(d.tickNumber),
        d.deltaType,
        d.changedCells!.flatIndices!.length,
        d.organisms!.length,
        Number(d.totalOrganismsCreated),
      ]),
    ).toEqual([
      [1_000_000_000_124, 1, 4, 0, 2],
      [1_000_000_000_125, 2, 8, 0, 3],
    ]);
  });

  it('keeps exactly the organisms and tick numbers of every sample, and finds the organisms new to a caller', () => {
    const slim = organismsOnlyChunk(encoded);
    const c = TickDataChunk.decode(slim);
    expect(c.snapshot!.cells).toBeNull();
    expect(c.snapshot!.runtimeCheckpoint!.length).toBe(0);
    expect((c.snapshot?.organisms ?? []).map((o) => o.energy)).toEqual([10, 20]);
    expect(
      c.deltas.map((d) => [Number(d.tickNumber), d.changedCells, (d.organisms ?? []).map((o) => o.energy)]),
    ).toEqual([
      [1_000_000_000_124, null, [11]],
      [1_000_000_000_125, null, []],
    ]);
    const seen: Array<[number, number, boolean]> = [];
    forEachNewOrganism(slim, new Set([2]), (id, raw, isDelta) =>
      seen.push([id, OrganismState.decode(raw).energy, isDelta]),
    );
    // Organism 2 is known; organism 1 is visited in the snapshot and again in the delta (the caller adds what it keeps).
    expect(seen).toEqual([
      [1, 10, false],
      [1, 11, false],
    ]);
  });

  it('compresses organism chunk blobs at the configured level; every level reads back the same', () => {
    const slim = organismsOnlyChunk(encoded).slice();
    const samples = (blob: Uint8Array) => {
      const view = decodeOrganismChunk(blob);
      return [1_000_000_000_123, 1_000_000_000_124, 1_000_000_000_125].map((t) => {
        const s = view.get(t)!;
        return [s.tick, s.organismCount, [...s.data]];
      });
    };
    const reference = samples(organismChunkBlob(slim));
    expect(reference[0]![1]).toBe(2);
    for (const level of [3, 6, 19]) expect(samples(organismChunkBlob(slim, level))).toEqual(reference);
    expect(resolveOptions(organismIndexerType.options).blobCompressionLevel).toBe(1);
    expect(() => resolveOptions(organismIndexerType.options, { blobCompressionLevel: 20 })).toThrow(
      /blobCompressionLevel = 20: expected an integer from 1 to 19/,
    );
  });

  it('rejects truncated input', () => {
    expect(() => cellsOnlyChunk(encoded.subarray(0, encoded.length - 3))).toThrow(RangeError);
  });
});

describe('environment blob on the wire', () => {
  const col = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);
  const chunkWith = (flat: number[], deltas: number[][]) =>
    TickDataChunk.encode({
      simulationRunId: 'run-2',
      firstTick: 10,
      lastTick: 10 + deltas.length,
      tickCount: deltas.length + 1,
      snapshot: {
        simulationRunId: 'run-2',
        tickNumber: 10,
        organisms: [org(1, 10)],
        cells: {
          flatIndices: col(flat),
          molecules: col(flat.map((v) => v * 7 - 3)),
          owners: col(flat.map((v) => (v % 3) - 1)),
        },
        rngState: new Uint8Array([1]),
        totalOrganismsCreated: 1,
        runtimeCheckpoint: new Uint8Array(50).fill(3),
      },
      deltas: deltas.map((d, i) => ({
        tickNumber: 11 + i,
        deltaType: i % 2 ? 2 : 1,
        changedCells: { flatIndices: col(d), molecules: col(d.map((v) => -v)), owners: col(d.map(() => 0)) },
        organisms: [org(1, 9 - i)],
        totalOrganismsCreated: 1,
      })),
    }).finish();
  const cases: Array<[string, Uint8Array]> = [
    [
      'ascending snapshot indices (delta-coded)',
      chunkWith([1, 5, 6, 900, 70_000, 2 ** 30], [[5, 1], [], [2 ** 31 - 1, -4]]),
    ],
    ['unsorted snapshot indices', chunkWith([9, 3, 4], [[1]])],
    ['empty snapshot', chunkWith([], [])],
    ['constant columns', encoded],
  ];
  for (const [name, chunk] of cases) {
    it(`equals the decode/transform/encode reference byte for byte and decodes back (${name})`, () => {
      const fast = environmentBlobOfEncoded(chunk);
      expect(Buffer.from(fast).toString('hex')).toBe(
        Buffer.from(environmentBlobOfEncodedByDecoding(chunk)).toString('hex'),
      );
      const back = decodeEnvironmentBlob(fast);
      const full = TickDataChunk.decode(chunk);
      expect([...back.snapshot!.cells!.flatIndices!]).toEqual([...full.snapshot!.cells!.flatIndices!]);
      expect([...back.snapshot!.cells!.molecules!]).toEqual([...full.snapshot!.cells!.molecules!]);
      expect(back.deltas.map((d) => [...d.changedCells!.owners!, ...d.changedCells!.flatIndices!])).toEqual(
        full.deltas.map((d) => [...d.changedCells!.owners!, ...d.changedCells!.flatIndices!]),
      );
    });
  }
});
