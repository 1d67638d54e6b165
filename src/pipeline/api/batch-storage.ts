/**
 * The storage ports: what a service bound as `storage-write` or `storage-read` may call, whichever backend
 * (file system, S3) is behind it. Batch files hold consecutive chunks of one run; keys are deterministic.
 */
import { EvochoraError } from '../../errors.js';
import type { ChunkMessage, SimulationMetadata, TickDataChunk } from '../contracts/index.js';
import { PipelineErrorCode } from '../error-codes.js';
import type { ChunkLease } from './chunk-lease.js';

/** A stored batch object the indexers are told about (as listed, plus its counts when this write stored it). */
export interface BatchObject extends BatchFileInfo {
  /** Chunks and sampled ticks it holds: absent for an object an earlier delivery stored (not read back). */
  readonly chunkCount?: number;
  readonly tickCount?: number;
}

export interface BatchWriteResult {
  /** The key the batch was asked to be written under. */
  readonly key: string;
  readonly simulationRunId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly chunkCount: number;
  readonly tickCount: number;
  /** Bytes of the file on disk (compressed). */
  readonly bytesWritten: number;
  /** Bytes of the framed, uncompressed stream. */
  readonly rawBytes: number;
  /**
   * The objects that now hold the batch's chunks, in tick order; each is announced to the indexers. Usually
   * the one object under `key`. A redelivered batch may be held partly or wholly by objects an earlier
   * delivery stored (and may not have announced before it died): those are listed too, and `key` itself
   * may not exist.
   */
  readonly objects: readonly BatchObject[];
}

export interface MetadataWriteResult {
  readonly key: string;
  readonly bytesWritten: number;
}

/** What a `storage-write` port offers. */
export interface BatchStorageWriter {
  /** The deterministic key of a batch spanning `firstTick..lastTick` of a run. */
  batchKey(simulationRunId: string, firstTick: number, lastTick: number): string;
  /** Writes the chunks (ascending ticks, one run) as one batch file under `key`; replaces an existing file. */
  writeBatch(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult>;
  writeMetadata(simulationRunId: string, data: Uint8Array): Promise<MetadataWriteResult>;
}

export interface BatchFileInfo {
  readonly key: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly sizeBytes: number;
}

/** Where one chunk's own zstd frame lies in its batch file (storage format 3 on): compressed bytes. */
export interface StoredFrame {
  readonly offset: number;
  readonly length: number;
}

export interface StoredChunk {
  readonly key: string;
  /** Offset of the chunk in the decompressed stream of its file. */
  readonly offset: number;
  /** The chunk's frame in the file, when the file has a frame table (format 3 on) and the backend reads frames. */
  readonly frame?: StoredFrame;
  readonly simulationRunId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly tickCount: number;
  readonly data: Uint8Array;
  /**
   * Present when `data` lies in reused memory (a chunk this process recorded, served from the storage's cache):
   * the reader's share. A reader that is done with the bytes releases it, and the memory may then be reused; one
   * that never releases keeps the bytes as they are.
   */
  readonly lease?: ChunkLease;
}

/**
 * Lets go of one share of each chunk in reused memory (ChunkMessage.lease, StoredChunk.lease): whoever holds the
 * shares (a message's consumer, a cache, a reader) calls it once it no longer needs the bytes.
 */
export function releaseChunks(chunks: readonly { readonly lease?: ChunkLease }[]): void {
  for (const c of chunks) c.lease?.release();
}

/** How a batch file is read. */
export interface ReadBatchOptions {
  /**
   * False: the caller never reads the chunks' cell columns (verify without replay), so the reader may leave them
   * as stored (byte planes) instead of restoring them; their structure is still checked. Default true.
   */
  readonly readsCells?: boolean;
}

/** What a `storage-read` port offers. */
export interface BatchStorageReader {
  listRunIds(): Promise<string[]>;
  listBatches(simulationRunId: string, fromTick?: number, toTick?: number): Promise<BatchFileInfo[]>;
  readMetadata(simulationRunId: string): Promise<SimulationMetadata>;
  /** Streams, chunk by chunk and in tick order, every chunk that overlaps `fromTick..toTick`. */
  readChunks(simulationRunId: string, fromTick?: number, toTick?: number): AsyncGenerator<StoredChunk>;
  readBatchFile(key: string, options?: ReadBatchOptions): AsyncGenerator<StoredChunk>;
  /** Decodes a stored chunk; a protobuf error becomes StorageFileCorruptError naming file and offset. */
  decodeChunk(chunk: StoredChunk): TickDataChunk;
  /**
   * One chunk's bytes (as readBatchFile yields them) read from its frame alone, without the rest of the batch:
   * how the index finds a chunk it points to. Backends without it are read batch by batch.
   */
  readChunkFrame?(key: string, frame: StoredFrame): Promise<Uint8Array>;
  /**
   * readChunkFrame without restoring the cell columns where the file keeps them as byte planes
   * (contracts/columns.ts): for a reader that decodes only the cells it reads. The structure is still checked.
   */
  readChunkFramePlaned?(key: string, frame: StoredFrame): Promise<ChunkFrameRead>;
}

/** One chunk read alone, and whether its cell columns are still byte planes. */
export interface ChunkFrameRead {
  readonly data: Uint8Array;
  readonly planedColumns: boolean;
  /**
   * Present when `data` lies in a reused buffer (BufferPool): the receiver's share of it. Whoever keeps the bytes
   * beyond one synchronous use holds the lease and releases it when done; the last release lets the next read
   * overwrite them.
   */
  readonly lease?: ChunkLease;
}

/** Whether a resource offers the reading operations (the file system and S3 storages do). */
export function isBatchStorageReader(x: unknown): x is BatchStorageReader {
  const s = x as Partial<BatchStorageReader> | undefined;
  return typeof s?.readChunks === 'function' && typeof s.readMetadata === 'function';
}

/** Whether a resource offers the writing operations (the file system and S3 storages do). */
export function isBatchStorageWriter(x: unknown): x is BatchStorageWriter {
  const s = x as Partial<BatchStorageWriter> | undefined;
  return (
    typeof s?.writeBatch === 'function' && typeof s.writeMetadata === 'function' && typeof s.batchKey === 'function'
  );
}

/** A run id that names no stored run. */
export class RunNotFoundError extends EvochoraError {
  constructor(runId: string, root: string) {
    super(PipelineErrorCode.RUN_NOT_FOUND, `No recorded run '${runId}' under ${root}.`, {
      actions: ['`evochora inspect storage` lists the stored runs; check --data-dir or the storage options.'],
      data: { runId, root },
    });
  }
}
