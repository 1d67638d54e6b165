/**
 * The persisted file format shared by batches, metadata and dead letters: zstd (with checksums) of a
 * length-delimited StorageFileHeader followed by `message_count` length-delimited payload messages; from format 3
 * each message is its own zstd frame and a frame table ends the file (compressFramed). Readers stream the file
 * chunk by chunk and refuse unknown format versions; one chunk can also be read alone (decodeMessageFrame).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DecompressStream, Decompressor } from 'zstd-napi';
import zstdBinding from 'zstd-napi/binding.js';
import { EvochoraError } from '../../errors.js';
import {
  CONTENT_TICK_DATA_CHUNK,
  STORAGE_FORMAT_VERSION,
  SUPPORTED_FORMAT_VERSIONS,
  StorageFileHeader,
  type ChunkMessage,
} from '../contracts/index.js';
import type { BatchWriteResult, StoredFrame } from '../api/batch-storage.js';
import type { BufferPool } from '../api/buffer-pool.js';
import type { ChunkLease } from '../api/chunk-lease.js';
import { readVarint, writeVarint, varintSize } from '../contracts/framing.js';
import {
  checkChunkColumns,
  holdsPlanedColumns,
  planeChunkColumns,
  unplaneChunkColumns,
} from './chunk-column-planes.js';
import { PipelineErrorCode } from '../error-codes.js';
import { runIdOfKey } from './storage-keys.js';
import { DEFAULT_BATCH_COMPRESSION_LEVEL } from './batch-compression-level.js';

export class StorageFileCorruptError extends EvochoraError {
  constructor(
    readonly file: string,
    readonly offset: number,
    problem: string,
  ) {
    super(
      PipelineErrorCode.STORAGE_FILE_CORRUPT,
      `Storage file '${file}' is corrupt or truncated at offset ${offset}: ${problem}.`,
      {
        actions: [
          'The file cannot be read; the ticks it held are lost unless a copy exists (check the DLQ with `evochora dlq list`).',
          'Other batch files of the run remain readable.',
        ],
        data: { file, offset },
      },
    );
  }
}

/** A batch file that a read names (a notification, an index reference, a listing) is not in storage. */
export class BatchFileMissingError extends EvochoraError {
  constructor(readonly key: string) {
    const runId = runIdOfKey(key);
    super(
      PipelineErrorCode.BATCH_NOT_FOUND,
      `Batch file '${key}' is not in storage: it was deleted or moved after it was written, so its ticks cannot be read.`,
      {
        actions: [
          'Restore the file from a copy if there is one; `evochora verify --run ' +
            runId +
            '` lists every batch of the run that is missing or damaged.',
        ],
        data: { key },
      },
    );
  }
}

/** The error a read of batch `key` failed with, as BatchFileMissingError when the file does not exist. */
export function batchReadError(key: string, err: unknown): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT' ? new BatchFileMissingError(key) : err;
}

export class UnsupportedFormatVersionError extends EvochoraError {
  constructor(
    readonly file: string,
    readonly version: number,
  ) {
    super(
      PipelineErrorCode.UNSUPPORTED_FORMAT_VERSION,
      `Storage file '${file}' has format version ${version}; this version of Evochora reads only ${SUPPORTED_FORMAT_VERSIONS.join(', ')}.`,
      { actions: ['Read it with the Evochora version that wrote it, or upgrade Evochora.'], data: { file, version } },
    );
  }
}

export interface FileHeaderFields {
  readonly contentType: string;
  readonly simulationRunId: string;
  readonly firstTick?: number;
  readonly lastTick?: number;
  readonly tickCount?: number;
}

/**
 * The header of the batch file that holds `chunks` (one run, ascending ticks), for every storage backend.
 * A batch that mixes runs is refused (MIXED_RUN_IDS), an empty one is a RangeError.
 */
export function batchHeaderOf(key: string, chunks: readonly ChunkMessage[]): Required<FileHeaderFields> {
  if (chunks.length === 0) throw new RangeError('a batch needs at least one chunk');
  const first = chunks[0]!;
  let tickCount = 0;
  for (const c of chunks) {
    if (c.simulationRunId !== first.simulationRunId)
      throw new EvochoraError(
        PipelineErrorCode.MIXED_RUN_IDS,
        `Batch ${key} mixes runs '${first.simulationRunId}' and '${c.simulationRunId}'.`,
      );
    tickCount += c.tickCount;
  }
  return {
    contentType: CONTENT_TICK_DATA_CHUNK,
    simulationRunId: first.simulationRunId,
    firstTick: first.firstTick,
    lastTick: chunks[chunks.length - 1]!.lastTick,
    tickCount,
  };
}

/** What writing a batch file reports, for every storage backend. */
export function batchWriteResult(
  key: string,
  header: Required<FileHeaderFields>,
  chunkCount: number,
  file: { readonly bytes: Uint8Array; readonly rawBytes: number },
): BatchWriteResult {
  return {
    key,
    simulationRunId: header.simulationRunId,
    firstTick: header.firstTick,
    lastTick: header.lastTick,
    chunkCount,
    tickCount: header.tickCount,
    bytesWritten: file.bytes.length,
    rawBytes: file.rawBytes,
    objects: [
      {
        key,
        firstTick: header.firstTick,
        lastTick: header.lastTick,
        sizeBytes: file.bytes.length,
        chunkCount,
        tickCount: header.tickCount,
      },
    ],
  };
}

export interface EncodedFile {
  /** The compressed file bytes. */
  readonly bytes: Uint8Array;
  /** Bytes before compression (header + framed payloads). */
  readonly rawBytes: number;
}

/** Compression contexts by level, for compressFramed (which writes frames into memory of its own). */
const contexts = new Map<number, InstanceType<typeof zstdBinding.CCtx>>();

function contextFor(level: number): InstanceType<typeof zstdBinding.CCtx> {
  let c = contexts.get(level);
  if (!c) {
    c = new zstdBinding.CCtx();
    c.setParameter(zstdBinding.CParameter.compressionLevel, level);
    c.setParameter(zstdBinding.CParameter.checksumFlag, 1);
    contexts.set(level, c);
  }
  return c;
}

/**
 * Where compressFramed puts a file's frames before they go into the file's own memory: reused from file to file.
 * Compressing each frame into a fresh buffer of its worst-case size (what zstd-napi's Compressor does) and copying
 * it twice cost a page fault per 4 KB written and made V8 collect ~10 times a second for the external memory.
 */
let staging = Buffer.allocUnsafeSlow(0);

/**
 * The uncompressed stream of a storage file: length-delimited header followed by the length-delimited payloads,
 * in memory from `alloc` when given (FileSystemCompressor.frameBuffer: reused), else of its own.
 */
export function frameStorageFile(
  header: FileHeaderFields,
  payloads: readonly Uint8Array[],
  alloc?: (bytes: number) => Uint8Array,
): Uint8Array {
  const headerBytes = encodeHeader(header, payloads.length);
  let total = varintSize(headerBytes.length) + headerBytes.length;
  for (const p of payloads) total += varintSize(p.length) + p.length;
  // Not zero-filled: every byte is written below. Unpooled (transferable) when it is memory of its own.
  const raw: Uint8Array = alloc ? alloc(total) : Buffer.allocUnsafeSlow(total);
  let off = writeVarint(raw, 0, headerBytes.length);
  raw.set(headerBytes, off);
  off += headerBytes.length;
  for (const p of payloads) {
    off = writeVarint(raw, off, p.length);
    raw.set(p, off);
    off += p.length;
  }
  return raw;
}

/** Offset of each payload (its length prefix) in the framed stream frameStorageFile makes of them. */
export function framedOffsets(header: FileHeaderFields, payloads: readonly Uint8Array[]): number[] {
  const headerLength = encodeHeader(header, payloads.length).length;
  let off = varintSize(headerLength) + headerLength;
  return payloads.map((p) => {
    const at = off;
    off += varintSize(p.length) + p.length;
    return at;
  });
}

function encodeHeader(header: FileHeaderFields, messageCount: number): Uint8Array {
  return StorageFileHeader.encode({
    formatVersion: STORAGE_FORMAT_VERSION,
    contentType: header.contentType,
    simulationRunId: header.simulationRunId,
    firstTick: header.firstTick ?? 0,
    lastTick: header.lastTick ?? 0,
    messageCount,
    tickCount: header.tickCount ?? 0,
  }).finish();
}

/**
 * Compresses a framed stream (format 3): each length-delimited message (the header, then each payload) in its
 * own zstd frame with content checksum, followed by the frame table (see FrameTable). The stream is consumed:
 * in a chunk file the cell columns are rewritten in place as byte planes first (chunk-column-planes.ts).
 * Decompressing the whole file (any zstd reader, the CLI included) gives the framed stream back; the table lets
 * a reader decompress one chunk alone. A stream that is not length-delimited messages becomes one frame.
 */
export function compressFramed(raw: Uint8Array, level = DEFAULT_BATCH_COMPRESSION_LEVEL): Uint8Array {
  planeColumnsOfFramed(raw);
  const bounds = messageBounds(raw);
  const c = contextFor(level);
  // Not length-delimited messages: one frame, no table.
  const count = bounds ? bounds.length - 1 : 1;
  const sizes = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const frame = bounds ? raw.subarray(bounds[i]!, bounds[i + 1]!) : raw;
    const room = total + zstdBinding.compressBound(frame.length);
    if (staging.length < room) {
      const grown = Buffer.allocUnsafeSlow(Math.max(room, staging.length * 2));
      staging.copy(grown, 0, 0, total);
      staging = grown;
    }
    const n = c.compress2(staging.subarray(total), frame);
    sizes[i] = n;
    total += n;
  }
  if (!bounds) {
    const whole: Uint8Array = Buffer.allocUnsafeSlow(total);
    staging.copy(whole, 0, 0, total);
    return whole;
  }
  const tableBytes = 8 + 4 * count + 8;
  const out: Uint8Array = Buffer.allocUnsafeSlow(total + tableBytes);
  staging.copy(out, 0, 0, total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let off = total;
  view.setUint32(off, FRAME_TABLE_MAGIC, true);
  view.setUint32(off + 4, tableBytes - 8, true);
  off += 8;
  for (let i = 0; i < count; i++) {
    view.setUint32(off, sizes[i]!, true);
    off += 4;
  }
  view.setUint32(off, count, true);
  view.setUint32(off + 4, FRAME_TABLE_FOOTER, true);
  return out;
}

/** Start of each length-delimited message of `raw`, and its end; undefined when `raw` is not such a stream. */
function messageBounds(raw: Uint8Array): number[] | undefined {
  const out: number[] = [0];
  let off = 0;
  while (off < raw.length) {
    let v: [number, number] | undefined;
    try {
      v = readVarint(raw, off);
    } catch {
      return undefined;
    }
    if (!v || v[1] + v[0] > raw.length) return undefined;
    off = v[1] + v[0];
    out.push(off);
  }
  return out.length > 1 ? out : undefined;
}

/**
 * Format 3's frame table: a skippable zstd frame (magic 0x184D2A5E, which every zstd reader skips) at the end of
 * the file, holding each message frame's compressed size (u32 LE; the header's frame first), the frame count and
 * a footer mark, so a reader finds it from the file's last 8 bytes.
 */
const FRAME_TABLE_MAGIC = 0x184d2a5e;
const FRAME_TABLE_FOOTER = 0x33544645; // "EFT3"

/** Where one message's zstd frame lies in its file (compressed bytes). */
export type MessageFrame = StoredFrame;

/** Bytes at the end of a file that say how long the frame table is (frame count, footer). */
export const FRAME_TABLE_TAIL_BYTES = 8;

/** The frame table's size in bytes, from the file's last 8 bytes; undefined when the file has none (formats 1–2). */
export function frameTableSize(tail: Uint8Array): number | undefined {
  if (tail.length < FRAME_TABLE_TAIL_BYTES) return undefined;
  const view = new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 8);
  if (view.getUint32(4, true) !== FRAME_TABLE_FOOTER) return undefined;
  return 8 + 4 * view.getUint32(0, true) + 8;
}

/**
 * The message frames of a file from its frame table (`table`: the file's last frameTableSize bytes, `fileSize`:
 * the whole file's): index 0 is the header's, index i + 1 the i-th payload's. Undefined when the table is not
 * one (a damaged file is then read as a stream, which names the damage).
 */
export function messageFramesOf(table: Uint8Array, fileSize: number): MessageFrame[] | undefined {
  const size = frameTableSize(table);
  if (size === undefined || table.length < size) return undefined;
  const view = new DataView(table.buffer, table.byteOffset + table.length - size, size);
  if (view.getUint32(0, true) !== FRAME_TABLE_MAGIC || view.getUint32(4, true) !== size - 8) return undefined;
  const count = view.getUint32(size - 8, true);
  const out: MessageFrame[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(8 + 4 * i, true);
    out.push({ offset, length });
    offset += length;
  }
  return offset + size === fileSize ? out : undefined;
}

/** The message frames of a file on disk (reads only its table), or undefined when it has no table. */
export async function readMessageFrames(path: string): Promise<MessageFrame[] | undefined> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < FRAME_TABLE_TAIL_BYTES) return undefined;
    const tail = Buffer.alloc(FRAME_TABLE_TAIL_BYTES);
    await fh.read(tail, 0, tail.length, size - tail.length);
    const tableSize = frameTableSize(tail);
    if (tableSize === undefined || tableSize > size) return undefined;
    const table = Buffer.alloc(tableSize);
    await fh.read(table, 0, tableSize, size - tableSize);
    return messageFramesOf(table, size);
  } finally {
    await fh.close();
  }
}

/** Reads one message frame's bytes from a file on disk (for decodeMessageFrame), into `into` when given. */
export async function readFrameBytes(
  path: string,
  displayName: string,
  frame: MessageFrame,
  into?: Uint8Array,
): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = into ? into.subarray(0, frame.length) : Buffer.allocUnsafe(frame.length);
    const { bytesRead } = await fh.read(buf, 0, frame.length, frame.offset);
    if (bytesRead !== frame.length)
      throw new StorageFileCorruptError(displayName, frame.offset, 'the file ends inside a chunk frame');
    return buf;
  } finally {
    await fh.close();
  }
}

const frameDecompressor = new Decompressor();
const frameDCtx = new zstdBinding.DCtx();
/** Frames larger than this (a dense 2048×1152 chunk is ~10 MB) are decompressed into memory of their own. */
const MAX_POOLED_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * The payload of one message frame (read with messageFramesOf): decompressed, length prefix removed, cell
 * columns unplaned when `planed`. Anything zstd or the framing rejects is StorageFileCorruptError naming the
 * file and the frame's offset.
 */
export function decodeMessageFrame(
  frame: Uint8Array,
  displayName: string,
  at: number,
  planed: boolean,
  restoreColumns = true,
): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = frameDecompressor.decompress(frame);
  } catch (err) {
    throw zstdFrameError(displayName, at, err);
  }
  return framePayload(raw, displayName, at, planed, restoreColumns);
}

/**
 * decodeMessageFrame into a buffer of `pool` when the frame is large and says its size (every frame this
 * project writes does); the lease comes with it. Smaller frames are decoded as decodeMessageFrame does.
 */
export function decodeMessageFrameLeased(
  frame: Uint8Array,
  displayName: string,
  at: number,
  planed: boolean,
  restoreColumns: boolean,
  pool: BufferPool,
): { readonly data: Uint8Array; readonly lease?: ChunkLease } {
  let size: number | null;
  try {
    size = zstdBinding.getFrameContentSize(frame);
  } catch (err) {
    throw zstdFrameError(displayName, at, err);
  }
  // Beyond any real chunk, a size is taken as the header says only by the plain path (which reports a frame that
  // does not hold it as corrupt), never kept in the pool.
  if (size === null || size < pool.minBytes || size > MAX_POOLED_FRAME_BYTES)
    return { data: decodeMessageFrame(frame, displayName, at, planed, restoreColumns) };
  const { bytes, lease } = pool.lease(size);
  try {
    let written: number;
    try {
      written = frameDCtx.decompress(bytes, frame);
    } catch (err) {
      throw zstdFrameError(displayName, at, err);
    }
    if (written !== size)
      throw new StorageFileCorruptError(
        displayName,
        at,
        `zstd frame at byte ${at} holds ${written} bytes, its header says ${size}`,
      );
    return { data: framePayload(bytes, displayName, at, planed, restoreColumns), lease };
  } catch (err) {
    lease.release();
    throw err;
  }
}

/** What zstd rejected in the frame at `at` of a file, as the corrupt file it shows. */
function zstdFrameError(displayName: string, at: number, err: unknown): StorageFileCorruptError {
  return new StorageFileCorruptError(displayName, at, `zstd frame at byte ${at}: ${(err as Error).message}`);
}

/** A decompressed frame's one message, length prefix removed (its cell columns unplaned when asked). */
function framePayload(
  raw: Uint8Array,
  displayName: string,
  at: number,
  planed: boolean,
  restoreColumns: boolean,
): Uint8Array {
  const v = readVarint(raw, 0);
  if (!v || v[1] + v[0] !== raw.length)
    throw new StorageFileCorruptError(displayName, at, `the frame at byte ${at} does not hold one message`);
  const data = raw.subarray(v[1]);
  if (planed) {
    try {
      if (restoreColumns) unplaneChunkColumns(data);
      else checkChunkColumns(data);
    } catch (err) {
      throw new StorageFileCorruptError(displayName, at, `undecodable chunk (${(err as Error).message})`);
    }
  }
  return data;
}

/** Planes the cell columns of every chunk in a framed chunk-file stream (other contents are left alone). */
function planeColumnsOfFramed(raw: Uint8Array): void {
  const h = readVarint(raw, 0);
  if (!h) return;
  const [headerLength, headerStart] = h;
  let header: StorageFileHeader;
  try {
    header = StorageFileHeader.decode(raw.subarray(headerStart, headerStart + headerLength));
  } catch {
    return; // not a storage-file stream: compressed as it is
  }
  if (!holdsPlanedColumns(header)) return;
  let off = headerStart + headerLength;
  while (off < raw.length) {
    const m = readVarint(raw, off);
    if (!m) throw new RangeError(`truncated length prefix at offset ${off} of a framed chunk file`);
    const [len, start] = m;
    planeChunkColumns(raw, start, start + len);
    off = start + len;
  }
}

/** Frames header + payloads and compresses them (compressFramed). */
export function encodeStorageFile(
  header: FileHeaderFields,
  payloads: readonly Uint8Array[],
  level = DEFAULT_BATCH_COMPRESSION_LEVEL,
): EncodedFile {
  const raw = frameStorageFile(header, payloads);
  return { bytes: compressFramed(raw, level), rawBytes: raw.length };
}

export interface StoredMessage {
  /** Index among the payload messages (0-based; the header is not counted). */
  readonly index: number;
  /** Offset of the message's length prefix in the decompressed stream. */
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface StorageFileReader {
  /** Resolves to the header once it has been read and checked. */
  header(): Promise<StorageFileHeader>;
  messages(): AsyncGenerator<StoredMessage>;
}

/**
 * Reads a storage file from disk one payload message at a time (frame by frame when it has a frame table, else as
 * a decompressing stream), so memory stays at about one message. Any problem raises StorageFileCorruptError naming the file and offset,
 * or UnsupportedFormatVersionError.
 */
export async function* readStorageFile(
  path: string,
  displayName: string,
  expectedContentType?: string,
  onHeader?: (h: StorageFileHeader) => void,
  /** The file's frame table when the caller has read it already (undefined: read it here). */
  knownFrames?: readonly MessageFrame[] | null,
  /** False: cell columns may stay byte-planed (their structure is checked); see ReadBatchOptions. */
  restoreColumns = true,
): AsyncGenerator<StoredMessage> {
  const frames = knownFrames !== undefined ? knownFrames : await readMessageFrames(path).catch(() => undefined);
  if (frames && frames.length > 0) {
    yield* readFramedStorageFile(path, frames, displayName, expectedContentType, onHeader, restoreColumns);
    return;
  }
  yield* readStorageStream(
    createReadStream(path, { highWaterMark: 256 * 1024 }),
    displayName,
    expectedContentType,
    onHeader,
    restoreColumns,
  );
}

/** A file's header message, decoded and checked (format version, content type) by both readers. */
function checkedHeader(
  data: Uint8Array,
  displayName: string,
  offset: number,
  expectedContentType: string | undefined,
): StorageFileHeader {
  let header: StorageFileHeader;
  try {
    header = StorageFileHeader.decode(data);
  } catch (err) {
    throw new StorageFileCorruptError(displayName, offset, `unreadable file header (${(err as Error).message})`);
  }
  if (!SUPPORTED_FORMAT_VERSIONS.includes(header.formatVersion))
    throw new UnsupportedFormatVersionError(displayName, header.formatVersion);
  if (expectedContentType !== undefined && header.contentType !== expectedContentType)
    throw new StorageFileCorruptError(
      displayName,
      offset,
      `holds '${header.contentType}' messages, expected '${expectedContentType}'`,
    );
  return header;
}

/**
 * A file with a frame table (format 3 on), read frame by frame: each message's compressed frame is read and
 * decompressed whole. The same messages and checks as the stream reader, with far fewer objects and buffers per
 * message (no stream pieces to join): a bulk reader such as `verify` spent a quarter of its time in GC otherwise.
 */
async function* readFramedStorageFile(
  path: string,
  frames: readonly MessageFrame[],
  displayName: string,
  expectedContentType?: string,
  onHeader?: (h: StorageFileHeader) => void,
  restoreColumns = true,
): AsyncGenerator<StoredMessage> {
  const fh = await open(path, 'r');
  const readFrame = async (f: MessageFrame): Promise<Uint8Array> => {
    const bytes = Buffer.allocUnsafe(f.length);
    const { bytesRead } = await fh.read(bytes, 0, f.length, f.offset);
    if (bytesRead !== f.length)
      throw new StorageFileCorruptError(displayName, f.offset, 'the file ends inside a message frame');
    return bytes;
  };
  // The next frame is read while this one is decompressed and used.
  let next: Promise<Uint8Array> | undefined = readFrame(frames[0]!);
  try {
    let planed = false;
    let streamPos = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const bytes = await next!;
      next = i + 1 < frames.length ? readFrame(frames[i + 1]!) : undefined;
      next?.catch(() => undefined); // a failed read ahead is reported when its frame is reached
      const data = decodeMessageFrame(bytes, displayName, f.offset, i > 0 && planed, restoreColumns);
      const offset = streamPos;
      streamPos += varintSize(data.length) + data.length;
      if (i === 0) {
        const header = checkedHeader(data, displayName, 0, expectedContentType);
        if (header.messageCount !== frames.length - 1)
          throw new StorageFileCorruptError(
            displayName,
            0,
            `the header announces ${header.messageCount} messages but the frame table lists ${frames.length - 1}`,
          );
        onHeader?.(header);
        planed = holdsPlanedColumns(header);
        continue;
      }
      yield { index: i - 1, offset, data };
    }
  } finally {
    await next?.catch(() => undefined);
    await fh.close();
  }
}

/**
 * The one reader of the storage file format, for any byte stream: a local file (readStorageFile) or an
 * object body streamed from S3. An error that carries a system code (ENOENT, EACCES, ECONNRESET, a premature
 * close) is a read problem and passes through as it is; anything zstd or the framing rejects is
 * StorageFileCorruptError with the offset in the decompressed stream.
 */
export async function* readStorageStream(
  input: Readable,
  displayName: string,
  expectedContentType?: string,
  onHeader?: (h: StorageFileHeader) => void,
  restoreColumns = true,
): AsyncGenerator<StoredMessage> {
  const inflate = new DecompressStream();
  let compressedRead = 0;
  // The file's last bytes, where format 3 keeps its frame table (checked at the end: zstd skips that frame).
  let tail: Uint8Array = new Uint8Array(0);
  input.on('data', (b: Buffer | string) => {
    const bytes = typeof b === 'string' ? Buffer.from(b) : b;
    compressedRead += bytes.length;
    tail = keepLast(tail, bytes, TAIL_KEPT);
  });
  input.on('error', (err) => inflate.destroy(err));
  input.pipe(inflate);

  // Decompressed pieces not yet consumed. `pos` is the read position inside pieces[0]; `streamPos` is the
  // decompressed stream offset of that position. A message inside one piece is returned as a view; one that
  // spans pieces is joined once (each byte copied at most once), so reading stays linear in the file size.
  const pieces: Uint8Array[] = [];
  let pos = 0;
  let available = 0; // unread bytes over all pieces
  let streamPos = 0;
  let header: StorageFileHeader | undefined;
  let index = 0;
  let planed = false;
  let ended = false;
  const corrupt = (offset: number, problem: string): StorageFileCorruptError =>
    new StorageFileCorruptError(displayName, offset, problem);

  const iterator = inflate[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (err) {
      // zstd's own errors carry no code; read and network errors do.
      if (typeof (err as { code?: unknown }).code === 'string') throw err;
      throw corrupt(
        streamPos + available,
        `zstd: ${(err as Error).message} (after ${compressedRead} compressed bytes)`,
      );
    }
    if (next.done) {
      ended = true;
      return false;
    }
    if (next.value.length === 0) return true;
    pieces.push(next.value);
    available += next.value.length;
    return true;
  };
  /** Consumes `n` bytes (n ≤ available): a view when they lie in one piece, else one joined copy. */
  const take = (n: number): Uint8Array => {
    const first = pieces[0];
    if (n === 0) return new Uint8Array(0);
    let out: Uint8Array;
    if (first !== undefined && first.length - pos >= n) {
      out = first.subarray(pos, pos + n);
      pos += n;
      if (pos === first.length) {
        pieces.shift();
        pos = 0;
      }
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const p = pieces[0]!;
        const k = Math.min(n - filled, p.length - pos);
        out.set(p.subarray(pos, pos + k), filled);
        filled += k;
        pos += k;
        if (pos === p.length) {
          pieces.shift();
          pos = 0;
        }
      }
    }
    available -= n;
    streamPos += n;
    return out;
  };
  /** The length prefix at the read position, without consuming it; undefined when it is not complete yet. */
  const peekVarint = (): [number, number] | undefined => {
    const first = pieces[0];
    if (first === undefined) return undefined;
    if (first.length - pos >= 8 || pieces.length === 1) {
      const v = readVarint(first, pos);
      return v && [v[0], v[1] - pos];
    }
    const head = new Uint8Array(Math.min(8, available));
    let filled = 0;
    for (let i = 0, p = pos; filled < head.length; i++, p = 0) {
      const piece = pieces[i]!;
      const k = Math.min(head.length - filled, piece.length - p);
      head.set(piece.subarray(p, p + k), filled);
      filled += k;
    }
    return readVarint(head, 0);
  };

  try {
    for (;;) {
      // Read one length-delimited message.
      let v: [number, number] | undefined;
      for (;;) {
        try {
          v = peekVarint();
        } catch {
          throw corrupt(streamPos, 'malformed length prefix');
        }
        if (v) break;
        if (!(await fill())) {
          if (available === 0) v = undefined;
          else throw corrupt(streamPos, 'file ends inside a length prefix');
          break;
        }
      }
      if (!v) break; // clean end of stream
      const [len, prefixLen] = v;
      if (len > 1 << 30) throw corrupt(streamPos, `message length ${len} is implausible`);
      while (available < prefixLen + len) {
        if (!(await fill()))
          throw corrupt(streamPos, `message of ${len} bytes is cut off after ${available - prefixLen} bytes`);
      }
      const offset = streamPos;
      take(prefixLen);
      const data = take(len);
      if (!header) {
        header = checkedHeader(data, displayName, offset, expectedContentType);
        onHeader?.(header);
        planed = holdsPlanedColumns(header);
        continue;
      }
      if (index >= header.messageCount)
        throw corrupt(offset, `more messages than the ${header.messageCount} the header announces`);
      if (planed) {
        try {
          if (restoreColumns) unplaneChunkColumns(data);
          else checkChunkColumns(data);
        } catch (err) {
          throw corrupt(offset, `undecodable chunk (${(err as Error).message})`);
        }
      }
      yield { index, offset, data };
      index++;
    }
    if (!header) throw corrupt(0, 'the file is empty (no header)');
    if (index !== header.messageCount)
      throw corrupt(streamPos, `the header announces ${header.messageCount} messages but the file holds ${index}`);
    const tableSize = frameTableSize(tail);
    if (header.formatVersion >= 3 && !(tableSize !== undefined && tableSize > tail.length)) {
      const frames = messageFramesOf(tail, compressedRead);
      if (frames?.length !== header.messageCount + 1)
        throw corrupt(
          streamPos,
          `the frame table at the end of the file (compressed byte ${compressedRead}) is missing or damaged`,
        );
    }
  } finally {
    input.destroy();
    inflate.destroy();
  }
}

/** How much of a file's end the stream reader keeps to check the frame table (tables of up to ~1,000 frames). */
const TAIL_KEPT = 4096;

function keepLast(kept: Uint8Array, more: Uint8Array, n: number): Uint8Array {
  if (more.length >= n) return more.slice(more.length - n);
  const keep = Math.min(kept.length, n - more.length);
  const out = new Uint8Array(keep + more.length);
  out.set(kept.subarray(kept.length - keep), 0);
  out.set(more, keep);
  return out;
}

/** Reads a whole (small) storage file: header and every payload. */
export async function readWholeStorageFile(
  path: string,
  displayName: string,
  expectedContentType?: string,
): Promise<{ header: StorageFileHeader; messages: StoredMessage[] }> {
  let header: StorageFileHeader | undefined;
  const messages: StoredMessage[] = [];
  for await (const m of readStorageFile(path, displayName, expectedContentType, (h) => (header = h))) messages.push(m);
  return { header: header!, messages };
}

/** Peeks TickDataChunk fields 1–4 (run id, first/last tick, tick count) without decoding the chunk. */
export function peekChunk(data: Uint8Array): {
  simulationRunId: string;
  firstTick: number;
  lastTick: number;
  tickCount: number;
} {
  let off = 0;
  let simulationRunId = '';
  let firstTick = 0;
  let lastTick = 0;
  let tickCount = 0;
  while (off < data.length) {
    const t = readVarint(data, off);
    if (!t) break;
    const [tag, next] = t;
    off = next;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = readVarint(data, off);
      if (!v) break;
      off = v[1];
      if (field === 2) firstTick = v[0];
      else if (field === 3) lastTick = v[0];
      else if (field === 4) tickCount = v[0];
    } else if (wire === 2) {
      const v = readVarint(data, off);
      if (!v) break;
      const [len, s] = v;
      if (field === 1) simulationRunId = Buffer.from(data.buffer, data.byteOffset + s, len).toString('utf8');
      off = s + len;
      if (field >= 5) break; // snapshot and deltas follow the scalar fields
    } else break;
  }
  return { simulationRunId, firstTick, lastTick, tickCount };
}
