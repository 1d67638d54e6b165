/**
 * How every batch storage (filesystem, S3, …) hands its ports to services: `storage-write` gets a writer whose
 * binding counts batches, messages, bytes and failures; `storage-read` gets the reader. One implementation,
 * so a new storage engine only implements the reader and writer operations.
 */
import { EvochoraError } from '../../errors.js';
import type { Metrics, Monitorable } from '../api/monitorable.js';
import type { OperationalError } from '../api/operational-error.js';
import type { ResourceBinding, ResourceContext } from '../api/resource.js';
import { SlidingWindowRate } from '../api/sliding-window-rate.js';
import type { BatchStorageReader, BatchStorageWriter, StoredChunk, StoredFrame } from '../api/batch-storage.js';
import { PipelineErrorCode } from '../error-codes.js';
import { isAnalyticsStore } from '../api/analytics-store.js';

export type BatchStorage = BatchStorageReader & BatchStorageWriter & { readonly name: string; readonly type: string };

export function bindBatchStorage(storage: BatchStorage, context: ResourceContext): ResourceBinding {
  if (context.usageType === 'storage-write') {
    const monitor = new StorageWriteMonitor();
    const counted = async <R extends { bytesWritten: number }>(
      messages: (r: R) => number,
      write: () => Promise<R>,
    ): Promise<R> => {
      try {
        const r = await write();
        monitor.wrote(r.bytesWritten, messages(r));
        return r;
      } catch (err) {
        monitor.failed();
        throw err;
      }
    };
    const port: BatchStorageWriter = {
      batchKey: (runId, first, last) => storage.batchKey(runId, first, last),
      writeBatch: (key, chunks) =>
        counted(
          (r) => r.chunkCount,
          () => storage.writeBatch(key, chunks),
        ),
      writeMetadata: (runId, data) =>
        counted(
          () => 1,
          () => storage.writeMetadata(runId, data),
        ),
    };
    return { context, port, monitor };
  }
  if (context.usageType === 'storage-read') {
    const port: BatchStorageReader = {
      listRunIds: () => storage.listRunIds(),
      listBatches: (runId, from, to) => storage.listBatches(runId, from, to),
      readMetadata: (runId) => storage.readMetadata(runId),
      readChunks: (runId, from, to) => storage.readChunks(runId, from, to),
      readBatchFile: (key, options) => storage.readBatchFile(key, options),
      decodeChunk: (chunk) => storage.decodeChunk(chunk),
      ...(storage.readChunkFrame
        ? { readChunkFrame: (key: string, frame: StoredFrame) => storage.readChunkFrame!(key, frame) }
        : {}),
      ...(storage.readChunkFramePlaned
        ? { readChunkFramePlaned: (key: string, frame: StoredFrame) => storage.readChunkFramePlaned!(key, frame) }
        : {}),
    };
    return { context, port };
  }
  if ((context.usageType === 'analytics-write' || context.usageType === 'analytics-read') && isAnalyticsStore(storage))
    return { context, port: storage };
  throw new EvochoraError(
    PipelineErrorCode.UNSUPPORTED_USAGE,
    `Resource '${storage.name}' (${storage.type}) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
    {
      actions: [
        'Use `storage-write:` for writers, `storage-read:` for readers, `analytics-write:`/`analytics-read:` for analytics.',
      ],
    },
  );
}

/** The chunks of a run that overlap [fromTick, toTick], batch by batch, in tick order: the same for every engine. */
export async function* chunksInRange(
  storage: Pick<BatchStorageReader, 'listBatches' | 'readBatchFile'>,
  simulationRunId: string,
  fromTick: number,
  toTick: number,
): AsyncGenerator<StoredChunk> {
  for (const b of await storage.listBatches(simulationRunId, fromTick, toTick)) {
    for await (const chunk of storage.readBatchFile(b.key)) {
      if (chunk.lastTick < fromTick || chunk.firstTick > toTick) {
        chunk.lease?.release(); // not handed on: its memory may be reused
        continue;
      }
      yield chunk;
    }
  }
}

/** Per-writer-binding counters shown under the service's binding in `pipeline status`. */
class StorageWriteMonitor implements Monitorable {
  private batches = 0;
  private messages = 0;
  private bytes = 0;
  private errorsCount = 0;
  private readonly rate = new SlidingWindowRate();

  wrote(bytes: number, messages: number): void {
    this.batches++;
    this.messages += messages;
    this.bytes += bytes;
    this.rate.record();
  }

  failed(): void {
    this.errorsCount++;
  }

  metrics(): Metrics {
    return {
      batches_written: this.batches,
      messages_written: this.messages,
      bytes_written: this.bytes,
      write_errors: this.errorsCount,
      batches_per_sec: this.rate.perSecond(),
      error_count: this.errorsCount,
    };
  }

  errors(): readonly OperationalError[] {
    return [];
  }

  healthy(): boolean {
    return true;
  }
}
