/**
 * Reused memory for large, short-lived reads. A cold read of a dense world's chunk decompresses ~10 MB; each
 * fresh buffer counts as memory outside V8's heap, and V8 starts a full collection for every ~64 MB of it: a
 * mark-compact every few reads, pausing every request the server is answering. Buffers given back are handed out
 * again instead (docs/pipeline.md, 2026-12-07 third stop).
 */
import { ChunkLease } from './chunk-lease.js';

const MIB = 1024 * 1024;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;

  /**
   * @param maxFreeBytes what the pool keeps unused at most (the oldest free buffers go beyond it)
   * @param minBytes smaller requests are allocated as usual (the young generation handles them well)
   * @param granuleBytes new buffers are a whole number of these
   * @param poison when set, a buffer given back is filled with this byte first: a holder that let go too early
   *   then reads garbage at once, not only when the memory happens to be reused (a debugging aid, as glibc's
   *   MALLOC_PERTURB_)
   */
  constructor(
    private readonly maxFreeBytes = 32 * MIB,
    readonly minBytes = 256 * 1024,
    private readonly granuleBytes = MIB,
    private readonly poison?: number,
  ) {}

  /** Requests served from a buffer given back (not new memory). */
  reused = 0;

  /** Bytes held free for the next requests. */
  get idleBytes(): number {
    return this.freeBytes;
  }

  /** A buffer of at least `bytes`: the smallest free one that is large enough, else a new one with some room. */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= bytes && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const [buffer] = this.free.splice(best, 1);
      this.freeBytes -= buffer!.byteLength;
      this.reused++;
      return buffer!;
    }
    // An eighth more, in whole granules: the next chunk of the same world is rarely exactly as large.
    const granule = this.granuleBytes;
    return new ArrayBuffer(Math.ceil((bytes * 1.125) / granule) * granule);
  }

  give(buffer: ArrayBuffer): void {
    if (this.poison !== undefined) new Uint8Array(buffer).fill(this.poison);
    if (buffer.byteLength > this.maxFreeBytes) return;
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
    while (this.freeBytes > this.maxFreeBytes) this.freeBytes -= this.free.shift()!.byteLength;
  }

  /** `bytes` bytes of a pooled buffer and the lease whose last release gives the buffer back. */
  lease(bytes: number): { readonly bytes: Uint8Array; readonly lease: ChunkLease } {
    const buffer = this.take(bytes);
    return { bytes: new Uint8Array(buffer, 0, bytes), lease: new ChunkLease(() => this.give(buffer)) };
  }
}
