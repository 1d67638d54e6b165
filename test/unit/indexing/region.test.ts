import { describe, expect, it } from 'vitest';
import { DeltaType, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { int32ToBytes } from '../../../src/pipeline/contracts/columns.js';
import { reconstructTick } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { planeChunkColumns } from '../../../src/pipeline/resources/chunk-column-planes.js';
import { cellsAt, minimapAt, prepareChunk, prepareEncodedChunk, regionAt } from '../../../src/visualizer/region.js';

const W = 64;
const H = 40;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

function columns(cells: Map<number, [number, number]>, sorted: boolean) {
  const keys = [...cells.keys()];
  if (sorted) keys.sort((a, b) => a - b);
  return {
    flatIndices: int32ToBytes(Int32Array.from(keys)),
    molecules: int32ToBytes(Int32Array.from(keys.map((k) => cells.get(k)![0]))),
    owners: int32ToBytes(Int32Array.from(keys.map((k) => cells.get(k)![1]))),
  };
}

/** A dense random chunk: snapshot (sorted, as the engine writes it) + mixed deltas (unsorted). */
function chunk(): TickDataChunk {
  const r = rng(7);
  const snap = new Map<number, [number, number]>();
  for (let i = 0; i < W * H; i++)
    if (r() < 0.5) snap.set(i, [1 + Math.floor(r() * 1000), r() < 0.3 ? 1 + Math.floor(r() * 5) : 0]);
  const deltas = [];
  for (let t = 1; t <= 6; t++) {
    const d = new Map<number, [number, number]>();
    for (let k = 0; k < 200; k++) d.set(Math.floor(r() * W * H), r() < 0.2 ? [0, 0] : [1 + Math.floor(r() * 1000), 0]);
    deltas.push({
      tickNumber: t,
      deltaType: t === 3 ? DeltaType.ACCUMULATED : DeltaType.INCREMENTAL,
      changedCells: columns(d, false),
    });
  }
  return TickDataChunk.decode(
    TickDataChunk.encode({
      simulationRunId: 'r',
      firstTick: 0,
      lastTick: 6,
      tickCount: 7,
      snapshot: { tickNumber: 0, cells: columns(snap, true) },
      deltas,
    }).finish(),
  );
}

/** The encoded chunk with its cell columns as byte planes, as storage keeps them in a batch file. */
function planed(c: TickDataChunk): Uint8Array {
  const bytes = Uint8Array.from(TickDataChunk.encode(c).finish());
  planeChunkColumns(bytes);
  return bytes;
}

describe.each([
  ['without column index', false, false, false],
  ['with column index', true, false, false],
  ['from the encoded chunk, without column index', false, true, false],
  ['from the encoded chunk, with column index', true, true, false],
  ['from the encoded chunk with planed columns, without column index', false, true, true],
  ['from the encoded chunk with planed columns, with column index', true, true, true],
])('region reconstruction %s', (_name, indexed, encoded, planes) => {
  const c = chunk();
  const shape = indexed ? [W, H] : undefined;
  const prepared = planes
    ? prepareEncodedChunk(planed(c), shape, true)
    : encoded
      ? prepareEncodedChunk(TickDataChunk.encode(c).finish(), shape)
      : prepareChunk(c, shape);
  it('marks the world-ordered snapshot as sorted', () => {
    expect(prepared.layer(0).sorted).toBe(true);
  });
  it('reads ticks, plan and organism totals as the decoded chunk has them', () => {
    const reference = prepareChunk(c);
    expect(prepared.ticks).toEqual(reference.ticks);
    const plans = (p: typeof prepared): Array<readonly number[]> => p.ticks.map((_, i) => p.plan(i));
    expect(plans(prepared)).toEqual(plans(reference));
    // Snapshot, then the accumulated layer (tick 3) and the incremental layers after it.
    expect(plans(prepared)).toEqual([[0], [0, 1], [0, 1, 2], [0, 3], [0, 3, 4], [0, 3, 4, 5], [0, 3, 4, 5, 6]]);
    expect(prepared.totalOrganismsCreated).toEqual(reference.totalOrganismsCreated);
    expect([prepared.firstTick, prepared.lastTick]).toEqual([0, 6]);
  });
  for (const tick of [0, 2, 3, 5, 6]) {
    it(`gives the same cells as a full reconstruction at tick ${tick}, for whole-world and partial regions`, () => {
      const full = reconstructTick(c, tick);
      const whole = regionAt(prepared, prepared.ticks.indexOf(tick), [W, H], { min: [0, 0], max: [W - 1, H - 1] });
      expect(Array.from(whole.cells.flatIndices)).toEqual(Array.from(full.cells.flatIndices));
      expect(Array.from(whole.cells.molecules)).toEqual(Array.from(full.cells.molecules));
      expect(Array.from(whole.cells.owners)).toEqual(Array.from(full.cells.owners));
      const region = { min: [5, 7], max: [30, 21] };
      const part = regionAt(prepared, prepared.ticks.indexOf(tick), [W, H], region);
      const expected = Array.from(full.cells.flatIndices).filter((idx) => {
        const x = Math.floor(idx / H);
        const y = idx % H;
        return x >= 5 && x <= 30 && y >= 7 && y <= 21;
      });
      expect(Array.from(part.cells.flatIndices)).toEqual(expected);
      const fullIdx = Array.from(full.cells.flatIndices);
      expect(Array.from(part.cells.owners)).toEqual(expected.map((idx) => full.cells.owners[fullIdx.indexOf(idx)]));
      expect(Array.from(part.cells.molecules)).toEqual(
        expected.map((idx) => full.cells.molecules[fullIdx.indexOf(idx)]),
      );
      const probe = [expected[0]!, expected[3]!, 0];
      const at = cellsAt(prepared, prepared.ticks.indexOf(tick), probe, indexed ? H : undefined);
      expect(at.molecules).toEqual(
        probe.map((idx) => {
          const i = Array.from(full.cells.flatIndices).indexOf(idx);
          return i < 0 ? 0 : full.cells.molecules[i];
        }),
      );
    });
  }
  it('builds a minimap with one class per pixel', () => {
    const mm = minimapAt(prepared, 0, [W, H], 32);
    const reference = minimapAt(prepareChunk(c), 0, [W, H], 32);
    expect(Array.from(mm.classes)).toEqual(Array.from(reference.classes));
    expect([mm.width, mm.height]).toEqual([32, 20]);
    expect(mm.classes.every((v) => v <= 7)).toBe(true);
  });
});
