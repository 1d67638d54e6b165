/**
 * Filesystem storage for recorded runs. Batch files and metadata are written atomically and durably
 * (see atomic-file.ts) under deterministic keys (see storage-keys.ts), in the format of storage-file.ts.
 * Services reach it through `storage-write` (BatchStorageWriter) and `storage-read` (BatchStorageReader)
 * bindings; commands and tests may use the class directly.
 */
import { existsSync, statfsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { EvochoraError } from '../../errors.js';
import {
  CONTENT_SIMULATION_METADATA,
  CONTENT_TICK_DATA_CHUNK,
  SimulationMetadata,
  TickDataChunk,
  type ChunkMessage,
} from '../contracts/index.js';
import type { Metrics } from '../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../api/resource.js';
import { bindBatchStorage, chunksInRange } from './batch-storage-binding.js';
import { SlidingWindowRate } from '../api/sliding-window-rate.js';
import { BufferPool } from '../api/buffer-pool.js';
import { realFsOps, writeFileAtomic, type FsOps } from './atomic-file.js';
import { FileSystemCompressor } from './file-system-storage-compressor.js';
import {
  batchHeaderOf,
  batchWriteResult,
  compressFramed,
  decodeMessageFrame,
  decodeMessageFrameLeased,
  frameStorageFile,
  messageFramesOf,
  readFrameBytes,
  readMessageFrames,
  framedOffsets,
  peekChunk,
  readStorageFile,
  StorageFileCorruptError,
  batchReadError,
  type FileHeaderFields,
} from './storage-file.js';
import { DEFAULT_BATCH_COMPRESSION_LEVEL } from './batch-compression-level.js';

import {
  batchKey,
  DEFAULT_FOLDER_LEVELS,
  isTempFileName,
  metadataKey,
  parseBatchFileName,
  validateKey,
} from './storage-keys.js';
import { validateRunId } from '../contracts/run-id.js';
import {
  releaseChunks,
  RunNotFoundError,
  type BatchFileInfo,
  type BatchStorageReader,
  type BatchStorageWriter,
  type BatchWriteResult,
  type ChunkFrameRead,
  type MetadataWriteResult,
  type StoredChunk,
  type StoredFrame,
  type ReadBatchOptions,
} from '../api/batch-storage.js';
import { PipelineErrorCode } from '../error-codes.js';
import type { AnalyticsFileInfo, AnalyticsStore } from '../api/analytics-store.js';
import type { RunFootprint, RunRemovalStorage } from '../api/run-removal.js';
import { ANALYTICS_DIR } from './storage-keys.js';

/** Prefix of a run folder being removed: listings skip names starting with ".". */
const REMOVING = '.deleting-';

/** Bytes under `path` and its newest modification time (a missing path is empty). */
async function sizeAndNewest(path: string): Promise<{ bytes: number; newest: number }> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) return { bytes: 0, newest: 0 };
  if (!st.isDirectory()) return { bytes: st.size, newest: st.mtimeMs };
  let bytes = 0;
  let newest = st.mtimeMs;
  for (const e of await fsp.readdir(path)) {
    const r = await sizeAndNewest(join(path, e));
    bytes += r.bytes;
    newest = Math.max(newest, r.newest);
  }
  return { bytes, newest };
}

/** Batches whose chunks stay in memory after their write, for this process's readers (see readBatchFile). */
const RECENTLY_WRITTEN_BATCHES = 2;

export interface FileSystemStorageOptions {
  /** Absolute directory, or relative to the node's data dir. */
  readonly rootDirectory: string;
  readonly folderLevels?: readonly number[];
  readonly compressionLevel?: number;
  /**
   * Compress batch files in a worker thread (default true), so the node's event loop (queues, services,
   * the simulation's hand-over) never waits for zstd. The bytes are the same either way.
   */
  readonly compressInWorker?: boolean;
  /** The compressor to use instead of a new one (tests inject faulty workers). */
  readonly compressor?: FileSystemCompressor;
  /** Filesystem operations (tests inject faults here). */
  readonly fsOps?: FsOps;
}

/**
 * Visits the files below `dir` (depth first; temp files of writes in progress skipped) with their path, their
 * path relative to the walk (`rel` joined with "/") and their name. A missing folder is empty. `descend` may skip
 * folders by their relative path.
 */
async function walkFiles(
  dir: string,
  rel: string,
  visit: (path: string, relPath: string, name: string) => Promise<void>,
  descend: (relPath: string) => boolean = () => true,
): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (isTempFileName(e.name)) continue;
    const relPath = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (descend(relPath)) await walkFiles(join(dir, e.name), relPath, visit, descend);
    } else await visit(join(dir, e.name), relPath, e.name);
  }
}

export class FileSystemStorage
  implements Resource, BatchStorageWriter, BatchStorageReader, AnalyticsStore, RunRemovalStorage
{
  readonly type = 'FileSystemStorage';
  readonly usageTypes = ['storage-write', 'storage-read', 'analytics-write', 'analytics-read'] as const;
  readonly root: string;
  private readonly levels: readonly number[];
  private readonly level: number;
  private readonly ops: FsOps;
  /** Off-thread compression (undefined: compress inline). */
  readonly compressor: FileSystemCompressor | undefined;
  private readonly errorLog = new ErrorLog();
  private readonly writeRate = new SlidingWindowRate();
  private readonly writeBytesRate = new SlidingWindowRate();
  private counters = {
    writes: 0,
    bytesWritten: 0,
    rawBytesWritten: 0,
    writeErrors: 0,
    reads: 0,
    cachedReads: 0,
    bytesRead: 0,
    readErrors: 0,
    writeLatencyMsTotal: 0,
    lastWriteLatencyMs: 0,
    analyticsFilesWritten: 0,
    analyticsBytesWritten: 0,
  };

  constructor(
    readonly name: string,
    options: FileSystemStorageOptions,
    dataDir = '.',
  ) {
    this.root = isAbsolute(options.rootDirectory) ? options.rootDirectory : resolve(dataDir, options.rootDirectory);
    this.levels = options.folderLevels ?? DEFAULT_FOLDER_LEVELS;
    this.level = options.compressionLevel ?? DEFAULT_BATCH_COMPRESSION_LEVEL;
    this.ops = options.fsOps ?? realFsOps;
    this.compressor =
      options.compressInWorker === false ? undefined : (options.compressor ?? new FileSystemCompressor());
  }

  /** Frames and compresses one file (in the compression worker when there is one). */
  private async encode(
    header: FileHeaderFields,
    payloads: readonly Uint8Array[],
  ): Promise<{ bytes: Uint8Array; rawBytes: number }> {
    const c = this.compressor;
    const raw = frameStorageFile(header, payloads, c ? (bytes) => c.frameBuffer(bytes) : undefined);
    const rawBytes = raw.length;
    const bytes = this.compressor ? await this.compressor.compress(raw, this.level) : compressFramed(raw, this.level);
    return { bytes, rawBytes };
  }

  async close(): Promise<void> {
    await this.compressor?.close();
  }

  pathOf(key: string): string {
    return join(this.root, validateKey(key));
  }

  // ---- writing ----

  batchKey(simulationRunId: string, firstTick: number, lastTick: number): string {
    return batchKey(simulationRunId, firstTick, lastTick, this.levels);
  }

  async writeBatch(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult> {
    const header = batchHeaderOf(key, chunks);
    const payloads = chunks.map((c) => c.data);
    let file: { bytes: Uint8Array; rawBytes: number };
    try {
      file = await this.encode(header, payloads);
    } catch (err) {
      this.counters.writeErrors++;
      const e = err as NodeJS.ErrnoException;
      this.errorLog.record(e.code ?? PipelineErrorCode.COMPRESSION_FAILED, `compressing ${key} failed: ${e.message}`);
      throw err;
    }
    await this.writeFile(key, file.bytes, file.rawBytes);
    this.rememberWritten(
      key,
      chunks,
      framedOffsets(header, payloads),
      messageFramesOf(file.bytes, file.bytes.length)?.slice(1),
    );
    return batchWriteResult(key, header, chunks.length, file);
  }

  async writeMetadata(simulationRunId: string, data: Uint8Array): Promise<MetadataWriteResult> {
    const key = metadataKey(simulationRunId);
    const file = await this.encode({ contentType: CONTENT_SIMULATION_METADATA, simulationRunId }, [data]);
    await this.writeFile(key, file.bytes, file.rawBytes);
    return { key, bytesWritten: file.bytes.length };
  }

  private async writeFile(key: string, bytes: Uint8Array, rawBytes: number): Promise<void> {
    const started = performance.now();
    try {
      await writeFileAtomic(this.pathOf(key), bytes, this.ops);
    } catch (err) {
      this.counters.writeErrors++;
      const e = err as NodeJS.ErrnoException;
      this.errorLog.record(e.code ?? 'WRITE_FAILED', `writing ${key} failed: ${e.message}`);
      throw err;
    }
    const ms = performance.now() - started;
    this.counters.writes++;
    this.counters.bytesWritten += bytes.length;
    this.counters.rawBytesWritten += rawBytes;
    this.counters.writeLatencyMsTotal += ms;
    this.counters.lastWriteLatencyMs = ms;
    this.writeRate.record();
    this.writeBytesRate.record(bytes.length);
  }

  // ---- reading ----

  async listRunIds(): Promise<string[]> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(this.root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return entries
      .filter((e) => e.isDirectory() && !isTempFileName(e.name) && existsSync(join(this.root, e.name, 'raw')))
      .map((e) => e.name)
      .sort();
  }

  async listBatches(simulationRunId: string, fromTick = 0, toTick = Number.MAX_SAFE_INTEGER): Promise<BatchFileInfo[]> {
    validateRunId(simulationRunId);
    const rawDir = join(this.root, simulationRunId, 'raw');
    if (!existsSync(join(this.root, simulationRunId))) throw new RunNotFoundError(simulationRunId, this.root);
    const out: BatchFileInfo[] = [];
    await walkFiles(rawDir, `${simulationRunId}/raw`, async (path, key, name) => {
      const parsed = parseBatchFileName(name);
      if (!parsed || parsed.lastTick < fromTick || parsed.firstTick > toTick) return;
      const st = await fsp.stat(path).catch(() => undefined);
      if (st) out.push({ key, firstTick: parsed.firstTick, lastTick: parsed.lastTick, sizeBytes: st.size });
    });
    out.sort((a, b) => a.firstTick - b.firstTick || a.lastTick - b.lastTick);
    return out;
  }

  async readMetadata(simulationRunId: string): Promise<SimulationMetadata> {
    const key = metadataKey(simulationRunId);
    const path = this.pathOf(key);
    if (!existsSync(path)) {
      if (!existsSync(join(this.root, simulationRunId))) throw new RunNotFoundError(simulationRunId, this.root);
      throw new EvochoraError(
        PipelineErrorCode.METADATA_NOT_FOUND,
        `Run '${simulationRunId}' has no metadata file yet (${key}).`,
        {
          actions: [
            'The MetadataPersistenceService writes it when the run starts; check that it is configured and running.',
          ],
        },
      );
    }
    for await (const m of readStorageFile(path, key, CONTENT_SIMULATION_METADATA)) {
      this.counters.reads++;
      this.counters.bytesRead += m.data.length;
      try {
        return SimulationMetadata.decode(m.data);
      } catch (err) {
        throw new StorageFileCorruptError(key, m.offset, `undecodable SimulationMetadata (${(err as Error).message})`);
      }
    }
    throw new StorageFileCorruptError(key, 0, 'no SimulationMetadata message');
  }

  readChunks(simulationRunId: string, fromTick = 0, toTick = Number.MAX_SAFE_INTEGER): AsyncGenerator<StoredChunk> {
    return chunksInRange(this, simulationRunId, fromTick, toTick);
  }

  /**
   * The chunks of the last few batches this storage wrote, served to readers in this process (the node's
   * indexers read each batch right after it was written) instead of reading, decompressing and parsing the
   * file again: the same bytes, and the indexers' largest cost saved. A chunk in reused memory
   * (ChunkMessage.lease) is held with a share of its own until it leaves the cache, and every reader it is
   * served to gets a share of its own (StoredChunk.lease).
   */
  private readonly recentlyWritten = new Map<string, readonly StoredChunk[]>();
  /** Buffers for single-chunk reads: a dense world's chunk is megabytes, read afresh by every cold query. */
  private readonly readBuffers = new BufferPool();

  private rememberWritten(
    key: string,
    chunks: readonly ChunkMessage[],
    offsets: readonly number[],
    frames: readonly StoredFrame[] | undefined,
  ): void {
    const replaced = this.recentlyWritten.get(key);
    this.recentlyWritten.delete(key);
    this.recentlyWritten.set(
      key,
      chunks.map((c, i) => ({
        key,
        offset: offsets[i]!,
        ...(frames?.[i] ? { frame: frames[i] } : {}),
        simulationRunId: c.simulationRunId,
        firstTick: c.firstTick,
        lastTick: c.lastTick,
        tickCount: c.tickCount,
        data: c.data,
        ...(c.lease ? { lease: c.lease.retain() } : {}),
      })),
    );
    if (replaced) releaseChunks(replaced);
    while (this.recentlyWritten.size > RECENTLY_WRITTEN_BATCHES) {
      const oldest = this.recentlyWritten.keys().next().value as string;
      releaseChunks(this.recentlyWritten.get(oldest)!);
      this.recentlyWritten.delete(oldest);
    }
  }

  async *readBatchFile(key: string, options: ReadBatchOptions = {}): AsyncGenerator<StoredChunk> {
    const recent = this.recentlyWritten.get(key);
    if (recent) {
      this.counters.cachedReads++;
      // The reader's shares are taken now, for the whole batch: the cache may let go of it while the reader
      // is between chunks. Those not handed out (the reader stopped early) are given back.
      const served = recent.map((c) => (c.lease ? { ...c, lease: c.lease.retain() } : c));
      let next = 0;
      try {
        while (next < served.length) yield served[next++]!;
      } finally {
        for (let i = next; i < served.length; i++) served[i]!.lease?.release();
      }
      return;
    }
    const path = this.pathOf(key);
    this.counters.reads++;
    try {
      const frames = await readMessageFrames(path).catch(() => undefined);
      const restore = options.readsCells !== false;
      for await (const m of readStorageFile(path, key, CONTENT_TICK_DATA_CHUNK, undefined, frames ?? null, restore)) {
        this.counters.bytesRead += m.data.length;
        let peek: ReturnType<typeof peekChunk>;
        try {
          peek = peekChunk(m.data);
        } catch (err) {
          throw new StorageFileCorruptError(key, m.offset, `undecodable chunk header (${(err as Error).message})`);
        }
        const frame = frames?.[m.index + 1];
        yield { key, offset: m.offset, ...(frame ? { frame } : {}), ...peek, data: m.data };
      }
    } catch (cause) {
      this.counters.readErrors++;
      const err = batchReadError(key, cause);
      const e = err as EvochoraError;
      this.errorLog.record(e.code ?? 'READ_FAILED', e.message);
      throw err;
    }
  }

  async readChunkFrame(key: string, frame: StoredFrame): Promise<Uint8Array> {
    return (await this.readFrame(key, frame, true, false)).data;
  }

  /** The bytes of a large chunk come in a reused buffer with its lease (ChunkFrameRead). */
  readChunkFramePlaned(key: string, frame: StoredFrame): Promise<ChunkFrameRead> {
    return this.readFrame(key, frame, false, true);
  }

  private async readFrame(
    key: string,
    frame: StoredFrame,
    restoreColumns: boolean,
    leased: boolean,
  ): Promise<ChunkFrameRead> {
    const recent = this.recentlyWritten.get(key)?.find((c) => c.frame?.offset === frame.offset);
    if (recent) {
      this.counters.cachedReads++;
      // A reader without a lease (readChunkFrame) cannot give its share back: its bytes are then never reused.
      const share = recent.lease?.retain();
      return { data: recent.data, planedColumns: false, ...(share && leased ? { lease: share } : {}) };
    }
    this.counters.reads++;
    // The compressed bytes are needed only until they are decompressed: their buffer goes back at once.
    const staging =
      leased && frame.length >= this.readBuffers.minBytes ? this.readBuffers.lease(frame.length) : undefined;
    try {
      const bytes = await readFrameBytes(this.pathOf(key), key, frame, staging?.bytes);
      const read = leased
        ? decodeMessageFrameLeased(bytes, key, frame.offset, true, restoreColumns, this.readBuffers)
        : { data: decodeMessageFrame(bytes, key, frame.offset, true, restoreColumns) };
      this.counters.bytesRead += read.data.length;
      return { ...read, planedColumns: !restoreColumns };
    } catch (cause) {
      this.counters.readErrors++;
      const err = batchReadError(key, cause);
      const e = err as EvochoraError;
      this.errorLog.record(e.code ?? 'READ_FAILED', e.message);
      throw err;
    } finally {
      staging?.lease.release();
    }
  }

  decodeChunk(chunk: StoredChunk): TickDataChunk {
    try {
      return TickDataChunk.decode(chunk.data);
    } catch (err) {
      throw new StorageFileCorruptError(
        chunk.key,
        chunk.offset,
        `undecodable TickDataChunk (${(err as Error).message})`,
      );
    }
  }

  // ---- analytics (see api/analytics-store.ts) ----

  private analyticsPath(runId: string, path: string): string {
    return this.pathOf(`${validateRunId(runId)}/${ANALYTICS_DIR}/${path}`);
  }

  localAnalyticsDirectory(runId: string): string {
    return join(this.root, validateRunId(runId), ANALYTICS_DIR);
  }

  async writeAnalyticsFile(runId: string, path: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.analyticsPath(runId, path), bytes, this.ops);
    this.counters.analyticsFilesWritten++;
    this.counters.analyticsBytesWritten += bytes.length;
  }

  async deleteAnalyticsFile(runId: string, path: string): Promise<void> {
    await fsp.rm(this.analyticsPath(runId, path), { force: true });
  }

  async readAnalyticsFile(runId: string, path: string): Promise<Uint8Array | undefined> {
    try {
      return await fsp.readFile(this.analyticsPath(runId, path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async listAnalyticsRuns(): Promise<string[]> {
    return (await this.listRunIds()).filter((id) => existsSync(join(this.root, id, ANALYTICS_DIR)));
  }

  async listAnalyticsFiles(runId: string, prefix = ''): Promise<AnalyticsFileInfo[]> {
    const root = this.localAnalyticsDirectory(runId);
    const out: AnalyticsFileInfo[] = [];
    await walkFiles(
      root,
      '',
      async (path, rel) => {
        if (!rel.startsWith(prefix)) return;
        const st = await fsp.stat(path).catch(() => undefined);
        if (st) out.push({ path: rel, sizeBytes: st.size });
      },
      // Only descend where the prefix can still match.
      (rel) => rel.startsWith(prefix) || prefix.startsWith(`${rel}/`),
    );
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  // ---- removal (see api/run-removal.ts) ----

  async runFootprint(runId: string): Promise<RunFootprint> {
    const r = await sizeAndNewest(join(this.root, validateRunId(runId)));
    return { bytes: r.bytes, lastWriteMs: r.newest };
  }

  /** One rename out of every listing: names starting with "." are never listed. */
  async hideRun(runId: string): Promise<void> {
    await fsp.rename(join(this.root, validateRunId(runId)), join(this.root, `${REMOVING}${runId}`));
  }

  async deleteHiddenRun(runId: string): Promise<void> {
    await fsp.rm(join(this.root, `${REMOVING}${validateRunId(runId)}`), { recursive: true, force: true });
  }

  async hiddenRuns(): Promise<string[]> {
    const names = await fsp.readdir(this.root).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(REMOVING)).map((n) => n.slice(REMOVING.length));
  }

  // ---- resource ----

  bind(context: ResourceContext): ResourceBinding {
    if (context.usageType === 'storage-write') this.compressor?.warmUp();
    return bindBatchStorage(this, context);
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    const c = this.counters;
    const m: Metrics = {
      write_operations: c.writes,
      bytes_written: c.bytesWritten,
      raw_bytes_written: c.rawBytesWritten,
      write_errors: c.writeErrors,
      read_operations: c.reads,
      cached_reads: c.cachedReads,
      bytes_read: c.bytesRead,
      read_errors: c.readErrors,
      writes_per_sec: this.writeRate.perSecond(),
      write_bytes_per_sec: this.writeBytesRate.perSecond(),
      write_latency_ms: c.writes === 0 ? 0 : Math.round((c.writeLatencyMsTotal / c.writes) * 1000) / 1000,
      analytics_files_written: c.analyticsFilesWritten,
      analytics_bytes_written: c.analyticsBytesWritten,
      error_count: this.errorLog.count,
    };
    try {
      if (existsSync(this.root)) {
        const s = statfsSync(this.root);
        m.disk_total_bytes = s.blocks * s.bsize;
        m.disk_available_bytes = s.bavail * s.bsize;
        m.disk_used_percent = s.blocks === 0 ? 0 : Math.round(((s.blocks - s.bavail) / s.blocks) * 1000) / 10;
      }
    } catch {
      // statfs is informative only
    }
    return m;
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return true;
  }
}
