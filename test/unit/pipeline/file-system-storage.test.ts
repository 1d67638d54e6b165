import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import { concatDelimited } from '../../../src/pipeline/contracts/framing.js';
import { CONTENT_TICK_DATA_CHUNK, StorageFileHeader, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { columnsToArrays } from '../../../src/pipeline/contracts/columns.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { realFsOps, type FsOps } from '../../../src/pipeline/resources/atomic-file.js';
import { syntheticMessages } from './fixtures.js';
import { BufferPool } from '../../../src/pipeline/api/buffer-pool.js';
import type { ChunkMessage } from '../../../src/pipeline/contracts/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-storage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('FileSystemStorage', () => {
  it('writes a batch and streams its chunks back by tick range', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages('run-a', 6);
    const r1 = await s.writeBatch(s.batchKey('run-a', 0, 14), msgs.slice(0, 3));
    await s.writeBatch(s.batchKey('run-a', 15, 29), msgs.slice(3));
    expect(r1).toMatchObject({ firstTick: 0, lastTick: 14, chunkCount: 3, tickCount: 15 });
    expect((await s.listBatches('run-a')).map((b) => [b.firstTick, b.lastTick])).toEqual([
      [0, 14],
      [15, 29],
    ]);
    const all = await collect(s.readChunks('run-a'));
    expect(all.map((c) => c.firstTick)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(Buffer.from(all[4]!.data).equals(Buffer.from(msgs[4]!.data))).toBe(true);
    const some = await collect(s.readChunks('run-a', 12, 17));
    expect(some.map((c) => c.firstTick)).toEqual([10, 15]);
    expect(await s.listRunIds()).toEqual(['run-a']);
  });

  it('serves the batches it just wrote from memory, exactly as the file reads them, and older ones from disk', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages('run-m', 8);
    const keys = [0, 2, 4, 6].map((i) => s.batchKey('run-m', msgs[i]!.firstTick, msgs[i + 1]!.lastTick));
    for (let b = 0; b < 4; b++) await s.writeBatch(keys[b]!, msgs.slice(2 * b, 2 * b + 2));
    const fresh = new FileSystemStorage('other', { rootDirectory: dir });
    for (const key of keys) {
      const cached = (await collect(s.readBatchFile(key))).map((c) => ({
        ...c,
        data: Buffer.from(c.data).toString('hex'),
      }));
      const fromFile = (await collect(fresh.readBatchFile(key))).map((c) => ({
        ...c,
        data: Buffer.from(c.data).toString('hex'),
      }));
      expect(cached).toEqual(fromFile);
    }
    // The last two batches came from memory, the first two from their files.
    expect(s.metrics().cached_reads).toBe(2);
    expect(s.metrics().read_operations).toBe(2);
    expect(fresh.metrics().cached_reads).toBe(0);
  });

  it('holds chunks in reused memory while they are cached or read, and gives them back only after every holder', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir, compressInWorker: false });
    const pool = new BufferPool(64 * 1024 * 1024, 0, 1024);
    // What the engine does: each chunk in pooled memory, the message holding the first share.
    const pooled = (msgs: ChunkMessage[]) =>
      msgs.map((m) => {
        const { bytes, lease } = pool.lease(m.data.length);
        bytes.set(m.data);
        return { ...m, data: bytes, lease };
      });
    const all = syntheticMessages('run-p', 12);
    const original = all.map((m) => Buffer.from(m.data));
    const batches = [0, 3, 6, 9].map((i) => pooled(all.slice(i, i + 3)));
    const keys = batches.map((b) => s.batchKey('run-p', b[0]!.firstTick, b[2]!.lastTick));
    const memoryOf = (ms: readonly ChunkMessage[]) => ms.reduce((n, m) => n + m.data.buffer.byteLength, 0);
    const write = async (i: number) => {
      await s.writeBatch(keys[i]!, batches[i]!);
      for (const m of batches[i]!) m.lease!.release(); // stored and committed: the message lets go
    };
    await write(0);
    expect(pool.idleBytes).toBe(0); // the cache still holds the batch
    // A reader gets a share of each chunk, for the whole batch at once (the cache may let go between chunks).
    const reader = await collect(s.readBatchFile(keys[0]!));
    expect(reader.every((c) => c.lease !== undefined)).toBe(true);
    // A reader that stops early gives back the shares it was not handed.
    for await (const c of s.readBatchFile(keys[0]!)) {
      c.lease!.release();
      break;
    }
    // A reader that never gives its share back keeps its bytes for good (here: chunk 0 of batch 0); chunks a
    // range read skips are given back.
    const keeper = await collect(s.readChunks('run-p', 0, 4));
    expect(keeper.map((c) => c.firstTick)).toEqual([0]);
    await write(1);
    await write(2);
    await write(3); // batches 0 and 1 leave the cache
    // Batch 1 was read by nobody: its memory came back as it left the cache; batch 0 is still read.
    expect(pool.idleBytes).toBe(memoryOf(batches[1]!));
    for (const c of reader) c.lease!.release();
    expect(pool.idleBytes).toBe(memoryOf(batches[1]!) + memoryOf(batches[0]!.slice(1)));
    // Reused memory is written over; what the keeper holds is not.
    while (pool.idleBytes > 0) new Uint8Array(pool.take(1)).fill(0xee);
    expect(Buffer.from(keeper[0]!.data).equals(original[0]!)).toBe(true);
    // The files hold the original bytes, whatever happened to the memory since.
    const fresh = new FileSystemStorage('st2', { rootDirectory: dir, compressInWorker: false });
    const fromDisk = await collect(fresh.readChunks('run-p'));
    expect(fromDisk.map((c) => Buffer.from(c.data).equals(original[c.firstTick / 5]!))).toEqual(Array(12).fill(true));
  });

  it('reconstructs every sampled tick of a chunk', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages('run-a', 1, 5);
    await s.writeBatch(s.batchKey('run-a', 0, 4), msgs);
    const [stored] = await collect(s.readChunks('run-a', 3, 3));
    const chunk = s.decodeChunk(stored!);
    const t3 = reconstructTick(chunk, 3);
    expect(t3.sampleKind).toBe('incremental');
    expect(t3.organisms.map((o) => o.energy)).toEqual([997, 997, 997]);
    const t2 = reconstructTick(chunk, 2);
    expect(t2.sampleKind).toBe('accumulated');
    const snap = columnsToArrays(chunk.snapshot!.cells);
    expect(reconstructTick(chunk, 0).cells.flatIndices.length).toBe(snap.flatIndices.length);
    expect(() => reconstructTick(chunk, 99)).toThrow(/not a sampled tick/);
  });

  it('never lists temp files and leaves none after a failed write', async () => {
    const failing: FsOps = {
      ...realFsOps,
      rename: async () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })),
    };
    const s = new FileSystemStorage('st', { rootDirectory: dir, fsOps: failing });
    await expect(s.writeBatch(s.batchKey('r', 0, 4), syntheticMessages('r', 1))).rejects.toThrow(/EIO/);
    const bucket = join(dir, 'r/raw/000/000');
    expect(readdirSync(bucket)).toEqual([]);
    writeFileSync(join(bucket, '.batch_0000000000000000000_0000000000000000004.pb.zst.1.abc.tmp'), 'partial');
    const ok = new FileSystemStorage('st', { rootDirectory: dir });
    expect(await ok.listBatches('r')).toEqual([]);
    expect(s.metrics().write_errors).toBe(1);
  });

  it('reports a truncated file with its name and offset', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const key = s.batchKey('r', 0, 49);
    await s.writeBatch(key, syntheticMessages('r', 10));
    const path = join(dir, key);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    // Damaged behind the writer's back: a reader (another process, another instance) sees the file.
    const reader = new FileSystemStorage('reader', { rootDirectory: dir });
    await expect(collect(reader.readBatchFile(key))).rejects.toThrow(
      new RegExp(`${key.replace(/[.]/g, '\\.')}.*offset \\d+`),
    );
  });

  it('reports garbage and corrupted frames as STORAGE_FILE_CORRUPT', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const key = s.batchKey('r', 0, 4);
    await s.writeBatch(key, syntheticMessages('r', 1));
    const path = join(dir, key);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(path, bytes);
    const reader = new FileSystemStorage('reader', { rootDirectory: dir });
    await expect(collect(reader.readBatchFile(key))).rejects.toMatchObject({ code: 'STORAGE_FILE_CORRUPT' });
    writeFileSync(path, 'not zstd at all');
    await expect(collect(reader.readBatchFile(key))).rejects.toMatchObject({
      code: 'STORAGE_FILE_CORRUPT',
      offset: expect.any(Number),
    });
    // A valid frame whose message claims more bytes than exist.
    writeFileSync(path, compress(Buffer.from([0x05, 0x08, 0x01])));
    await expect(collect(reader.readBatchFile(key))).rejects.toThrow(/offset 0: message of 5 bytes is cut off/);
  });

  it('refuses an unknown format version', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const key = s.batchKey('r', 0, 4);
    const header = StorageFileHeader.encode({
      formatVersion: 99,
      contentType: CONTENT_TICK_DATA_CHUNK,
      simulationRunId: 'r',
      messageCount: 0,
    }).finish();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'r/raw/000/000'), { recursive: true });
    writeFileSync(join(dir, key), compress(concatDelimited([header])));
    await expect(collect(s.readBatchFile(key))).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT_VERSION',
      message: expect.stringMatching(/format version 99/),
    });
  });

  it('writes and reads metadata', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const { SimulationMetadata } = await import('../../../src/pipeline/contracts/index.js');
    const data = SimulationMetadata.encode({ simulationRunId: 'r', initialSeed: 42, worldShape: [10, 20] }).finish();
    const r = await s.writeMetadata('r', data);
    expect(r.key).toBe('r/raw/metadata.pb.zst');
    const m = await s.readMetadata('r');
    expect(m.initialSeed).toBe(42);
    expect(m.worldShape).toEqual([10, 20]);
    await expect(s.readMetadata('nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('rejects unsafe keys before touching the disk', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    await expect(s.writeBatch('../escape.pb.zst', syntheticMessages('r', 1))).rejects.toMatchObject({
      code: 'INVALID_STORAGE_KEY',
    });
    expect(() => s.batchKey('../x', 0, 1)).toThrow(/Invalid simulation run id/);
  });

  it('round-trips chunks byte-identically through TickDataChunk', () => {
    const [m] = syntheticMessages('r', 1);
    const decoded = TickDataChunk.decode(m!.data);
    expect(Buffer.from(TickDataChunk.encode(decoded).finish()).equals(Buffer.from(m!.data))).toBe(true);
  });

  it('streams messages larger than the decompression chunk size intact', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const { chunkMessageOf, columnsOf } = await import('../../../src/pipeline/contracts/index.js');
    const big = (first: number) => {
      const n = 200_000;
      const flatIndices = Int32Array.from({ length: n }, (_, i) => i * 3 + first);
      const molecules = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
      const owners = Int32Array.from({ length: n }, (_, i) => i % 7);
      return chunkMessageOf({
        simulationRunId: 'r',
        firstTick: first,
        lastTick: first,
        tickCount: 1,
        snapshot: { tickNumber: first, cells: columnsOf({ flatIndices, molecules, owners }) },
      });
    };
    const msgs = [big(0), big(1), big(2)];
    await s.writeBatch(s.batchKey('r', 0, 2), msgs);
    const back = await collect(s.readChunks('r'));
    expect(back.map((c) => Buffer.from(c.data).equals(Buffer.from(msgs[c.firstTick]!.data)))).toEqual([
      true,
      true,
      true,
    ]);
  });
});
