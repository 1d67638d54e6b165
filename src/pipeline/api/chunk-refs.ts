/**
 * Chunk references: how an index points at a chunk in storage instead of keeping a second copy of it. From
 * storage format 3 each chunk of a batch file is its own zstd frame, so the index stores only the file key and
 * the frame's place (a few dozen bytes per 500 ticks), and a reader decompresses that one frame when it needs
 * the chunk. The reference travels in the index's blob column, marked by its own version byte, so an index
 * holds references and copies side by side (runs indexed before, engines that keep copies).
 */
import { EvochoraError } from '../../errors.js';
import { readVarint, varintSize, writeVarint } from '../contracts/framing.js';
import { PipelineErrorCode } from '../error-codes.js';
import type { BatchStorageReader, ChunkFrameRead, StoredFrame } from './batch-storage.js';

/** First byte of a reference blob ("R"); copies start with their own small version numbers. */
export const CHUNK_REF_VERSION = 0x52;

/** A chunk in storage: its batch file and its frame there. */
export interface ChunkRef {
  readonly key: string;
  readonly frame: StoredFrame;
}

/** The blob that stands for a stored chunk: [0x52, varint offset, varint length, key as UTF-8]. */
export function chunkRefBlob(key: string, frame: StoredFrame): Uint8Array {
  const k = Buffer.from(key, 'utf8');
  const out = new Uint8Array(1 + varintSize(frame.offset) + varintSize(frame.length) + k.length);
  out[0] = CHUNK_REF_VERSION;
  let off = writeVarint(out, 1, frame.offset);
  off = writeVarint(out, off, frame.length);
  out.set(k, off);
  return out;
}

/** The reference a blob holds, or undefined when the blob is a copy. */
export function chunkRefOf(blob: Uint8Array): ChunkRef | undefined {
  if (blob.length < 3 || blob[0] !== CHUNK_REF_VERSION) return undefined;
  const o = readVarint(blob, 1);
  const l = o && readVarint(blob, o[1]);
  if (!o || !l) return undefined;
  const key = Buffer.from(blob.buffer, blob.byteOffset + l[1], blob.length - l[1]).toString('utf8');
  return { key, frame: { offset: o[0], length: l[0] } };
}

/**
 * Reads the chunk a reference names: the bytes readBatchFile would yield for it, except that the cell columns
 * may still be byte planes (`planedColumns`; organisms and everything else are as stored). Readers of cells
 * decode them (the visualizer reads a region without restoring a whole dense snapshot). A read with a `lease`
 * is the caller's own share of a reused buffer: it releases the lease when it no longer needs the bytes.
 */
export type ChunkSource = (ref: ChunkRef) => Promise<ChunkFrameRead>;

/**
 * A ChunkSource over a storage reader that keeps the last few chunks it read: the cells and the organisms of
 * one tick come from the same chunk, and a viewer steps through neighbouring ticks. The kept reads hold their
 * leases until they are dropped.
 */
export function chunkSourceOf(
  storage: Pick<BatchStorageReader, 'readChunkFrame' | 'readChunkFramePlaned'>,
  keep = 4,
): ChunkSource {
  const recent = new Map<string, Promise<ChunkFrameRead>>();
  return (ref) => {
    const id = `${ref.key}@${ref.frame.offset}`;
    let read = recent.get(id);
    if (read) {
      recent.delete(id);
      recent.set(id, read);
    } else {
      if (storage.readChunkFramePlaned) read = storage.readChunkFramePlaned(ref.key, ref.frame);
      else if (storage.readChunkFrame)
        read = storage.readChunkFrame(ref.key, ref.frame).then((data) => ({ data, planedColumns: false }));
      else return Promise.reject(new ChunkSourceMissingError(ref.key));
      const failed = read;
      recent.set(id, read);
      read.catch(() => {
        if (recent.get(id) === failed) recent.delete(id);
      });
      while (recent.size > keep) {
        const [oldest, dropped] = recent.entries().next().value as [string, Promise<ChunkFrameRead>];
        recent.delete(oldest);
        void dropped.then(
          (r) => r.lease?.release(),
          () => undefined,
        );
      }
    }
    // The caller's share is taken in a reaction registered now, so it runs before the release of any later
    // eviction (a promise runs its reactions in the order they were registered).
    return read.then((r) => (r.lease ? { ...r, lease: r.lease.retain() } : r));
  };
}

/** The index points into storage, and no storage that can read single chunks is attached to it. */
export class ChunkSourceMissingError extends EvochoraError {
  constructor(key: string) {
    super(
      PipelineErrorCode.CHUNK_SOURCE_MISSING,
      `The index refers to chunks of the stored batch '${key}', and no storage that reads single chunks is attached to read them.`,
      {
        actions: [
          'Read the index through a node whose pipeline has the storage the run was recorded to (file-system storage), or re-index the run with `evochora index --run <runId>`.',
        ],
        data: { key },
      },
    );
  }
}
