/**
 * Cell columns are stored as `bytes` holding little-endian Int32Arrays. On little-endian hosts (every host
 * Node supports in practice) encoding is a view and decoding a copy at most; big-endian hosts swap bytes.
 */
import { endianness } from 'node:os';
import type { evochora } from './generated/contracts.js';
import { eachField } from './wire-walk.js';

const LITTLE = endianness() === 'LE';

/** The little-endian bytes of `values` (a view of the same memory on little-endian hosts). */
export function int32ToBytes(values: Int32Array): Uint8Array {
  if (LITTLE) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return out;
}

/** How many int32 values a cell column's bytes hold; throws when the length is not a multiple of 4. */
function int32Count(bytes: Uint8Array | null | undefined): number {
  const length = bytes?.length ?? 0;
  if (length % 4 !== 0) throw new RangeError(`cell column of ${length} bytes is not a whole number of int32 values`);
  return length / 4;
}

/** Throws unless the three columns hold the same number of cells. */
function checkSameLength(indices: number, molecules: number, owners: number): void {
  if (molecules !== indices || owners !== indices)
    throw new RangeError(
      `cell columns differ in length (${indices} indices, ${molecules} molecules, ${owners} owners)`,
    );
}

/** The Int32Array in `bytes` (little-endian). Throws when the length is not a multiple of 4. */
export function bytesToInt32(bytes: Uint8Array | null | undefined): Int32Array {
  const n = int32Count(bytes);
  if (!bytes || n === 0) return new Int32Array(0);
  if (LITTLE) {
    if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return new Int32Array(copy.buffer, 0, n);
  }
  const out = new Int32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

export interface CellArrays {
  readonly flatIndices: Int32Array;
  readonly molecules: Int32Array;
  readonly owners: Int32Array;
}

export function columnsOf(cells: CellArrays): evochora.contracts.CellDataColumns.$Properties {
  return {
    flatIndices: int32ToBytes(cells.flatIndices),
    molecules: int32ToBytes(cells.molecules),
    owners: int32ToBytes(cells.owners),
  };
}

/** Decodes the three columns and checks that they have the same length. */
export function columnsToArrays(
  columns: evochora.contracts.CellDataColumns.$Properties | null | undefined,
): CellArrays {
  const flatIndices = bytesToInt32(columns?.flatIndices);
  const molecules = bytesToInt32(columns?.molecules);
  const owners = bytesToInt32(columns?.owners);
  checkSameLength(flatIndices.length, molecules.length, owners.length);
  return { flatIndices, molecules, owners };
}

/**
 * The columns of an encoded CellDataColumns message bytes[start, end), read from the wire (views where the
 * bytes are aligned): what walkers over stored chunks apply without decoding the chunk.
 */
export function columnsAt(bytes: Uint8Array, start: number, end: number): CellArrays {
  return columnsToArrays(columnBytesAt(bytes, start, end));
}

/** The three columns' bytes of an encoded CellDataColumns message bytes[start, end) (views, absent when empty). */
function columnBytesAt(bytes: Uint8Array, start: number, end: number): evochora.contracts.CellDataColumns.$Properties {
  let flatIndices: Uint8Array | undefined;
  let molecules: Uint8Array | undefined;
  let owners: Uint8Array | undefined;
  eachField(bytes, start, end, (n, wt, s, e) => {
    if (wt !== 2) return;
    if (n === 1) flatIndices = bytes.subarray(s, e);
    else if (n === 2) molecules = bytes.subarray(s, e);
    else if (n === 3) owners = bytes.subarray(s, e);
  });
  return { flatIndices, molecules, owners };
}

/** Memory columnsAtInto reuses from call to call. */
export interface ColumnScratch {
  buffer: ArrayBuffer;
}

/**
 * columnsAt, with the columns copied into `scratch` (grown when too small) instead of fresh memory: the columns
 * of a chunk's bytes are rarely 4-byte aligned, and a walk over a mature run's chunks copied ~1 MB of them per
 * chunk into new arrays. The arrays are views of `scratch`, valid until its next use.
 */
export function columnsAtInto(bytes: Uint8Array, start: number, end: number, scratch: ColumnScratch): CellArrays {
  const columns = columnBytesAt(bytes, start, end);
  if (!LITTLE) return columnsToArrays(columns);
  const { flatIndices, molecules, owners } = columns;
  const n = int32Count(flatIndices);
  checkSameLength(n, int32Count(molecules), int32Count(owners));
  const each = n * 4;
  if (scratch.buffer.byteLength < 3 * each)
    scratch.buffer = new ArrayBuffer(Math.max(3 * each, 2 * scratch.buffer.byteLength));
  const to = new Uint8Array(scratch.buffer);
  if (n > 0) {
    to.set(flatIndices!, 0);
    to.set(molecules!, each);
    to.set(owners!, 2 * each);
  }
  return {
    flatIndices: new Int32Array(scratch.buffer, 0, n),
    molecules: new Int32Array(scratch.buffer, each, n),
    owners: new Int32Array(scratch.buffer, 2 * each, n),
  };
}

/*
 * Byte planes: how storage format 2+ keeps a cell column inside a batch file (the storage's
 * chunk-column-planes.ts writes them). A column of n int32 values is 4n bytes: the lowest byte of every value,
 * then every second byte, and so on; the flat-index column holds differences of consecutive values. A reader
 * that gets a chunk with its columns still planed decodes only what it reads: a region of a dense snapshot
 * needs every flat index (to find its cells) but the molecules and owners of its own cells alone.
 */

/** Value `i` of the n-value planed column in bytes[start, start + 4n) (not differenced). */
export function planedValueAt(bytes: Uint8Array, start: number, n: number, i: number): number {
  const p = start + i;
  return bytes[p]! | (bytes[p + n]! << 8) | (bytes[p + 2 * n]! << 16) | (bytes[p + 3 * n]! << 24);
}

/**
 * A planed column decoded whole; `differences`: it holds differences of consecutive values (flat indices).
 * `into`: where to decode (a reused buffer of at least the column's values), else a new array.
 */
export function int32FromPlanes(
  column: Uint8Array,
  differences: boolean,
  into?: (values: number) => Int32Array,
): { values: Int32Array; ascending: boolean } {
  if (column.length % 4 !== 0)
    throw new RangeError(`cell column of ${column.length} bytes is not a whole number of int32 values`);
  const n = column.length >>> 2;
  const values = into ? into(n) : new Int32Array(n);
  const p0 = column.subarray(0, n);
  const p1 = column.subarray(n, 2 * n);
  const p2 = column.subarray(2 * n, 3 * n);
  const p3 = column.subarray(3 * n, 4 * n);
  let ascending = true;
  if (differences) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const d = p0[i]! | (p1[i]! << 8) | (p2[i]! << 16) | (p3[i]! << 24);
      // Every difference after the first positive: the values ascend (no wrap-around past int32).
      if (i > 0 && (d <= 0 || acc + d > 0x7fffffff)) ascending = false;
      acc = (acc + d) | 0;
      values[i] = acc;
    }
  } else for (let i = 0; i < n; i++) values[i] = p0[i]! | (p1[i]! << 8) | (p2[i]! << 16) | (p3[i]! << 24);
  return { values, ascending };
}
