import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/pipeline/api/buffer-pool.js';
import { ChunkLease } from '../../../src/pipeline/api/chunk-lease.js';
import type { ChunkFrameRead } from '../../../src/pipeline/api/batch-storage.js';
import { chunkSourceOf, type ChunkRef } from '../../../src/pipeline/api/chunk-refs.js';
import { compress } from 'zstd-napi';
import { varintSize, writeVarint } from '../../../src/pipeline/contracts/framing.js';
import { decodeMessageFrame, decodeMessageFrameLeased } from '../../../src/pipeline/resources/storage-file.js';

const MIB = 1024 * 1024;

describe('BufferPool', () => {
  it('hands a given-back buffer out again: the smallest one large enough', () => {
    const pool = new BufferPool();
    const big = pool.take(3 * MIB);
    const small = pool.take(MIB);
    expect(big.byteLength).toBeGreaterThanOrEqual(3 * MIB);
    pool.give(big);
    pool.give(small);
    expect(pool.idleBytes).toBe(big.byteLength + small.byteLength);
    expect(pool.take(MIB / 2)).toBe(small);
    expect(pool.take(2 * MIB)).toBe(big);
    expect(pool.take(MIB)).not.toBe(small); // none free: a new one
    expect(pool.idleBytes).toBe(0);
  });

  it('keeps at most maxFreeBytes free, dropping the oldest', () => {
    const pool = new BufferPool(4 * MIB);
    const a = pool.take(2 * MIB);
    const b = pool.take(2 * MIB);
    pool.give(a);
    pool.give(b);
    expect(pool.idleBytes).toBe(b.byteLength);
    expect(pool.take(MIB)).toBe(b);
  });

  it('a lease gives its buffer back at the last release, and refuses use after it', () => {
    const pool = new BufferPool();
    const { bytes, lease } = pool.lease(MIB);
    expect(bytes.byteLength).toBe(MIB);
    lease.retain();
    lease.release();
    expect(pool.idleBytes).toBe(0);
    lease.release();
    expect(lease.released).toBe(true);
    expect(pool.take(MIB)).toBe(bytes.buffer);
    expect(() => lease.retain()).toThrow(expect.objectContaining({ code: 'CHUNK_LEASE_RELEASED' }));
    expect(() => lease.release()).toThrow(expect.objectContaining({ code: 'CHUNK_LEASE_RELEASED' }));
  });
});

describe('chunkSourceOf with reused buffers', () => {
  /** A storage whose reads are leases counted in `live` (a read given back leaves it). */
  function leasingStorage() {
    const live = new Set<string>();
    let reads = 0;
    const storage = {
      readChunkFramePlaned: async (key: string): Promise<ChunkFrameRead> => {
        reads++;
        live.add(key);
        return {
          data: new TextEncoder().encode(key),
          planedColumns: true,
          lease: new ChunkLease(() => live.delete(key)),
        };
      },
    };
    return { storage, live, reads: () => reads };
  }
  const ref = (key: string): ChunkRef => ({ key, frame: { offset: 0, length: 1 } });

  it("gives each caller its own share; a dropped read goes back only after its callers' releases", async () => {
    const { storage, live, reads } = leasingStorage();
    const source = chunkSourceOf(storage, 2);
    const a1 = await source(ref('a'));
    const a2 = await source(ref('a'));
    expect(reads()).toBe(1);
    await source(ref('b')).then((r) => r.lease?.release());
    await source(ref('c')).then((r) => r.lease?.release()); // drops 'a' from the kept reads
    await Promise.resolve();
    expect(live.has('a')).toBe(true); // both callers still hold it
    a1.lease!.release();
    expect(live.has('a')).toBe(true);
    a2.lease!.release();
    expect(live.has('a')).toBe(false);
    expect([...live].sort()).toEqual(['b', 'c']); // kept by the source
  });

  it('a read dropped before it resolved still reaches its caller whole', async () => {
    const { storage, live } = leasingStorage();
    const source = chunkSourceOf(storage, 1);
    const pending = source(ref('a'));
    const other = source(ref('b')); // drops 'a' while its read is on its way
    const a = await pending;
    expect(new TextDecoder().decode(a.data)).toBe('a');
    expect(live.has('a')).toBe(true);
    a.lease!.release();
    expect(live.has('a')).toBe(false);
    (await other).lease?.release();
    expect(live.has('b')).toBe(true);
  });
});

describe('decodeMessageFrameLeased', () => {
  /** A length-delimited message of `n` bytes in one zstd frame, as storage writes each chunk. */
  function frameOf(n: number): { frame: Uint8Array; payload: Uint8Array } {
    const payload = new Uint8Array(n);
    for (let i = 0; i < n; i++) payload[i] = (i * 7) & 0xff;
    const head = Buffer.alloc(varintSize(n));
    writeVarint(head, 0, n);
    return { frame: compress(Buffer.concat([head, payload])), payload };
  }
  /** The frame with its header's content size rewritten (the field of a 4-byte size, as zstd writes ≥ 64 KiB). */
  function withContentSize(frame: Uint8Array, size: number): Uint8Array {
    const f = Buffer.from(frame);
    const fhd = f[4]!;
    expect(fhd >> 6).toBe(2);
    const at = 5 + ((fhd >> 5) & 1 ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
    f.writeUInt32LE(size, at);
    return f;
  }

  it('decodes a large frame into a pooled buffer, the same bytes as the plain decoder', () => {
    const pool = new BufferPool();
    const { frame, payload } = frameOf(MIB);
    const read = decodeMessageFrameLeased(frame, 'f', 0, false, true, pool);
    expect(read.lease).toBeDefined();
    expect(Buffer.from(read.data).equals(Buffer.from(payload))).toBe(true);
    expect(Buffer.from(decodeMessageFrame(frame, 'f', 0, false)).equals(Buffer.from(payload))).toBe(true);
    read.lease!.release();
    expect(pool.idleBytes).toBeGreaterThanOrEqual(MIB);
    // A small frame is decoded as usual, without a lease.
    expect(decodeMessageFrameLeased(frameOf(1000).frame, 'f', 0, false, true, pool).lease).toBeUndefined();
  });

  it('a frame whose header misstates its size is corrupt, named with file and offset, and its buffer goes back', () => {
    const pool = new BufferPool();
    const { frame } = frameOf(MIB);
    for (const size of [MIB / 2, 2 * MIB, 0xfffffff0]) {
      expect(() => decodeMessageFrameLeased(withContentSize(frame, size), 'batch-x', 77, false, true, pool)).toThrow(
        expect.objectContaining({
          code: 'STORAGE_FILE_CORRUPT',
          data: expect.objectContaining({ file: 'batch-x', offset: 77 }),
        }),
      );
    }
    // The two misstated sizes the pool served came back (the absurd one was never pooled).
    expect(pool.idleBytes).toBeGreaterThanOrEqual(2 * MIB);
    expect(pool.idleBytes).toBeLessThan(8 * MIB);
  });
});
