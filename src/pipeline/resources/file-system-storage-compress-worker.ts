/**
 * Worker thread of FileSystemCompressor (file-system-storage-compressor.ts): compresses framed storage-file
 * streams with zstd-napi (synchronous) off the main event loop. Requests are handled strictly in arrival
 * order; each answer carries the request id and gives the input back. Buffers are transferred, never cloned.
 */
import { parentPort } from 'node:worker_threads';
import { compressFramed } from './storage-file.js';
import type { CompressRequest, CompressResponse } from './file-system-storage-compressor.js';

const port = parentPort!;

port.on('message', (m: CompressRequest) => {
  let answer: CompressResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    const out = compressFramed(new Uint8Array(m.raw, 0, m.length), m.level);
    // zstd-napi may return a view of a larger or pooled buffer; transfer only memory that holds exactly it.
    let bytes: Uint8Array = out;
    if (!(out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && out.buffer instanceof ArrayBuffer)) {
      bytes = new Uint8Array(out.byteLength);
      bytes.set(out);
    }
    answer = { id: m.id, bytes: bytes.buffer as ArrayBuffer, raw: m.raw };
    transfer = [bytes.buffer as ArrayBuffer, m.raw];
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    answer = {
      id: m.id,
      error: e.message,
      code: (e as NodeJS.ErrnoException).code ?? 'COMPRESSION_FAILED',
      raw: m.raw,
    };
    transfer = [m.raw];
  }
  // The input goes back either way, to frame the next file in (FileSystemCompressor.frameBuffer).
  port.postMessage(answer, transfer);
});
