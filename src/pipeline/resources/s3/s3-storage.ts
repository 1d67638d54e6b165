/**
 * Recorded runs in S3-compatible object storage (AWS S3, Swift with s3api, MinIO, ...). Keys and bytes are
 * exactly those of FileSystemStorage (storage-keys.ts, storage-file.ts), so a run can move between the two by
 * copying objects, and readers do not care where a run lives.
 *
 * - Atomic visibility: a batch is one PutObject, or for large batches a multipart upload whose object appears
 *   only at CompleteMultipartUpload (a failed upload is aborted, never half-visible).
 * - Deterministic keys make a retried batch overwrite itself with identical bytes.
 * - Chunks the queue marks as redelivered (their first consumer died after writing, before acknowledging)
 *   are checked against what is already stored: chunks inside an existing batch object are not written again.
 * - Transient errors (5xx, throttling, resets, timeouts) are retried by the client with backoff (`maxAttempts`).
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { breakerMetrics, type CircuitBreaker } from '../../api/circuit-breaker.js';
import { connectS3, ensureBucket, isNoSuchKey, S3StorageError } from './s3-connection.js';
import type { S3ConnectionOptions } from './s3-connection-options.js';
import { EvochoraError } from '../../../errors.js';
import {
  CONTENT_SIMULATION_METADATA,
  CONTENT_TICK_DATA_CHUNK,
  SimulationMetadata,
  TickDataChunk,
  type ChunkMessage,
} from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import { bindBatchStorage, chunksInRange } from '../batch-storage-binding.js';
import { SlidingWindowRate } from '../../api/sliding-window-rate.js';
import {
  RunNotFoundError,
  type BatchFileInfo,
  type BatchStorageReader,
  type BatchStorageWriter,
  type BatchObject,
  type BatchWriteResult,
  type MetadataWriteResult,
  type StoredChunk,
  type ReadBatchOptions,
} from '../../api/batch-storage.js';
import {
  batchHeaderOf,
  batchWriteResult,
  encodeStorageFile,
  peekChunk,
  readStorageStream,
  StorageFileCorruptError,
} from '../storage-file.js';
import {
  ANALYTICS_DIR,
  batchKey,
  DEFAULT_FOLDER_LEVELS,
  metadataKey,
  parseBatchFileName,
  validateKey,
} from '../storage-keys.js';
import type { AnalyticsFileInfo, AnalyticsStore } from '../../api/analytics-store.js';
import type { RunFootprint, RunRemovalStorage } from '../../api/run-removal.js';
import { validateRunId } from '../../contracts/run-id.js';
import { redeliveryCount } from '../../api/delivery-marks.js';
import { PipelineErrorCode } from '../../error-codes.js';

export interface S3StorageOptions extends S3ConnectionOptions {
  readonly folderLevels: readonly number[];
  readonly compressionLevel: number;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly partConcurrency: number;
}

export { S3StorageError };

/** Marker objects of runs being removed (`.deleting/<runId>`): not a run folder, since run ids start alphanumeric. */
const REMOVING_PREFIX = '.deleting/';

export class S3Storage implements Resource, BatchStorageWriter, BatchStorageReader, AnalyticsStore, RunRemovalStorage {
  readonly type = 'S3Storage';
  readonly usageTypes = ['storage-write', 'storage-read', 'analytics-write', 'analytics-read'] as const;
  readonly client: S3Client;
  readonly breaker: CircuitBreaker;
  private readonly errorLog = new ErrorLog();
  private readonly writeRate = new SlidingWindowRate();
  private readonly writeBytesRate = new SlidingWindowRate();
  private c = {
    writes: 0,
    multipartWrites: 0,
    bytesWritten: 0,
    rawBytesWritten: 0,
    writeErrors: 0,
    reads: 0,
    bytesRead: 0,
    readErrors: 0,
    lists: 0,
    redeliveryChecks: 0,
    chunksAlreadyStored: 0,
    writeLatencyMsTotal: 0,
  };

  constructor(
    readonly name: string,
    readonly options: S3StorageOptions,
    private readonly logger?: Logger,
  ) {
    const c = connectS3(`S3 storage '${name}'`, options);
    this.client = c.client;
    this.breaker = c.breaker;
  }

  /** Checks the bucket is reachable (creating it when allowed), retrying until `connectTimeoutMs`. */
  async init(): Promise<void> {
    await ensureBucket(`S3 storage '${this.name}'`, this.client, this.options, this.logger);
  }

  private objectKey(key: string): string {
    return this.options.prefix + validateKey(key);
  }

  // ---- writing ----

  batchKey(simulationRunId: string, firstTick: number, lastTick: number): string {
    return batchKey(simulationRunId, firstTick, lastTick, this.options.folderLevels);
  }

  async writeBatch(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult> {
    batchHeaderOf(key, chunks); // refuses an empty batch or one that mixes runs before anything is read
    if (chunks.some((ch) => redeliveryCount(ch) > 0)) return this.writeRedelivered(key, chunks);
    return this.writeRun(key, chunks);
  }

  private async writeRun(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult> {
    const header = batchHeaderOf(key, chunks);
    const file = encodeStorageFile(
      header,
      chunks.map((ch) => ch.data),
      this.options.compressionLevel,
    );
    await this.putObject(key, file.bytes, file.rawBytes);
    return batchWriteResult(key, header, chunks.length, file);
  }

  /**
   * Some chunks were delivered before: their first consumer may have stored them and died before its ack.
   * Chunks that lie inside an already stored batch object are skipped; the rest are written as consecutive
   * runs under their own deterministic keys. Writing the very same key again is a harmless overwrite. The
   * result lists the stored objects that hold skipped chunks too: the consumer that wrote them may have died
   * before announcing them, and announcing an object twice is harmless.
   */
  private async writeRedelivered(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult> {
    this.c.redeliveryChecks++;
    const runId = chunks[0]!.simulationRunId;
    const stored = await this.listBatchesOrEmpty(runId, chunks[0]!.firstTick, chunks[chunks.length - 1]!.lastTick);
    if (stored.some((b) => b.key === key)) return this.writeRun(key, chunks);
    const holderOf = (ch: ChunkMessage): BatchFileInfo | undefined =>
      stored.find((b) => b.firstTick <= ch.firstTick && ch.lastTick <= b.lastTick);
    const runs: ChunkMessage[][] = [];
    const holders: BatchFileInfo[] = [];
    let current: ChunkMessage[] = [];
    for (const ch of chunks) {
      const holder = holderOf(ch);
      if (holder) {
        this.c.chunksAlreadyStored++;
        if (!holders.includes(holder)) holders.push(holder);
        if (current.length > 0) runs.push(current);
        current = [];
      } else current.push(ch);
    }
    if (current.length > 0) runs.push(current);
    if (holders.length === 0) return this.writeRun(key, chunks);
    const skipped = chunks.length - runs.reduce((s, r) => s + r.length, 0);
    this.logger?.warn(
      { storage: this.name, key, skipped },
      `Redelivered batch ${key}: ${skipped} of ${chunks.length} chunks were already stored, not writing them again`,
    );
    const objects: BatchObject[] = [...holders];
    let chunkCount = 0;
    let tickCount = 0;
    let bytesWritten = 0;
    let rawBytes = 0;
    for (const r of runs) {
      const w = await this.writeRun(this.batchKey(runId, r[0]!.firstTick, r[r.length - 1]!.lastTick), r);
      objects.push(...w.objects);
      chunkCount += w.chunkCount;
      tickCount += w.tickCount;
      bytesWritten += w.bytesWritten;
      rawBytes += w.rawBytes;
    }
    objects.sort((a, b) => a.firstTick - b.firstTick);
    return {
      key,
      simulationRunId: runId,
      firstTick: chunks[0]!.firstTick,
      lastTick: chunks[chunks.length - 1]!.lastTick,
      chunkCount,
      tickCount,
      bytesWritten,
      rawBytes,
      objects,
    };
  }

  async writeMetadata(simulationRunId: string, data: Uint8Array): Promise<MetadataWriteResult> {
    const key = metadataKey(simulationRunId);
    const file = encodeStorageFile(
      { contentType: CONTENT_SIMULATION_METADATA, simulationRunId },
      [data],
      this.options.compressionLevel,
    );
    await this.putObject(key, file.bytes, file.rawBytes);
    return { key, bytesWritten: file.bytes.length };
  }

  /** Stores bytes under a key, visible only once complete. Exposed for tools and tests. */
  async putObject(key: string, bytes: Uint8Array, rawBytes = bytes.length): Promise<void> {
    const started = performance.now();
    const Key = this.objectKey(key);
    try {
      if (bytes.length >= this.options.multipartThresholdBytes) {
        await this.putMultipart(Key, bytes);
        this.c.multipartWrites++;
      } else {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/octet-stream',
          }),
        );
      }
    } catch (err) {
      this.c.writeErrors++;
      this.errorLog.record(
        'S3_WRITE_FAILED',
        `writing ${key} failed: ${(err as Error).name}: ${(err as Error).message}`,
      );
      throw err;
    }
    this.c.writes++;
    this.c.bytesWritten += bytes.length;
    this.c.rawBytesWritten += rawBytes;
    this.c.writeLatencyMsTotal += performance.now() - started;
    this.writeRate.record();
    this.writeBytesRate.record(bytes.length);
  }

  private async putMultipart(Key: string, bytes: Uint8Array): Promise<void> {
    const Bucket = this.options.bucket;
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/octet-stream' }),
    );
    const UploadId = created.UploadId!;
    const size = this.options.partSizeBytes;
    const partCount = Math.ceil(bytes.length / size);
    const etags: string[] = new Array(partCount);
    try {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < partCount) {
          const i = next++;
          const body = bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size));
          const r = await this.client.send(
            new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: body, ContentLength: body.length }),
          );
          etags[i] = r.ETag!;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.options.partConcurrency, partCount) }, worker));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  // ---- reading ----

  private async *listKeys(
    prefix: string,
    startAfter?: string,
  ): AsyncGenerator<{ key: string; size: number; lastModifiedMs: number }> {
    let token: string | undefined;
    do {
      this.c.lists++;
      const r: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.options.prefix + prefix,
          ContinuationToken: token,
          ...(token === undefined && startAfter ? { StartAfter: this.options.prefix + startAfter } : {}),
        }),
      );
      for (const o of r.Contents ?? [])
        yield {
          key: o.Key!.slice(this.options.prefix.length),
          size: o.Size ?? 0,
          lastModifiedMs: o.LastModified?.getTime() ?? 0,
        };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async listRunIds(): Promise<string[]> {
    const out = new Set<string>();
    let token: string | undefined;
    do {
      this.c.lists++;
      const r = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.options.prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of r.CommonPrefixes ?? []) {
        const id = p.Prefix!.slice(this.options.prefix.length).replace(/\/$/, '');
        try {
          validateRunId(id);
          out.add(id);
        } catch {
          // not a run folder
        }
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    // Runs being removed are marked first and listed no more.
    for await (const m of this.listKeys(REMOVING_PREFIX)) out.delete(m.key.slice(REMOVING_PREFIX.length));
    return [...out].sort();
  }

  // ---- removal (see api/run-removal.ts) ----

  async runFootprint(runId: string): Promise<RunFootprint> {
    let bytes = 0;
    let lastWriteMs = 0;
    for await (const o of this.listKeys(`${validateRunId(runId)}/`)) {
      bytes += o.size;
      lastWriteMs = Math.max(lastWriteMs, o.lastModifiedMs);
    }
    return { bytes, lastWriteMs };
  }

  /** A marker object takes the run out of every listing; its objects go in deleteHiddenRun, the marker last. */
  async hideRun(runId: string): Promise<void> {
    await this.putObject(`${REMOVING_PREFIX}${validateRunId(runId)}`, new Uint8Array(0));
  }

  async deleteHiddenRun(runId: string): Promise<void> {
    await this.deleteRunObjects(runId);
  }

  async hiddenRuns(): Promise<string[]> {
    const out: string[] = [];
    for await (const m of this.listKeys(REMOVING_PREFIX)) out.push(m.key.slice(REMOVING_PREFIX.length));
    return out;
  }

  private async deleteRunObjects(runId: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.listKeys(`${validateRunId(runId)}/`)) keys.push(o.key);
    // A few deletes at a time: a run may hold thousands of objects.
    for (let i = 0; i < keys.length; i += 16)
      await Promise.all(
        keys
          .slice(i, i + 16)
          .map((k) =>
            this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(k) })),
          ),
      );
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(`${REMOVING_PREFIX}${runId}`) }),
    );
  }

  async listBatches(simulationRunId: string, fromTick = 0, toTick = Number.MAX_SAFE_INTEGER): Promise<BatchFileInfo[]> {
    const out = await this.listBatchesOrEmpty(simulationRunId, fromTick, toTick);
    if (out.length === 0) {
      // Like the filesystem: an unknown run is an error, a run without batches yet is an empty list.
      let any = false;
      for await (const _ of this.listKeys(`${simulationRunId}/`)) {
        any = true;
        break;
      }
      if (!any) throw new RunNotFoundError(simulationRunId, `s3://${this.options.bucket}/${this.options.prefix}`);
    }
    return out;
  }

  private async listBatchesOrEmpty(
    simulationRunId: string,
    fromTick: number,
    toTick: number,
  ): Promise<BatchFileInfo[]> {
    validateRunId(simulationRunId);
    const levels = this.options.folderLevels;
    const rawPrefix = `${simulationRunId}/raw/`;

    // Keys sort by first tick (zero-padded buckets and names), so the listing can stop past `toTick`. It must
    // start at the beginning: a batch may span any number of bucket folders before `fromTick`'s.
    const ordered = levels.every((d, i) => (i === 0 ? toTick / d < 1000 : levels[i - 1]! / d <= 1000));
    const out: BatchFileInfo[] = [];
    for await (const o of this.listKeys(rawPrefix)) {
      const name = o.key.slice(o.key.lastIndexOf('/') + 1);
      const parsed = parseBatchFileName(name);
      if (!parsed) continue;
      if (ordered && parsed.firstTick > toTick) break;
      if (parsed.lastTick < fromTick || parsed.firstTick > toTick) continue;
      out.push({ key: o.key, firstTick: parsed.firstTick, lastTick: parsed.lastTick, sizeBytes: o.size });
    }
    out.sort((a, b) => a.firstTick - b.firstTick || a.lastTick - b.lastTick);
    return out;
  }

  private async getBody(key: string): Promise<Readable | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return r.Body as Readable;
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
  }

  async readMetadata(simulationRunId: string): Promise<SimulationMetadata> {
    const key = metadataKey(simulationRunId);
    const body = await this.getBody(key);
    if (!body) {
      await this.listBatches(simulationRunId); // throws RunNotFoundError for an unknown run
      throw new EvochoraError(
        PipelineErrorCode.METADATA_NOT_FOUND,
        `Run '${simulationRunId}' has no metadata object yet (${key}).`,
        {
          actions: [
            'The MetadataPersistenceService writes it when the run starts; check that it is configured and running.',
          ],
        },
      );
    }
    this.c.reads++;
    for await (const m of readStorageStream(body, key, CONTENT_SIMULATION_METADATA)) {
      this.c.bytesRead += m.data.length;
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

  async *readBatchFile(key: string, options: ReadBatchOptions = {}): AsyncGenerator<StoredChunk> {
    this.c.reads++;
    try {
      const body = await this.getBody(key);
      if (!body)
        throw new S3StorageError(
          'BATCH_NOT_FOUND',
          `No batch object '${key}' in bucket '${this.options.bucket}'.`,
          [],
          { key },
        );
      const restore = options.readsCells !== false;
      for await (const m of readStorageStream(body, key, CONTENT_TICK_DATA_CHUNK, undefined, restore)) {
        this.c.bytesRead += m.data.length;
        let peek: ReturnType<typeof peekChunk>;
        try {
          peek = peekChunk(m.data);
        } catch (err) {
          throw new StorageFileCorruptError(key, m.offset, `undecodable chunk header (${(err as Error).message})`);
        }
        yield { key, offset: m.offset, ...peek, data: m.data };
      }
    } catch (err) {
      this.c.readErrors++;
      const e = err as EvochoraError;
      this.errorLog.record(e.code ?? 'READ_FAILED', e.message);
      throw err;
    }
  }

  /** The raw stored bytes of a key (compressed file), or undefined. For tools and byte-for-byte comparisons. */
  async readObject(key: string): Promise<Uint8Array | undefined> {
    const body = await this.getBody(key);
    if (!body) return undefined;
    const parts: Buffer[] = [];
    for await (const b of body) parts.push(b as Buffer);
    return Buffer.concat(parts);
  }

  // ---- analytics (see api/analytics-store.ts): objects under `<runId>/analytics/` ----

  private analyticsKey(runId: string, path: string): string {
    return `${validateRunId(runId)}/${ANALYTICS_DIR}/${path}`;
  }

  async writeAnalyticsFile(runId: string, path: string, bytes: Uint8Array): Promise<void> {
    await this.putObject(this.analyticsKey(runId, path), bytes);
  }

  async deleteAnalyticsFile(runId: string, path: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(this.analyticsKey(runId, path)) }),
    );
  }

  async readAnalyticsFile(runId: string, path: string): Promise<Uint8Array | undefined> {
    return this.readObject(this.analyticsKey(runId, path));
  }

  async listAnalyticsRuns(): Promise<string[]> {
    const out: string[] = [];
    for (const id of await this.listRunIds()) {
      for await (const _ of this.listKeys(`${id}/${ANALYTICS_DIR}/`)) {
        out.push(id);
        break;
      }
    }
    return out;
  }

  async listAnalyticsFiles(runId: string, prefix = ''): Promise<AnalyticsFileInfo[]> {
    const root = `${validateRunId(runId)}/${ANALYTICS_DIR}/`;
    const out: AnalyticsFileInfo[] = [];
    for await (const o of this.listKeys(root + prefix)) out.push({ path: o.key.slice(root.length), sizeBytes: o.size });
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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

  // ---- resource ----

  bind(context: ResourceContext): ResourceBinding {
    return bindBatchStorage(this, context);
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    const c = this.c;
    return {
      write_operations: c.writes,
      multipart_writes: c.multipartWrites,
      bytes_written: c.bytesWritten,
      raw_bytes_written: c.rawBytesWritten,
      write_errors: c.writeErrors,
      read_operations: c.reads,
      bytes_read: c.bytesRead,
      read_errors: c.readErrors,
      list_requests: c.lists,
      redelivery_checks: c.redeliveryChecks,
      chunks_already_stored: c.chunksAlreadyStored,
      writes_per_sec: this.writeRate.perSecond(),
      write_bytes_per_sec: this.writeBytesRate.perSecond(),
      write_latency_ms: c.writes === 0 ? 0 : Math.round((c.writeLatencyMsTotal / c.writes) * 1000) / 1000,
      error_count: this.errorLog.count,
      ...breakerMetrics(this.breaker),
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  /** Unhealthy while its breaker is not closed: `pipeline status` shows DEGRADED with the breaker's state. */
  healthy(): boolean {
    return this.breaker.state === 'closed';
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export const DEFAULT_S3_FOLDER_LEVELS = DEFAULT_FOLDER_LEVELS;
