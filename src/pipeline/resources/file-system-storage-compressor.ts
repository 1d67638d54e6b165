/**
 * Compression off the main event loop. zstd-napi only compresses synchronously, so a batch compressed on the
 * main thread blocks every service of the node for its duration. FileSystemCompressor hands framed streams to
 * one worker thread (file-system-storage-compress-worker.ts) and resolves with the compressed bytes; the
 * bytes are identical to `compressFramed` on the main thread (same library, same parameters).
 *
 * - Buffers are transferred both ways (the caller's framed stream is detached once handed over). The worker
 *   gives each framed stream's memory back, and the next stream is framed in it (frameBuffer): a mature world's
 *   batch is ~40 MB, and framing each into fresh memory cost the main thread a page fault every 4 KB (about a
 *   quarter of its CPU time, in the kernel; docs/pipeline.md, 2026-12-07 fifth stop).
 * - The worker handles requests strictly in order; answers are matched by id.
 * - A failed compression rejects only its request. A worker that dies (error, exit) rejects every pending
 *   request; the next request starts a new worker.
 * - The worker is unref'd while nothing is pending, so an idle storage never keeps the process alive.
 * - Streams below `inlineBelowBytes` are compressed inline (a round trip costs more than they do).
 */
import type { Worker } from 'node:worker_threads';
import { EvochoraError } from '../../errors.js';
import { spawnModuleWorker } from '../../spawn-module-worker.js';
import { compressFramed } from './storage-file.js';
import { PipelineErrorCode } from '../error-codes.js';

export interface CompressRequest {
  readonly id: number;
  readonly raw: ArrayBuffer;
  readonly length: number;
  readonly level: number;
}

/** `raw`: the request's memory, given back (a worker that does not give it back is answered all the same). */
export type CompressResponse =
  | { readonly id: number; readonly bytes: ArrayBuffer; readonly raw?: ArrayBuffer }
  | { readonly id: number; readonly error: string; readonly code: string; readonly raw?: ArrayBuffer };

export class CompressionFailedError extends EvochoraError {
  constructor(message: string, code: string = PipelineErrorCode.COMPRESSION_FAILED) {
    super(code, message, {
      actions: ['The write is retried and dead-lettered like any failed write; check the node log for the cause.'],
    });
  }
}

export interface FileSystemCompressorOptions {
  /** Framed streams smaller than this are compressed inline on the calling thread (default 64 KiB). */
  readonly inlineBelowBytes?: number;
  /** The worker module (default: file-system-storage-compress-worker next to this file); tests start faulty ones. */
  readonly worker?: { readonly baseUrl: string; readonly name: string };
}

interface Pending {
  resolve(bytes: Uint8Array): void;
  reject(err: Error): void;
}

export class FileSystemCompressor {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly inlineBelow: number;
  private readonly workerModule: { readonly baseUrl: string; readonly name: string };
  /** Workers started so far (1 unless one died). */
  workersStarted = 0;
  /** Requests compressed by the worker / inline. */
  offloaded = 0;
  inline = 0;
  /** Memory the worker gave back, for the next framed stream (one buffer, the largest: a bound on memory). */
  private spare: ArrayBuffer | undefined;
  /** Buffers handed out by frameBuffer: compress transfers them whole, whatever part of them a stream fills. */
  private readonly framing = new WeakSet<ArrayBuffer>();
  /** Framed streams put in memory given back by the worker. */
  framesReused = 0;

  constructor(options: FileSystemCompressorOptions = {}) {
    this.inlineBelow = options.inlineBelowBytes ?? 64 * 1024;
    this.workerModule = options.worker ?? {
      baseUrl: new URL('./', import.meta.url).href,
      name: 'file-system-storage-compress-worker',
    };
  }

  /**
   * `bytes` bytes to frame a stream in (frameStorageFile's `alloc`): memory the worker gave back when it is large
   * enough, else new memory with an eighth to spare. Pass the stream to compress, which hands the memory on.
   */
  frameBuffer(bytes: number): Uint8Array {
    if (bytes < this.inlineBelow) return Buffer.allocUnsafeSlow(bytes); // compressed inline, not handed back
    const spare = this.spare;
    if (spare && spare.byteLength >= bytes) {
      this.spare = undefined;
      this.framesReused++;
      return new Uint8Array(spare, 0, bytes);
    }
    const buffer = Buffer.allocUnsafeSlow(bytes + (bytes >>> 3)).buffer as ArrayBuffer;
    this.framing.add(buffer);
    return new Uint8Array(buffer, 0, bytes);
  }

  /**
   * Compresses `raw` (a framed storage-file stream) at `level`. When the worker is used, `raw`'s memory is
   * transferred to it: the caller must not use `raw` afterwards. `raw` must own its whole ArrayBuffer
   * (as `frameStorageFile` returns it) or come from frameBuffer; otherwise it is copied first.
   */
  async compress(raw: Uint8Array, level: number): Promise<Uint8Array> {
    if (raw.length < this.inlineBelow) {
      this.inline++;
      return compressFramed(raw, level);
    }
    let buffer: ArrayBuffer;
    if (
      raw.byteOffset === 0 &&
      raw.buffer instanceof ArrayBuffer &&
      (raw.byteLength === raw.buffer.byteLength || this.framing.has(raw.buffer))
    )
      buffer = raw.buffer;
    else {
      const copy = new Uint8Array(raw.length);
      copy.set(raw);
      buffer = copy.buffer;
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const result = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    const request: CompressRequest = { id, raw: buffer, length: raw.length, level };
    worker.postMessage(request, [buffer]);
    this.offloaded++;
    return result;
  }

  /** Starts the worker now (a writer binding does this, so the first batch does not wait for it). */
  warmUp(): void {
    this.ensureWorker();
  }

  /** Resolves once the worker is up and answering (benchmarks wait for it before timing). */
  async ready(): Promise<void> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const result = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    const buffer = new ArrayBuffer(1);
    worker.postMessage({ id, raw: buffer, length: 1, level: 1 } satisfies CompressRequest, [buffer]);
    await result;
  }

  /** Requests handed to the worker and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Stops the worker; pending requests are rejected. A later request starts a new worker. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new CompressionFailedError('the storage compressor was closed', PipelineErrorCode.STORAGE_CLOSED));
    if (w) await w.terminate();
  }

  /** The current worker, if one runs (tests terminate it to simulate a crash). */
  get currentWorker(): Worker | undefined {
    return this.worker;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnModuleWorker(this.workerModule.baseUrl, this.workerModule.name);
    this.workersStarted++;
    worker.unref();
    worker.on('message', (m: CompressResponse) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0 && this.worker === worker) worker.unref();
      if (m.raw && m.raw.byteLength >= this.inlineBelow && m.raw.byteLength > (this.spare?.byteLength ?? 0)) {
        this.framing.add(m.raw);
        this.spare = m.raw;
      }
      if ('bytes' in m) p.resolve(new Uint8Array(m.bytes));
      else
        p.reject(
          new CompressionFailedError(
            `compression failed: ${m.error}`,
            m.code === 'COMPRESSION_FAILED' ? 'COMPRESSION_FAILED' : m.code,
          ),
        );
    });
    const died = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      void worker.terminate();
      this.failAll(
        new CompressionFailedError(`the compression worker failed: ${err.message}`, 'COMPRESSION_WORKER_FAILED'),
      );
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
