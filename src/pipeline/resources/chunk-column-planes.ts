/**
 * How batch files (storage format 2) hold cell columns: each int32 column as 4 byte planes (all lowest bytes,
 * then all second bytes, …), and the flat-index column as differences of consecutive values first. Plain
 * little-endian int32s compress badly once a world is full of code: ascending flat indices differ in every
 * value, and the snapshot (one per chunk, ~40,000+ cells in a mature world) grew to most of a file's bytes
 * (storage rose from 300 to 1,100 B/tick over a 10-minute default run). As planes the indices are runs of 1s and
 * zeros. The transform is done in place (same length) just before compression and undone right after reading,
 * so chunks everywhere else, and their bytes, are unchanged. Differences wrap (int32), so any column round-trips.
 */
import { CONTENT_TICK_DATA_CHUNK } from '../contracts/index.js';
import { FieldCursor } from '../contracts/chunk-fields.js';

/** Whether the messages of a file with this header hold planed columns (chunk files of format 2 on). */
export function holdsPlanedColumns(header: { formatVersion: number; contentType: string }): boolean {
  return header.formatVersion >= 2 && header.contentType === CONTENT_TICK_DATA_CHUNK;
}

let scratch = new Int32Array(0);
let scratchBytes = new Uint8Array(0);

function ensureScratch(n: number): void {
  if (scratch.length >= n) return;
  scratch = new Int32Array(Math.max(n, scratch.length * 2, 1024));
  scratchBytes = new Uint8Array(scratch.buffer);
}

/** Column [s, e) of `buf` → planes, in place. */
function toPlanes(buf: Uint8Array, s: number, e: number, differences: boolean): void {
  const n = (e - s) >>> 2;
  ensureScratch(n);
  scratchBytes.set(buf.subarray(s, e));
  const v = scratch;
  if (differences) for (let i = n - 1; i > 0; i--) v[i] = (v[i]! - v[i - 1]!) | 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    buf[s + i] = x & 0xff;
    buf[s + n + i] = (x >>> 8) & 0xff;
    buf[s + 2 * n + i] = (x >>> 16) & 0xff;
    buf[s + 3 * n + i] = x >>> 24;
  }
}

/** Planes [s, e) of `buf` → the column, in place. */
function fromPlanes(buf: Uint8Array, s: number, e: number, differences: boolean): void {
  const n = (e - s) >>> 2;
  ensureScratch(n);
  const v = scratch;
  for (let i = 0; i < n; i++)
    v[i] = buf[s + i]! | (buf[s + n + i]! << 8) | (buf[s + 2 * n + i]! << 16) | (buf[s + 3 * n + i]! << 24);
  if (differences) for (let i = 1; i < n; i++) v[i] = (v[i]! + v[i - 1]!) | 0;
  buf.set(scratchBytes.subarray(0, n * 4), s);
}

/**
 * Applies `columnOp` to every cell column of the TickDataChunk in buf[from, to). An allocation-free walk: it
 * visits the fields of every sample up to its cells (thousands per mature chunk), and a walk that allocated per
 * field left `verify` spending a third of its time in GC.
 */
function eachColumn(
  buf: Uint8Array,
  from: number,
  to: number,
  columnOp: (s: number, e: number, differences: boolean) => void,
): void {
  // TickDataChunk: 5 snapshot (TickData: 4 cells), 6 deltas (TickDelta: 3 changed cells); CellDataColumns 1-3.
  // Three cursors per walk, reused across its thousands of fields. Not kept between walks: a cursor kept at module
  // level held the last chunk it walked (megabytes in a mature world) until the next walk.
  const chunk = new FieldCursor().reset(buf, from, to);
  const sampleCursor = new FieldCursor();
  const columnCursor = new FieldCursor();
  while (chunk.next()) {
    const field = chunk.number;
    if (chunk.wireType !== 2 || (field !== 5 && field !== 6)) continue;
    const cellsField = field === 5 ? 4 : 3;
    const sample = sampleCursor.reset(buf, chunk.valueStart, chunk.end);
    while (sample.next()) {
      if (sample.wireType !== 2 || sample.number !== cellsField) continue;
      const column = columnCursor.reset(buf, sample.valueStart, sample.end);
      while (column.next()) {
        const c = column.number;
        if (column.wireType === 2 && c >= 1 && c <= 3 && (column.end - column.valueStart) % 4 === 0)
          columnOp(column.valueStart, column.end, c === 1);
      }
      // A sample has one cells field, and every writer puts it before the organism deltas (most of a sample's
      // fields): the walk stops there.
      break;
    }
  }
}

/** Rewrites the cell columns of the encoded chunk in buf[from, to) as byte planes (in place). */
export function planeChunkColumns(buf: Uint8Array, from = 0, to = buf.length): void {
  eachColumn(buf, from, to, (s, e, d) => toPlanes(buf, s, e, d));
}

/** Undoes planeChunkColumns on buf[from, to) (in place). */
export function unplaneChunkColumns(buf: Uint8Array, from = 0, to = buf.length): void {
  eachColumn(buf, from, to, (s, e, d) => fromPlanes(buf, s, e, d));
}

/** Walks the cell columns of the encoded chunk in buf[from, to) without changing them: throws where its structure is broken. */
export function checkChunkColumns(buf: Uint8Array, from = 0, to = buf.length): void {
  eachColumn(buf, from, to, () => undefined);
}
