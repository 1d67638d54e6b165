/**
 * Cells of a world region at one tick, rebuilt from the tick's (cells-only) chunk without materialising
 * the whole world: the snapshot's cells, the newest ACCUMULATED delta at or before the tick, then the
 * INCREMENTAL deltas after it, each filtered to the region. Flat indices are row-major with the last
 * dimension fastest (2-D: idx = x * height + y).
 */
import { bytesToInt32, int32FromPlanes, planedValueAt } from '../pipeline/contracts/columns.js';
import { DeltaType, type TickDataChunk } from '../pipeline/contracts/index.js';
import { FieldCursor } from '../pipeline/contracts/chunk-fields.js';
import { moleculeType, moleculeValue } from '../isa/molecule.js';
import type { BufferPool } from '../pipeline/api/buffer-pool.js';
import { ChunkLeaseReleasedError } from '../pipeline/api/chunk-lease.js';

export interface CellColumns {
  readonly flatIndices: Int32Array;
  readonly molecules: Int32Array;
  readonly owners: Int32Array;
  /** Flat indices strictly ascending (snapshots are written in world order): regions use binary search. */
  readonly sorted?: boolean;
  /**
   * 2-D worlds: the cells are grouped by x (a stable counting sort), and the cells of column x are
   * `colStart[x] .. colStart[x + 1] - 1`, so a region only visits its own columns.
   */
  readonly colStart?: Int32Array;
  /**
   * The molecules and owners as byte planes, for a layer read with its columns planed (contracts/columns.ts):
   * regionAt reads only the cells it needs from them, while `molecules` and `owners` decode them whole on first use.
   */
  readonly planes?: { readonly molecules: Uint8Array; readonly owners: Uint8Array };
}

/** Groups a layer's cells by x column (stable, O(n + W)); the order inside a column is kept. */
function byColumn(c: CellColumns, W: number, H: number): CellColumns {
  // A sorted layer (every snapshot) is searched by binary search instead: no O(n) pass on a cold read. A layer
  // with fewer cells than the world has columns is scanned whole: cheaper than its index (two arrays of W + 1).
  const n = c.flatIndices.length;
  if (c.sorted || n < W) return c;
  const colStart = new Int32Array(W + 1);
  const fi = c.flatIndices;
  for (let i = 0; i < n; i++) colStart[((fi[i]! / H) | 0) + 1]!++;
  for (let x = 0; x < W; x++) colStart[x + 1]! += colStart[x]!;
  const next = colStart.slice(0, W);
  const f2 = new Int32Array(n);
  const m2 = new Int32Array(n);
  const o2 = new Int32Array(n);
  const m = c.molecules;
  const o = c.owners;
  for (let i = 0; i < n; i++) {
    const x = (fi[i]! / H) | 0;
    const k = next[x]!++;
    f2[k] = fi[i]!;
    m2[k] = m[i]!;
    o2[k] = o[i]!;
  }
  return { flatIndices: f2, molecules: m2, owners: o2, sorted: false, colStart };
}

function isAscending(a: Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return false;
  return true;
}

function lowerBound(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A chunk's cell layers (snapshot first, then one per delta) and, per sampled tick, the layers to apply. */
export interface PreparedChunk {
  readonly firstTick: number;
  readonly lastTick: number;
  readonly ticks: readonly number[];
  /** For ticks[i]: the layers to apply in order (snapshot first). */
  plan(sampleIndex: number): readonly number[];
  readonly totalOrganismsCreated: readonly number[];
  /** About the memory the chunk holds once its layers are in use (encoded bytes and converted columns). */
  readonly byteSize: number;
  /**
   * The cell columns of layer `i`, converted on first use: a tick needs the snapshot, one accumulated delta
   * and the incremental ones after it, so a chunk read for one tick converts ~50 of its ~500 layers.
   */
  layer(i: number): CellColumns;
  /** Gives back the reused buffers its layers were decoded into; the chunk must not be read afterwards. */
  dispose(): void;
}

/** Where a layer's flat indices are decoded: a new array, or a reused buffer the chunk gives back. */
type Int32Source = (values: number) => Int32Array;

/** A layer's columns as encoded (little-endian int32 bytes). */
interface RawColumns {
  flatIndices?: Uint8Array | null;
  molecules?: Uint8Array | null;
  owners?: Uint8Array | null;
  /** The columns are still byte planes (a chunk read from storage without restoring them). */
  planed?: boolean;
}

const NO_BYTES = new Uint8Array(0);

function cols(c: RawColumns | null | undefined, into: Int32Source | undefined): CellColumns {
  if (c?.planed) return planedCols(c, into);
  const flatIndices = bytesToInt32(c?.flatIndices);
  return {
    flatIndices,
    molecules: bytesToInt32(c?.molecules),
    owners: bytesToInt32(c?.owners),
    sorted: isAscending(flatIndices),
  };
}

/**
 * A planed layer: the flat indices decoded whole (a region finds its cells by them), the molecules and owners
 * left as planes until something needs them all. A dense world's snapshot is ~600,000 cells, and a 256×256
 * region reads ~16,000 of them.
 */
function planedCols(c: RawColumns, into: Int32Source | undefined): CellColumns {
  const { values: flatIndices, ascending } = int32FromPlanes(c.flatIndices ?? NO_BYTES, true, into);
  const molPlanes = c.molecules ?? NO_BYTES;
  const ownPlanes = c.owners ?? NO_BYTES;
  let molecules: Int32Array | undefined;
  let owners: Int32Array | undefined;
  const whole = molPlanes.length === flatIndices.length * 4 && ownPlanes.length === flatIndices.length * 4;
  return {
    flatIndices,
    sorted: ascending,
    // Columns of unequal length (a damaged chunk) are only ever decoded whole, as unplaned ones are.
    ...(whole ? { planes: { molecules: molPlanes, owners: ownPlanes } } : {}),
    get molecules(): Int32Array {
      return (molecules ??= int32FromPlanes(molPlanes, false).values);
    },
    get owners(): Int32Array {
      return (owners ??= int32FromPlanes(ownPlanes, false).values);
    },
  };
}

/**
 * A chunk's layers, snapshot first: per layer its tick, its organisms-created count, whether it is an accumulated
 * delta, and its cell columns when asked for (an encoded chunk parses them only then: a cached chunk holds no
 * object per layer, so the hundreds of layers a dense chunk has are not garbage for the old generation).
 */
interface Layers {
  readonly ticks: number[];
  readonly totals: number[];
  readonly accumulated: readonly boolean[];
  cells(i: number): RawColumns | null | undefined;
}

function prepare(
  firstTick: number,
  lastTick: number,
  layers: Layers,
  encodedBytes: number,
  shape?: readonly number[],
  pool?: BufferPool,
): PreparedChunk {
  const taken: ArrayBuffer[] = [];
  const into =
    pool &&
    ((n: number): Int32Array => {
      if (n * 4 < pool.minBytes) return new Int32Array(n);
      const buffer = pool.take(n * 4);
      taken.push(buffer);
      return new Int32Array(buffer, 0, n);
    });
  let disposed = false;
  const { ticks, totals } = layers;
  const count = ticks.length;
  // Per layer, the accumulated layer its plan starts from (0: none yet). A plan is built when a tick is asked
  // for, not for every layer up front (that was ~100 KB of arrays per chunk read, most never used).
  const from = new Int32Array(count);
  let acc = 0;
  for (let layer = 0; layer < count; layer++) {
    if (layer > 0 && layers.accumulated[layer]) acc = layer;
    from[layer] = acc;
  }
  const converted: Array<CellColumns | undefined> = new Array(count);
  const is2d = shape !== undefined && shape.length === 2;
  return {
    firstTick,
    lastTick,
    ticks,
    plan(i: number): readonly number[] {
      if (i === 0) return [0];
      const layers = [0];
      for (let k = from[i]! > 0 ? from[i]! : 1; k <= i; k++) layers.push(k);
      return layers;
    },
    totalOrganismsCreated: totals,
    // The encoded columns plus their converted copies (unaligned columns are copied on use).
    byteSize: 2 * encodedBytes,
    layer(i: number): CellColumns {
      if (disposed) throw new ChunkLeaseReleasedError();
      let c = converted[i];
      if (c) return c;
      c = cols(layers.cells(i), into);
      if (is2d) c = byColumn(c, shape[0]!, shape[1]!);
      converted[i] = c;
      return c;
    },
    dispose(): void {
      disposed = true;
      converted.fill(undefined);
      for (const buffer of taken.splice(0)) pool!.give(buffer);
    },
  };
}

/** Prepares a decoded (cells-only or whole) chunk. */
export function prepareChunk(chunk: TickDataChunk, shape?: readonly number[]): PreparedChunk {
  const cells: Array<RawColumns | null | undefined> = [chunk.snapshot?.cells];
  const layers: Layers = {
    ticks: [Number(chunk.snapshot?.tickNumber ?? chunk.firstTick)],
    totals: [Number(chunk.snapshot?.totalOrganismsCreated ?? 0)],
    accumulated: [false],
    cells: (i) => cells[i],
  };
  const accumulated = layers.accumulated as boolean[];
  for (const d of chunk.deltas) {
    layers.ticks.push(Number(d.tickNumber));
    layers.totals.push(Number(d.totalOrganismsCreated));
    accumulated.push(d.deltaType === DeltaType.ACCUMULATED);
    cells.push(d.changedCells);
  }
  let bytes = 0;
  for (const c of cells)
    bytes += (c?.flatIndices?.length ?? 0) + (c?.molecules?.length ?? 0) + (c?.owners?.length ?? 0);
  return prepare(Number(chunk.firstTick), Number(chunk.lastTick), layers, bytes, shape);
}

/** The columns of an encoded CellDataColumns message (views into `buf`). */
function wireColumns(buf: Uint8Array, from: number, to: number, cursor: FieldCursor, planed: boolean): RawColumns {
  const out: RawColumns = planed ? { planed } : {};
  cursor.reset(buf, from, to);
  while (cursor.next()) {
    if (cursor.wireType !== 2) continue;
    const v = buf.subarray(cursor.valueStart, cursor.end);
    if (cursor.number === 1) out.flatIndices = v;
    else if (cursor.number === 2) out.molecules = v;
    else if (cursor.number === 3) out.owners = v;
  }
  return out;
}

/**
 * Prepares an encoded TickDataChunk (proto/tickdata.proto) straight from its bytes: the cell columns stay views
 * into `bytes` until a tick needs them, and nothing else of the chunk (organisms, checkpoints) is decoded. This
 * is the visualizer's cold path for a tick whose chunk is not cached, so it does no work per unused layer.
 * `planed`: the chunk's cell columns are still byte planes (read from storage as they are stored); a layer then
 * decodes its flat indices when first used and its molecules and owners only as far as a region needs them.
 */
export function prepareEncodedChunk(
  bytes: Uint8Array,
  shape?: readonly number[],
  planed = false,
  pool?: BufferPool,
): PreparedChunk {
  const outer = new FieldCursor().reset(bytes);
  const inner = new FieldCursor();
  let firstTick = 0;
  let lastTick = 0;
  // Layer 0 is the snapshot (whichever place it has in the message); -1: a layer without cells.
  const ticks = [0];
  const totals = [0];
  const accumulated = [false];
  const cellRanges = [-1, -1];
  let snapshotSeen = false;
  while (outer.next()) {
    const n = outer.number;
    if (outer.wireType === 0) {
      if (n === 2) firstTick = outer.varint;
      else if (n === 3) lastTick = outer.varint;
      continue;
    }
    if (outer.wireType !== 2 || (n !== 5 && n !== 6)) continue;
    let tick = 0;
    let acc = false;
    let total = 0;
    let from = -1;
    let to = -1;
    // TickData: 2 tick, 4 cells, 7 total created; TickDelta: 1 tick, 2 type, 3 cells, 5 total created.
    const tickField = n === 5 ? 2 : 1;
    const cellsField = n === 5 ? 4 : 3;
    const totalField = n === 5 ? 7 : 5;
    inner.reset(bytes, outer.valueStart, outer.end);
    while (inner.next()) {
      const f = inner.number;
      if (inner.wireType === 0) {
        if (f === tickField) tick = inner.varint;
        else if (f === totalField) total = inner.varint;
        else if (n === 6 && f === 2) acc = inner.varint === DeltaType.ACCUMULATED;
      } else if (inner.wireType === 2 && f === cellsField) {
        from = inner.valueStart;
        to = inner.end;
      }
    }
    if (n === 5) {
      snapshotSeen = true;
      ticks[0] = tick;
      totals[0] = total;
      cellRanges[0] = from;
      cellRanges[1] = to;
    } else {
      ticks.push(tick);
      totals.push(total);
      accumulated.push(acc);
      cellRanges.push(from, to);
    }
  }
  if (!snapshotSeen) ticks[0] = firstTick;
  const cursor = new FieldCursor();
  const layers: Layers = {
    ticks,
    totals,
    accumulated,
    cells: (i) =>
      cellRanges[2 * i]! < 0
        ? undefined
        : wireColumns(bytes, cellRanges[2 * i]!, cellRanges[2 * i + 1]!, cursor, planed),
  };
  return prepare(firstTick, lastTick, layers, bytes.byteLength, shape, pool);
}

/** Inclusive bounds per dimension. */
export interface Region {
  readonly min: readonly number[];
  readonly max: readonly number[];
}

export interface RegionCells {
  readonly region: Region;
  /** Occupied cells of the region: world flat index, molecule, owner. */
  readonly cells: CellColumns;
}

/** Regions of up to this many cells rebuild in the shared scratch below (larger ones allocate their own). */
const SCRATCH_CELLS = 1 << 20;
let scratchMol = new Int32Array(0);
let scratchOwn = new Int32Array(0);
let scratchSet = new Uint8Array(0);

/**
 * regionAt's per-cell work space: molecule, owner and "written" per cell of the region. regionAt is synchronous,
 * so one set serves every call; a 256² region would otherwise allocate ~590 KB outside V8's heap per query, and
 * such bytes pace the server's full collections (docs/visualizer.md, reused read buffers). Only `set` needs
 * clearing: the others are read only where it is set.
 */
function regionScratch(n: number): { mol: Int32Array; own: Int32Array; set: Uint8Array } {
  if (n > SCRATCH_CELLS) return { mol: new Int32Array(n), own: new Int32Array(n), set: new Uint8Array(n) };
  if (scratchSet.length < n) {
    const size = Math.min(SCRATCH_CELLS, 2 ** Math.ceil(Math.log2(n)));
    scratchMol = new Int32Array(size);
    scratchOwn = new Int32Array(size);
    scratchSet = new Uint8Array(size);
  } else scratchSet.fill(0, 0, n);
  return { mol: scratchMol, own: scratchOwn, set: scratchSet };
}

/** Cells of `region` at sample `sampleIndex` of the chunk. */
export function regionAt(
  prepared: PreparedChunk,
  sampleIndex: number,
  shape: readonly number[],
  region: Region,
): RegionCells {
  const dims = shape.length;
  const ext = region.min.map((lo, d) => region.max[d]! - lo + 1);
  let n = 1;
  for (const e of ext) n *= e;
  const { mol, own, set } = regionScratch(n);
  const is2d = dims === 2;
  const H = shape[1] ?? 1;
  const x0 = region.min[0]!,
    x1 = region.max[0]!,
    y0 = region.min[1] ?? 0,
    y1 = region.max[1] ?? 0;
  const ey = ext[1] ?? 1;
  for (const li of prepared.plan(sampleIndex)) {
    const layer = prepared.layer(li);
    const { flatIndices: fi, sorted, colStart, planes } = layer;
    if (is2d && sorted && planes && fi.length > 8 * (x1 - x0 + 1)) {
      // As below, reading the molecule and owner of each cell found straight from the planes.
      const count = fi.length;
      const mp = planes.molecules;
      const op = planes.owners;
      for (let x = x0; x <= x1; x++) {
        const end = x * H + y1;
        const base = (x - x0) * ey - y0 - x * H;
        for (let i = lowerBound(fi, x * H + y0); i < count && fi[i]! <= end; i++) {
          const local = base + fi[i]!;
          mol[local] = planedValueAt(mp, 0, count, i);
          own[local] = planedValueAt(op, 0, count, i);
          set[local] = 1;
        }
      }
      continue;
    }
    const { molecules: m, owners: o } = layer;
    if (is2d && colStart && colStart.length === shape[0]! + 1) {
      // Only the region's columns; inside a column keep the layer's order (later entries win).
      for (let x = x0; x <= x1; x++) {
        const rowBase = x * H;
        const localBase = (x - x0) * ey - y0;
        for (let i = colStart[x]!, end = colStart[x + 1]!; i < end; i++) {
          const y = fi[i]! - rowBase;
          if (y < y0 || y > y1) continue;
          const local = localBase + y;
          mol[local] = m[i]!;
          own[local] = o[i]!;
          set[local] = 1;
        }
      }
      continue;
    }
    if (is2d && sorted && fi.length > 8 * (x1 - x0 + 1)) {
      // One binary search per column of the region, then a contiguous run of cells.
      for (let x = x0; x <= x1; x++) {
        const end = x * H + y1;
        const base = (x - x0) * ey - y0 - x * H;
        for (let i = lowerBound(fi, x * H + y0); i < fi.length && fi[i]! <= end; i++) {
          const local = base + fi[i]!;
          mol[local] = m[i]!;
          own[local] = o[i]!;
          set[local] = 1;
        }
      }
      continue;
    }
    for (let i = 0; i < fi.length; i++) {
      const idx = fi[i]!;
      let local: number;
      if (is2d) {
        const x = (idx / H) | 0;
        if (x < x0 || x > x1) continue;
        const y = idx - x * H;
        if (y < y0 || y > y1) continue;
        local = (x - x0) * ey + (y - y0);
      } else {
        local = localIndex(idx, shape, region, ext);
        if (local < 0) continue;
      }
      mol[local] = m[i]!;
      own[local] = o[i]!;
      set[local] = 1;
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (set[i] && (mol[i] !== 0 || own[i] !== 0)) count++;
  const outIdx = new Int32Array(count);
  const outMol = new Int32Array(count);
  const outOwn = new Int32Array(count);
  let k = 0;
  if (is2d) {
    // Local index (x - x0) * ey + (y - y0) → world flat index x * H + y, column by column.
    for (let lx = 0, i = 0; lx < ext[0]!; lx++) {
      const rowBase = (x0 + lx) * H + y0;
      for (let ly = 0; ly < ey; ly++, i++) {
        if (!set[i] || (mol[i] === 0 && own[i] === 0)) continue;
        outIdx[k] = rowBase + ly;
        outMol[k] = mol[i]!;
        outOwn[k] = own[i]!;
        k++;
      }
    }
    return { region, cells: { flatIndices: outIdx, molecules: outMol, owners: outOwn } };
  }
  const coord = new Array<number>(dims).fill(0);
  for (let i = 0; i < n; i++) {
    if (!set[i] || (mol[i] === 0 && own[i] === 0)) continue;
    // local index → world flat index
    let rest = i;
    for (let d = dims - 1; d >= 0; d--) {
      coord[d] = (rest % ext[d]!) + region.min[d]!;
      rest = Math.floor(rest / ext[d]!);
    }
    let flat = 0;
    for (let d = 0; d < dims; d++) flat = flat * shape[d]! + coord[d]!;
    outIdx[k] = flat;
    outMol[k] = mol[i]!;
    outOwn[k] = own[i]!;
    k++;
  }
  return { region, cells: { flatIndices: outIdx, molecules: outMol, owners: outOwn } };
}

function localIndex(idx: number, shape: readonly number[], region: Region, ext: readonly number[]): number {
  let rest = idx;
  let local = 0;
  let mul = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const c = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
    if (c < region.min[d]! || c > region.max[d]!) return -1;
    local += (c - region.min[d]!) * mul;
    mul *= ext[d]!;
  }
  return local;
}

/** Molecules at given world flat indices (0 when empty). */
export function cellsAt(
  prepared: PreparedChunk,
  sampleIndex: number,
  flat: readonly number[],
  height?: number,
): { molecules: number[]; owners: number[] } {
  const molecules = flat.map(() => 0);
  const owners = flat.map(() => 0);
  if (flat.length === 0) return { molecules, owners };
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  for (const li of prepared.plan(sampleIndex)) {
    const layer = prepared.layer(li);
    const { flatIndices: fi, colStart, sorted, planes } = layer;
    if (sorted && planes) {
      for (let p = 0; p < flat.length; p++) {
        const i = lowerBound(fi, flat[p]!);
        if (i < fi.length && fi[i] === flat[p]) {
          molecules[p] = planedValueAt(planes.molecules, 0, fi.length, i);
          owners[p] = planedValueAt(planes.owners, 0, fi.length, i);
        }
      }
      continue;
    }
    const { molecules: m, owners: o } = layer;
    if (sorted) {
      for (let p = 0; p < flat.length; p++) {
        const i = lowerBound(fi, flat[p]!);
        if (i < fi.length && fi[i] === flat[p]) {
          molecules[p] = m[i]!;
          owners[p] = o[i]!;
        }
      }
      continue;
    }
    if (colStart && height) {
      for (let p = 0; p < flat.length; p++) {
        const x = (flat[p]! / height) | 0;
        for (let i = colStart[x]!, end = colStart[x + 1]!; i < end; i++) {
          if (fi[i] === flat[p]) {
            molecules[p] = m[i]!;
            owners[p] = o[i]!;
          }
        }
      }
      continue;
    }
    for (let i = 0; i < fi.length; i++) {
      const idx = fi[i]!;
      if (idx < lo || idx > hi) continue;
      for (let p = 0; p < flat.length; p++) {
        if (flat[p] === idx) {
          molecules[p] = m[i]!;
          owners[p] = o[i]!;
        }
      }
    }
  }
  return { molecules, owners };
}

export const MINIMAP_CLASSES = [
  'CODE',
  'DATA',
  'ENERGY',
  'STRUCTURE',
  'LABEL',
  'LABELREF',
  'REGISTER',
  'EMPTY',
] as const;
export const MINIMAP_EMPTY = 7;

export interface Minimap {
  readonly width: number;
  readonly height: number;
  /** Class per pixel (row-major, x fastest): 0..6 molecule type, 7 empty. */
  readonly classes: Uint8Array;
  /** Most frequent owner per pixel (0 = none). */
  readonly owners: Int32Array;
}

/**
 * A downsampled overview of a 2-D world (long side `longSide` px): per pixel the majority class of its
 * occupied cells (empty cells count as EMPTY with a small weight) and the most frequent owner.
 */
export function minimapAt(
  prepared: PreparedChunk,
  sampleIndex: number,
  shape: readonly number[],
  longSide = 300,
): Minimap {
  const W = shape[0]!;
  const H = shape[1] ?? 1;
  const scale = Math.min(1, longSide / Math.max(W, H));
  const w = Math.max(1, Math.round(W * scale));
  const h = Math.max(1, Math.round(H * scale));
  const full = new Int32Array(W * H);
  const fullOwn = new Int32Array(W * H);
  for (const li of prepared.plan(sampleIndex)) {
    const { flatIndices: fi, molecules: m, owners: o } = prepared.layer(li);
    for (let i = 0; i < fi.length; i++) {
      full[fi[i]!] = m[i]!;
      fullOwn[fi[i]!] = o[i]!;
    }
  }
  const counts = new Float32Array(w * h * 8);
  const ownerVotes = new Map<number, Map<number, number>>();
  const cellsPerPixel = (W / w) * (H / h);
  const pxOf = new Int32Array(W);
  for (let x = 0; x < W; x++) pxOf[x] = Math.min(w - 1, Math.floor((x * w) / W));
  const pyOf = new Int32Array(H);
  for (let y = 0; y < H; y++) pyOf[y] = Math.min(h - 1, Math.floor((y * h) / H));
  for (let x = 0; x < W; x++) {
    const row = x * H;
    const px = pxOf[x]!;
    for (let y = 0; y < H; y++) {
      const mol = full[row + y]!;
      const owner = fullOwn[row + y]!;
      if (mol === 0 && owner === 0) continue;
      const p = pyOf[y]! * w + px;
      const cls = mol === 0 ? MINIMAP_EMPTY : Math.min(6, moleculeType(mol));
      counts[p * 8 + (cls === 0 && moleculeValue(mol) === 0 ? MINIMAP_EMPTY : cls)]! += 1;
      if (owner !== 0) {
        let v = ownerVotes.get(p);
        if (!v) ownerVotes.set(p, (v = new Map()));
        v.set(owner, (v.get(owner) ?? 0) + 1);
      }
    }
  }
  const classes = new Uint8Array(w * h);
  const owners = new Int32Array(w * h);
  for (let p = 0; p < w * h; p++) {
    let occupied = 0;
    for (let c = 0; c < 7; c++) occupied += counts[p * 8 + c]!;
    counts[p * 8 + MINIMAP_EMPTY]! += Math.max(0, cellsPerPixel - occupied) / 25;
    let best = MINIMAP_EMPTY;
    let bestN = -1;
    for (let c = 0; c < 8; c++) {
      if (counts[p * 8 + c]! > bestN) {
        bestN = counts[p * 8 + c]!;
        best = c;
      }
    }
    classes[p] = best;
    const v = ownerVotes.get(p);
    if (v) {
      let bo = 0,
        bn = 0;
      for (const [o, n] of v)
        if (n > bn) {
          bo = o;
          bn = n;
        }
      owners[p] = bo;
    }
  }
  return { width: w, height: h, classes, owners };
}

/**
 * The binary environment response (little-endian, every section 4-byte aligned):
 *   magic "EVEN", u32 version (1), u32 tick (low 32 bits), u32 tickHigh, u32 dims,
 *   i32 min[dims], i32 max[dims], u32 cellCount,
 *   i32 flatIndices[cellCount], i32 molecules[cellCount], i32 owners[cellCount],
 *   u32 minimapWidth, u32 minimapHeight (0, 0 when not requested),
 *   i32 minimapOwners[w*h], u8 minimapClasses[w*h] (padded to 4 bytes).
 */
export function encodeEnvironment(tick: number, rc: RegionCells, minimap?: Minimap): Buffer {
  const dims = rc.region.min.length;
  const n = rc.cells.flatIndices.length;
  const mm = minimap ? minimap.width * minimap.height : 0;
  const header = 5 + 2 * dims + 1;
  const words = header + 3 * n + 2 + mm + Math.ceil(mm / 4);
  const buf = Buffer.alloc(words * 4);
  buf.write('EVEN', 0, 'ascii');
  let o = 4;
  buf.writeUInt32LE(1, o);
  o += 4;
  buf.writeUInt32LE(tick % 2 ** 32, o);
  o += 4;
  buf.writeUInt32LE(Math.floor(tick / 2 ** 32), o);
  o += 4;
  buf.writeUInt32LE(dims, o);
  o += 4;
  for (const v of rc.region.min) {
    buf.writeInt32LE(v, o);
    o += 4;
  }
  for (const v of rc.region.max) {
    buf.writeInt32LE(v, o);
    o += 4;
  }
  buf.writeUInt32LE(n, o);
  o += 4;
  const put = (a: Int32Array): void => {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, o);
    o += a.byteLength;
  };
  put(rc.cells.flatIndices);
  put(rc.cells.molecules);
  put(rc.cells.owners);
  buf.writeUInt32LE(minimap?.width ?? 0, o);
  o += 4;
  buf.writeUInt32LE(minimap?.height ?? 0, o);
  o += 4;
  if (minimap) {
    put(minimap.owners);
    Buffer.from(minimap.classes.buffer, minimap.classes.byteOffset, minimap.classes.byteLength).copy(buf, o);
  }
  return buf;
}
