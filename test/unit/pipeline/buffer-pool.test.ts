import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/pipeline/api/buffer-pool.js';
import { ChunkLease } from '../../../src/pipeline/api/chunk-lease.js';
import type { ChunkFrameRead } from '../../../src/pipeline/api/batch-storage.js';
import { chunkSourceOf, type ChunkRef } from '../../../src/pipeline/api/chunk-refs.js';

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
