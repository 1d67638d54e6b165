import { describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import { TickDataChunk, int32ToBytes } from '../../../src/pipeline/contracts/index.js';
import { planeChunkColumns, unplaneChunkColumns } from '../../../src/pipeline/resources/chunk-column-planes.js';

const col = (values: number[]) => new Uint8Array(int32ToBytes(Int32Array.from(values)));

function chunkWith(flat: number[], molecules: number[], deltaFlat: number[]): Uint8Array {
  const owners = flat.map((_, i) => (i * 7) % 5);
  return TickDataChunk.encode({
    simulationRunId: 'run',
    firstTick: 100,
    lastTick: 101,
    tickCount: 2,
    snapshot: {
      tickNumber: 100,
      cells: { flatIndices: col(flat), molecules: col(molecules), owners: col(owners) },
      organisms: [{ organismId: 3, energy: 9 }],
      runtimeCheckpoint: new Uint8Array([1, 2, 3]),
    },
    deltas: [
      {
        tickNumber: 101,
        deltaType: 1,
        changedCells: {
          flatIndices: col(deltaFlat),
          molecules: col(deltaFlat.map((x) => -x)),
          owners: col(deltaFlat.map(() => 0)),
        },
      },
    ],
  }).finish();
}

describe('byte-planed cell columns in batch files', () => {
  it('round-trip any column in place, ascending or not, negative and extreme values included', () => {
    const flat = Array.from({ length: 5000 }, (_, i) => i * 3 + (i % 7));
    const molecules = Array.from({ length: 5000 }, (_, i) => (i % 11 === 0 ? -2147483648 : (i * 2654435761) | 0));
    const chunk = chunkWith(flat, molecules, [7, 3, 2147483647, -5]);
    const planed = Buffer.from(chunk);
    planeChunkColumns(planed);
    expect(planed.length).toBe(chunk.length);
    expect(planed.equals(Buffer.from(chunk))).toBe(false);
    // Everything but the columns is untouched: the message still decodes, with the same organisms and ticks.
    const decoded = TickDataChunk.decode(planed);
    expect(decoded.snapshot?.organisms?.[0]?.energy).toBe(9);
    expect(Number(decoded.deltas[0]!.tickNumber)).toBe(101);
    unplaneChunkColumns(planed);
    expect(planed.equals(Buffer.from(chunk))).toBe(true);
  });

  it('make a snapshot of ascending flat indices compress several times better', () => {
    let x = 1;
    const flat: number[] = [];
    for (let i = 0; i < 40_000; i++)
      flat.push((flat[i - 1] ?? 0) + 1 + ((x = (x * 1103515245 + 12345) >>> 0) % 4 === 0 ? 3 : 0));
    const molecules = flat.map((_, i) => (1 << 20) | (i % 64));
    const chunk = chunkWith(flat, molecules, []);
    const planed = Buffer.from(chunk);
    planeChunkColumns(planed);
    expect(compress(planed).length * 3).toBeLessThan(compress(Buffer.from(chunk)).length);
  });

  it('refuses a truncated chunk', () => {
    const chunk = chunkWith([1, 2, 3], [4, 5, 6], [1]);
    expect(() => planeChunkColumns(chunk.subarray(0, chunk.length - 7))).toThrow(RangeError);
  });
});
