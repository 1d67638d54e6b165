/**
 * Codecs of the index database's blobs (engine-neutral: any database stores them as opaque bytes).
 *
 * - Environment chunk: a TickDataChunk holding only cells (snapshot cells + delta cells and tick numbers; no
 *   organisms, RNG, plugin states or checkpoint), protobuf-encoded, one zstd frame.
 * - Organism tick: every OrganismState of one sample, length-delimited, one zstd frame.
 * A one-byte version prefix lets readers refuse blobs they do not understand.
 */
import { Compressor, decompress } from 'zstd-napi';
import { concatDelimited, readVarint, varintSize, writeVarint } from '../contracts/framing.js';
import { bytesToInt32, int32ToBytes } from '../contracts/columns.js';
import { OrganismState, TickDataChunk, type TickDataChunkProps } from '../contracts/index.js';
import { briefOf, type OrganismBrief } from '../contracts/organism-brief.js';
import { OrganismTimeline } from '../contracts/organism-timeline.js';
import { EvochoraError } from '../../errors.js';
import { cellsOnlyChunk, FieldCursor, scanOrganismFacts, type OrganismFacts } from '../contracts/chunk-fields.js';
import { PipelineErrorCode } from '../error-codes.js';

/** Organism blobs: [1, zstd(length-delimited OrganismStates)]. */
export const BLOB_VERSION = 1;
/**
 * Environment blobs: [2, flags, zstd(cells-only TickDataChunk)] where every cell column is byte-shuffled
 * (the 4 bytes of each int32 stored as 4 planes) and, when flag 1 is set, the snapshot's ascending flat
 * indices are stored as differences. Both make the columns compress about 3× better. Version 1 (plain) is
 * still read.
 */
export const ENVIRONMENT_BLOB_VERSION = 2;
const FLAG_SNAPSHOT_DELTA = 1;
/** One reused compression context at level 1 (blobs are small; a context per call would dominate). */
const compressors = new Map<number, Compressor>();
function compress(data: Uint8Array, level = 1): Buffer {
  let c = compressors.get(level);
  if (!c) {
    c = new Compressor();
    c.setParameters({ compressionLevel: level });
    compressors.set(level, c);
  }
  return c.compress(data);
}

function withVersion(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = BLOB_VERSION;
  out.set(payload, 1);
  return out;
}

function versionError(what: string, found: number | undefined, expected: number): EvochoraError {
  return new EvochoraError(
    PipelineErrorCode.INDEX_BLOB_VERSION,
    `Index ${what} blob has version ${found ?? 'none'}; this build reads version ${expected}.`,
    {
      actions: ['Re-index the run with `evochora index --run <runId>`.'],
    },
  );
}

function unwrap(blob: Uint8Array, what: string): Buffer {
  if (blob.length === 0 || blob[0] !== BLOB_VERSION) throw versionError(what, blob[0], BLOB_VERSION);
  return decompress(blob.subarray(1));
}

/** Byte planes of an int32 column: all lowest bytes, then all second bytes, … (little-endian values). */
function shuffle(b: Uint8Array): Uint8Array {
  if (b.length % 4 !== 0) return b;
  const v = bytesToInt32(b);
  const n = v.length;
  const out = new Uint8Array(b.length);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    out[i] = x & 0xff;
    out[n + i] = (x >>> 8) & 0xff;
    out[2 * n + i] = (x >>> 16) & 0xff;
    out[3 * n + i] = x >>> 24;
  }
  return out;
}

function unshuffle(b: Uint8Array): Uint8Array {
  if (b.length % 4 !== 0) return b;
  const n = b.length / 4;
  const v = new Int32Array(n);
  for (let i = 0; i < n; i++) v[i] = b[i]! | (b[n + i]! << 8) | (b[2 * n + i]! << 16) | (b[3 * n + i]! << 24);
  return int32ToBytes(v);
}

type Columns =
  { flatIndices?: Uint8Array | null; molecules?: Uint8Array | null; owners?: Uint8Array | null } | null | undefined;

function mapColumns(c: Columns, f: (b: Uint8Array) => Uint8Array): void {
  if (!c) return;
  if (c.flatIndices) c.flatIndices = f(c.flatIndices);
  if (c.molecules) c.molecules = f(c.molecules);
  if (c.owners) c.owners = f(c.owners);
}

/** Differences of ascending indices, in place on a copy; undefined when not ascending. */
function deltaCode(b: Uint8Array): Uint8Array | undefined {
  const a = bytesToInt32(b).slice();
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return undefined;
  for (let i = a.length - 1; i > 0; i--) a[i] = a[i]! - a[i - 1]!;
  return int32ToBytes(a);
}

function deltaDecode(b: Uint8Array): Uint8Array {
  const a = bytesToInt32(b).slice();
  for (let i = 1; i < a.length; i++) a[i] = a[i]! + a[i - 1]!;
  return int32ToBytes(a);
}

function packEnvironment(cellsOnly: TickDataChunk): Uint8Array {
  let flags = 0;
  const cells = cellsOnly.snapshot?.cells;
  if (cells?.flatIndices && cells.flatIndices.length > 0) {
    const d = deltaCode(cells.flatIndices);
    if (d) {
      cells.flatIndices = d;
      flags |= FLAG_SNAPSHOT_DELTA;
    }
  }
  mapColumns(cellsOnly.snapshot?.cells, shuffle);
  for (const d of cellsOnly.deltas) mapColumns(d.changedCells, shuffle);
  const z = compress(TickDataChunk.encode(cellsOnly).finish());
  const out = new Uint8Array(z.length + 2);
  out[0] = ENVIRONMENT_BLOB_VERSION;
  out[1] = flags;
  out.set(z, 2);
  return out;
}

/** The cells-only chunk of a decoded TickDataChunk. */
export function environmentChunkOf(chunk: TickDataChunk): TickDataChunkProps {
  const s = chunk.snapshot;
  return {
    simulationRunId: chunk.simulationRunId,
    firstTick: chunk.firstTick,
    lastTick: chunk.lastTick,
    tickCount: chunk.tickCount,
    snapshot: s ? { tickNumber: s.tickNumber, cells: s.cells, totalOrganismsCreated: s.totalOrganismsCreated } : null,
    deltas: chunk.deltas.map((d) => ({
      tickNumber: d.tickNumber,
      deltaType: d.deltaType,
      changedCells: d.changedCells,
      totalOrganismsCreated: d.totalOrganismsCreated,
    })),
  };
}

export function encodeEnvironmentBlob(chunk: TickDataChunk): Uint8Array {
  return packEnvironment(TickDataChunk.decode(TickDataChunk.encode(environmentChunkOf(chunk)).finish()));
}

export function decodeEnvironmentBlob(blob: Uint8Array): TickDataChunk {
  if (blob[0] === 1) return TickDataChunk.decode(decompress(blob.subarray(1)));
  if (blob[0] !== ENVIRONMENT_BLOB_VERSION || blob.length < 2)
    throw versionError('environment', blob[0], ENVIRONMENT_BLOB_VERSION);
  const flags = blob[1]!;
  const chunk = TickDataChunk.decode(decompress(blob.subarray(2)));
  mapColumns(chunk.snapshot?.cells, unshuffle);
  for (const d of chunk.deltas) mapColumns(d.changedCells, unshuffle);
  const cells = chunk.snapshot?.cells;
  if (flags & FLAG_SNAPSHOT_DELTA && cells?.flatIndices) cells.flatIndices = deltaDecode(cells.flatIndices);
  return chunk;
}

/** The reference path: decode the cells-only chunk, transform the columns, encode again. */
export function environmentBlobOfEncodedByDecoding(chunk: Uint8Array): Uint8Array {
  return packEnvironment(TickDataChunk.decode(cellsOnlyChunk(chunk)));
}

let scratch = new Uint8Array(0);

/**
 * Byte planes of the little-endian int32 column in `buf[from, from + len)`, in place; with `delta`, of the
 * differences of consecutive values (the first value kept). Works at any alignment.
 */
function shuffleInPlace(buf: Uint8Array, from: number, len: number, delta: boolean): void {
  const n = len >>> 2;
  if (scratch.length < len) scratch = new Uint8Array(Math.max(len, scratch.length * 2));
  const out = scratch;
  let prev = 0;
  for (let i = 0, o = from; i < n; i++, o += 4) {
    const v = buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24);
    const x = delta ? (v - prev) | 0 : v;
    prev = v;
    out[i] = x & 0xff;
    out[n + i] = (x >>> 8) & 0xff;
    out[2 * n + i] = (x >>> 16) & 0xff;
    out[3 * n + i] = x >>> 24;
  }
  buf.set(out.subarray(0, len), from);
}

function strictlyAscending(buf: Uint8Array, from: number, len: number): boolean {
  let prev = 0;
  for (let o = from, i = 0; o < from + len; o += 4, i++) {
    const v = buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24);
    if (i > 0 && v <= prev) return false;
    prev = v;
  }
  return true;
}

/**
 * Transforms the cell columns of a cells-only chunk in place exactly as packEnvironment does on the decoded
 * message (the bytes keep their length, so the framing stays valid). Returns the blob flags, or -1 when the
 * layout is not the plain one (a column whose length is not a multiple of 4), for the reference path.
 */
function packColumnsInPlace(slim: Uint8Array): number {
  let flags = 0;
  const c = new FieldCursor();
  const columns = (from: number, to: number, snapshot: boolean): boolean => {
    c.reset(slim, from, to);
    while (c.next()) {
      if (c.wireType !== 2 || c.number < 1 || c.number > 3) continue;
      const len = c.end - c.valueStart;
      if (len % 4 !== 0) return false;
      let delta = false;
      if (snapshot && c.number === 1 && len > 0 && strictlyAscending(slim, c.valueStart, len)) {
        delta = true;
        flags |= FLAG_SNAPSHOT_DELTA;
      }
      shuffleInPlace(slim, c.valueStart, len, delta);
    }
    return true;
  };
  const f = new FieldCursor().reset(slim);
  const g = new FieldCursor();
  while (f.next()) {
    if (f.wireType !== 2 || (f.number !== 5 && f.number !== 6)) continue;
    const cellsField = f.number === 5 ? 4 : 3;
    g.reset(slim, f.valueStart, f.end);
    while (g.next()) {
      if (g.number === cellsField && g.wireType === 2 && !columns(g.valueStart, g.end, f.number === 5)) return -1;
    }
  }
  return flags;
}

/**
 * The same blob from the encoded chunk: organisms, RNG, plugins and checkpoint are dropped on the wire, and
 * the columns are transformed in the one copy that makes (no decode, no re-encode: the engine's bytes are
 * canonical, so the result equals the reference path's, which a unit test checks).
 */
export function environmentBlobOfEncoded(chunk: Uint8Array): Uint8Array {
  // Cut into the shared buffer: transformed in place and compressed right here.
  const slim = cellsOnlyChunk(chunk, true);
  const flags = packColumnsInPlace(slim);
  if (flags < 0) return environmentBlobOfEncodedByDecoding(chunk);
  const z = compress(slim);
  const out = new Uint8Array(z.length + 2);
  out[0] = ENVIRONMENT_BLOB_VERSION;
  out[1] = flags;
  out.set(z, 2);
  return out;
}

/** The organism blob from already-encoded OrganismState messages. */
export function organismBlobOfEncoded(states: readonly Uint8Array[]): Uint8Array {
  return withVersion(compress(concatDelimited(states)));
}

export function encodeOrganismBlob(states: readonly OrganismState[]): Uint8Array {
  return withVersion(compress(concatDelimited(states.map((s) => OrganismState.encode(s).finish()))));
}

/**
 * Organism blobs handed out by a chunked index (SQLite): [2, length-delimited OrganismStates], uncompressed
 * (a view into the decompressed chunk). Never stored on its own.
 */
export const ORGANISM_RAW_BLOB_VERSION = 2;

export function decodeOrganismBlob(blob: Uint8Array): OrganismState[] {
  const buf = blob[0] === ORGANISM_RAW_BLOB_VERSION ? blob.subarray(1) : unwrap(blob, 'organism');
  const out: OrganismState[] = [];
  let off = 0;
  while (off < buf.length) {
    const v = readVarint(buf, off);
    if (!v) throw new RangeError('truncated organism blob');
    const [len, start] = v;
    out.push(OrganismState.decode(buf.subarray(start, start + len)));
    off = start + len;
  }
  return out;
}

/** One sample's organisms for an organism chunk blob. */
export interface OrganismSampleRow {
  readonly tick: number;
  /** Each organism's encoded OrganismState. */
  readonly organisms: readonly Uint8Array[];
}

/**
 * Version byte of organism chunk blobs: 1 = every sample's full states (format-1 era indexes, still read);
 * 2 = [2, zstd(the stored chunk cut down to tick numbers and organisms)]: the snapshot's full states and the
 * deltas as stored, so the index keeps what storage keeps and rebuilds a sample when it is read.
 */
export const ORGANISM_CHUNK_VERSION = 2;
const ORGANISM_CHUNK_VERSION_FULL_STATES = 1;

/**
 * The organism chunk blob of a stored chunk (organisms only; see organismsOnlyChunk), compressed at zstd
 * `level`. Level 1 is the default: on the mature default world level 6 makes these blobs a third smaller
 * (97 → 65 KB per 500-sample chunk; the whole index 309 → 232 B/tick, below storage's 266) for about three
 * times the compression CPU (1.0 → 3.3 ms per chunk), which cost the default node 7 % of its recorded ticks/s.
 */
export function organismChunkBlob(organismsOnly: Uint8Array, level = 1): Uint8Array {
  const z = compress(organismsOnly, level);
  const blob = new Uint8Array(z.length + 1);
  blob[0] = ORGANISM_CHUNK_VERSION;
  blob.set(z, 1);
  return blob;
}

/**
 * The version-1 organism chunk blob, which indexes wrote before storage format 2 (kept to write such blobs for
 * the reader's tests; the indexers write organismChunkBlob). Every sample of one stored chunk in one blob:
 * [1, zstd(per sample: varint tick, varint organism count,
 * varint n, then n bytes = [2, length-delimited states], a raw organism blob)]. One frame per chunk instead
 * of one per tick: about 5× smaller (consecutive samples repeat most of each state) and one compression call
 * instead of 50. Readers hand out each sample's raw blob as a view, without copying. The alive count is not
 * stored: a reader counts it in the one sample it serves (writing it would mean scanning every state).
 */
export function encodeOrganismChunk(samples: readonly OrganismSampleRow[]): Uint8Array {
  let total = 0;
  for (const s of samples) {
    let body = 1;
    for (const o of s.organisms) body += varintSize(o.length) + o.length;
    total += varintSize(s.tick) + varintSize(s.organisms.length) + varintSize(body) + body;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const s of samples) {
    let body = 1;
    for (const o of s.organisms) body += varintSize(o.length) + o.length;
    off = writeVarint(out, off, s.tick);
    off = writeVarint(out, off, s.organisms.length);
    off = writeVarint(out, off, body);
    out[off++] = ORGANISM_RAW_BLOB_VERSION;
    for (const o of s.organisms) {
      off = writeVarint(out, off, o.length);
      out.set(o, off);
      off += o.length;
    }
  }
  const z = compress(out);
  const blob = new Uint8Array(z.length + 1);
  blob[0] = ORGANISM_CHUNK_VERSION_FULL_STATES;
  blob.set(z, 1);
  return blob;
}

export interface OrganismChunkSample {
  readonly tick: number;
  readonly organismCount: number;
  /** A raw organism blob (version 2) for decodeOrganismBlob. */
  readonly data: Uint8Array;
  /** The decoded states, when the reader has them anyway (rebuilt from deltas). */
  readonly states?: OrganismState[];
}

/** The samples of an organism chunk blob, rebuilt on demand (a reader steps through neighbouring ticks). */
export interface OrganismChunkView {
  get(tick: number): OrganismChunkSample | undefined;
  /** The briefs of the organisms at `tick` (what a list shows), or undefined when the chunk did not sample it. */
  briefs(tick: number): OrganismBrief[] | undefined;
  /** One organism's state at `tick` (null: it has none there), or undefined when the chunk did not sample it. */
  state(tick: number, organismId: number): OrganismState | null | undefined;
}

export function decodeOrganismChunk(blob: Uint8Array): OrganismChunkView {
  if (blob.length > 0 && blob[0] === ORGANISM_CHUNK_VERSION) return organismChunkViewOf(decompress(blob.subarray(1)));
  return decodeFullStatesChunk(blob);
}

/** The samples of a stored chunk (any TickDataChunk bytes of format 2 on: all fields, or organisms only). */
export function organismChunkViewOf(chunk: Uint8Array): OrganismChunkView {
  const timeline = OrganismTimeline.ofEncoded(chunk);
  return {
    get(tick) {
      const states = timeline.at(tick);
      if (!states) return undefined;
      let data: Uint8Array | undefined;
      return {
        tick,
        organismCount: states.length,
        states,
        // Encoded only for a caller that wants the bytes (the visualizer takes the states).
        get data() {
          return (data ??= withRawVersion(concatDelimited(states.map((s) => OrganismState.encode(s).finish()))));
        },
      };
    },
    briefs: (tick) => timeline.briefsAt(tick),
    state: (tick, organismId) => timeline.stateAt(tick, organismId),
  };
}

function decodeFullStatesChunk(blob: Uint8Array): OrganismChunkView {
  if (blob.length === 0 || blob[0] !== ORGANISM_CHUNK_VERSION_FULL_STATES)
    throw versionError('organism chunk', blob[0], ORGANISM_CHUNK_VERSION);
  const buf = decompress(blob.subarray(1));
  const out = new Map<number, OrganismChunkSample>();
  let off = 0;
  const next = (): number => {
    const v = readVarint(buf, off);
    if (!v) throw new RangeError('truncated organism chunk blob');
    off = v[1];
    return v[0];
  };
  while (off < buf.length) {
    const tick = next();
    const organismCount = next();
    const n = next();
    if (off + n > buf.length) throw new RangeError('truncated organism chunk blob');
    out.set(tick, { tick, organismCount, data: buf.subarray(off, off + n) });
    off += n;
  }
  return {
    get: (tick) => out.get(tick),
    briefs(tick) {
      const s = out.get(tick);
      return s && decodeOrganismBlob(s.data).map(briefOf);
    },
    state(tick, organismId) {
      const s = out.get(tick);
      return s && (decodeOrganismBlob(s.data).find((o) => o.organismId === organismId) ?? null);
    },
  };
}

function withRawVersion(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = ORGANISM_RAW_BLOB_VERSION;
  out.set(payload, 1);
  return out;
}

/** Organisms of a raw organism blob (version 2) that are not dead, without decoding them. */
export function aliveCountOfRawBlob(blob: Uint8Array): number {
  const facts: OrganismFacts = { organismId: 0, isDead: false };
  let alive = 0;
  let off = 1;
  while (off < blob.length) {
    const v = readVarint(blob, off);
    if (!v) throw new RangeError('truncated organism blob');
    const [len, start] = v;
    if (!scanOrganismFacts(blob.subarray(start, start + len), facts).isDead) alive++;
    off = start + len;
  }
  return alive;
}
