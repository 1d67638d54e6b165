/**
 * The persisted file format shared by batches, metadata and dead letters: one zstd frame (with checksum)
 * holding a length-delimited StorageFileHeader followed by `message_count` length-delimited payload messages.
 * Readers stream the file chunk by chunk and refuse unknown format versions.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DecompressStream, Compressor } from 'zstd-napi';
import { EvochoraError } from '../../errors.js';
import {
  CONTENT_TICK_DATA_CHUNK,
  STORAGE_FORMAT_VERSION,
  SUPPORTED_FORMAT_VERSIONS,
  StorageFileHeader,
  type ChunkMessage,
} from '../contracts/index.js';
import type { BatchWriteResult } from '../api/batch-storage.js';
import { readVarint, writeVarint, varintSize } from '../contracts/framing.js';
import { holdsPlanedColumns, planeChunkColumns, unplaneChunkColumns } from './chunk-column-planes.js';
import { PipelineErrorCode } from '../error-codes.js';

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
  };
}

export interface EncodedFile {
  /** The compressed file bytes. */
  readonly bytes: Uint8Array;
  /** Bytes before compression (header + framed payloads). */
  readonly rawBytes: number;
}

const compressors = new Map<number, Compressor>();

function compressorFor(level: number): Compressor {
  let c = compressors.get(level);
  if (!c) {
    c = new Compressor();
    c.setParameters({ compressionLevel: level, checksumFlag: true });
    compressors.set(level, c);
  }
  return c;
}

/** The uncompressed stream of a storage file: length-delimited header followed by the length-delimited payloads. */
export function frameStorageFile(header: FileHeaderFields, payloads: readonly Uint8Array[]): Uint8Array {
  const headerBytes = encodeHeader(header, payloads.length);
  let total = varintSize(headerBytes.length) + headerBytes.length;
  for (const p of payloads) total += varintSize(p.length) + p.length;
  // Its own (unpooled, transferable) memory, not zero-filled: every byte is written below.
  const raw: Uint8Array = Buffer.allocUnsafeSlow(total);
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
 * Compresses a framed stream into one zstd frame (with content checksum) at `level`. The stream is consumed:
 * in a chunk file the cell columns are rewritten in place as byte planes first (chunk-column-planes.ts).
 */
export function compressFramed(raw: Uint8Array, level = 3): Uint8Array {
  planeColumnsOfFramed(raw);
  return compressorFor(level).compress(raw);
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

/** Frames header + payloads and compresses them into one zstd frame. */
export function encodeStorageFile(header: FileHeaderFields, payloads: readonly Uint8Array[], level = 3): EncodedFile {
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
 * Streams a storage file from disk: decompresses as it reads and yields one payload message at a time, so
 * memory stays at about one message. Any problem raises StorageFileCorruptError naming the file and offset,
 * or UnsupportedFormatVersionError.
 */
export function readStorageFile(
  path: string,
  displayName: string,
  expectedContentType?: string,
  onHeader?: (h: StorageFileHeader) => void,
): AsyncGenerator<StoredMessage> {
  return readStorageStream(
    createReadStream(path, { highWaterMark: 256 * 1024 }),
    displayName,
    expectedContentType,
    onHeader,
  );
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
): AsyncGenerator<StoredMessage> {
  const inflate = new DecompressStream();
  let compressedRead = 0;
  input.on('data', (b: Buffer | string) => (compressedRead += b.length));
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
        try {
          header = StorageFileHeader.decode(data);
        } catch (err) {
          throw corrupt(offset, `unreadable file header (${(err as Error).message})`);
        }
        if (!SUPPORTED_FORMAT_VERSIONS.includes(header.formatVersion))
          throw new UnsupportedFormatVersionError(displayName, header.formatVersion);
        if (expectedContentType !== undefined && header.contentType !== expectedContentType)
          throw corrupt(offset, `holds '${header.contentType}' messages, expected '${expectedContentType}'`);
        onHeader?.(header);
        planed = holdsPlanedColumns(header);
        continue;
      }
      if (index >= header.messageCount)
        throw corrupt(offset, `more messages than the ${header.messageCount} the header announces`);
      if (planed) {
        try {
          unplaneChunkColumns(data);
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
  } finally {
    input.destroy();
    inflate.destroy();
  }
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
