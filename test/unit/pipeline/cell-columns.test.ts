import { describe, expect, it } from 'vitest';
import { CellDataColumns } from '../../../src/pipeline/contracts/index.js';
import { columnsAt, columnsAtInto, int32ToBytes, type ColumnScratch } from '../../../src/pipeline/contracts/columns.js';

/** An encoded CellDataColumns message at an odd offset of a larger buffer (columns unaligned, as in a chunk). */
function encodedAtOddOffset(
  idx: number[],
  mol: number[],
  own: number[],
): { bytes: Uint8Array; start: number; end: number } {
  const body = CellDataColumns.encode({
    flatIndices: int32ToBytes(Int32Array.from(idx)),
    molecules: int32ToBytes(Int32Array.from(mol)),
    owners: int32ToBytes(Int32Array.from(own)),
  }).finish();
  const bytes = new Uint8Array(body.length + 7);
  bytes.set(body, 3);
  return { bytes, start: 3, end: 3 + body.length };
}

describe('columnsAtInto', () => {
  it('reads what columnsAt reads, into memory it reuses while it is large enough', () => {
    const scratch: ColumnScratch = { buffer: new ArrayBuffer(0) };
    const a = encodedAtOddOffset([1, 5, 9], [0x100001, -7, 2 ** 31 - 1], [0, 4, -(2 ** 31)]);
    const got = columnsAtInto(a.bytes, a.start, a.end, scratch);
    const want = columnsAt(a.bytes, a.start, a.end);
    expect([...got.flatIndices]).toEqual([...want.flatIndices]);
    expect([...got.molecules]).toEqual([...want.molecules]);
    expect([...got.owners]).toEqual([...want.owners]);
    const first = scratch.buffer;
    const b = encodedAtOddOffset([2], [3], [4]);
    const small = columnsAtInto(b.bytes, b.start, b.end, scratch);
    expect(scratch.buffer).toBe(first);
    expect([...small.flatIndices, ...small.molecules, ...small.owners]).toEqual([2, 3, 4]);
    const big = encodedAtOddOffset([...Array(100).keys()], Array(100).fill(1), Array(100).fill(2));
    expect(columnsAtInto(big.bytes, big.start, big.end, scratch).owners.length).toBe(100);
    expect(scratch.buffer.byteLength).toBeGreaterThanOrEqual(1200);
  });

  it('reads an empty message as three empty columns', () => {
    const e = encodedAtOddOffset([], [], []);
    const got = columnsAtInto(e.bytes, e.start, e.end, { buffer: new ArrayBuffer(0) });
    expect([got.flatIndices.length, got.molecules.length, got.owners.length]).toEqual([0, 0, 0]);
  });

  it('rejects columns of different lengths or partial values, as columnsAt does', () => {
    const scratch = { buffer: new ArrayBuffer(0) };
    const uneven = encodedAtOddOffset([1, 2], [3], [4, 5]);
    expect(() => columnsAtInto(uneven.bytes, uneven.start, uneven.end, scratch)).toThrow(/differ in length/);
    const body = CellDataColumns.encode({
      flatIndices: new Uint8Array(6),
      molecules: new Uint8Array(6),
      owners: new Uint8Array(6),
    }).finish();
    expect(() => columnsAtInto(body, 0, body.length, scratch)).toThrow(/not a whole number/);
  });
});
