import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import { StorageFileHeader } from '../../../src/pipeline/contracts/index.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import {
  compressFramed,
  decodeMessageFrame,
  encodeStorageFile,
  frameStorageFile,
  messageFramesOf,
  readStorageFile,
} from '../../../src/pipeline/resources/storage-file.js';
import { chunkRefBlob, chunkRefOf, chunkSourceOf } from '../../../src/pipeline/api/chunk-refs.js';
import type { StoredChunk } from '../../../src/pipeline/api/batch-storage.js';
import { unplaneChunkColumns } from '../../../src/pipeline/resources/chunk-column-planes.js';
import { syntheticMessages } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-frames-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const HEADER = { contentType: 'X', simulationRunId: 'run' };

describe('storage format 3: a frame per message and a frame table', () => {
  it('decompresses whole to the framed stream (library and zstd CLI), and frame by frame to each message', () => {
    const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
    const file = encodeStorageFile(HEADER, payloads);
    const framed = frameStorageFile(HEADER, payloads);
    expect(Buffer.compare(decompress(Buffer.from(file.bytes)), Buffer.from(framed))).toBe(0);
    const path = join(dir, 'f.zst');
    writeFileSync(path, file.bytes);
    expect(Buffer.compare(execFileSync('zstd', ['-d', '-c', '-q', path]), Buffer.from(framed))).toBe(0);

    const frames = messageFramesOf(file.bytes, file.bytes.length)!;
    expect(frames).toHaveLength(payloads.length + 1);
    const header = StorageFileHeader.decode(
      decodeMessageFrame(file.bytes.subarray(frames[0]!.offset, frames[0]!.offset + frames[0]!.length), 'f', 0, false),
    );
    expect(header.formatVersion).toBe(3);
    expect(header.messageCount).toBe(3);
    payloads.forEach((p, i) => {
      const f = frames[i + 1]!;
      const data = decodeMessageFrame(file.bytes.subarray(f.offset, f.offset + f.length), 'f', f.offset, false);
      expect(Buffer.from(data).toString('hex')).toBe(Buffer.from(p).toString('hex'));
    });
  });

  it('files compressed one after another, each larger or smaller than the last, hold their own frames', () => {
    // compressFramed writes every file's frames into memory it reuses (and grows) from file to file.
    const random = (n: number, seed: number): Uint8Array => {
      const b = new Uint8Array(n);
      let x = seed;
      for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      return b;
    };
    const files = [
      [random(200_000, 1), random(50_000, 2)],
      [new Uint8Array([9, 9])],
      [random(900_000, 3), new Uint8Array(400_000).fill(5), random(700_000, 4)],
      [random(1_000, 5)],
    ];
    const encoded = files.map((payloads) => encodeStorageFile(HEADER, payloads).bytes);
    encoded.forEach((bytes, k) => {
      const payloads = files[k]!;
      expect(Buffer.compare(decompress(Buffer.from(bytes)), Buffer.from(frameStorageFile(HEADER, payloads)))).toBe(0);
      const frames = messageFramesOf(bytes, bytes.length)!;
      expect(frames).toHaveLength(payloads.length + 1);
      payloads.forEach((p, i) => {
        const f = frames[i + 1]!;
        const data = decodeMessageFrame(bytes.subarray(f.offset, f.offset + f.length), 'f', f.offset, false);
        expect(Buffer.compare(Buffer.from(data), Buffer.from(p)), `file ${k} message ${i}`).toBe(0);
      });
    });
  });

  it('a file whose frame table is cut off or altered is corrupt, named with its offset', async () => {
    const file = encodeStorageFile(HEADER, [new Uint8Array(1000).fill(1), new Uint8Array(10).fill(2)]).bytes;
    const cut = join(dir, 'cut.zst');
    writeFileSync(cut, file.subarray(0, file.length - 3));
    expect(messageFramesOf(file.subarray(0, file.length - 3), file.length - 3)).toBeUndefined();
    await expect(collect(readStorageFile(cut, 'cut'))).rejects.toMatchObject({
      code: 'STORAGE_FILE_CORRUPT',
      message: expect.stringMatching(/'cut'.*offset \d+/),
    });
    const altered = Buffer.from(file);
    altered.writeUInt32LE(5, altered.length - 12); // the last frame's size
    writeFileSync(cut, altered);
    await expect(collect(readStorageFile(cut, 'cut'))).rejects.toMatchObject({
      code: 'STORAGE_FILE_CORRUPT',
      message: expect.stringMatching(/frame table/),
    });
  });

  it('FileSystemStorage reads one chunk from its frame, from memory after a write and from disk later', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages('run-f', 3);
    const key = s.batchKey('run-f', msgs[0]!.firstTick, msgs[2]!.lastTick);
    await s.writeBatch(key, msgs);
    const fresh = new FileSystemStorage('other', { rootDirectory: dir });
    const fromFile: StoredChunk[] = await collect(fresh.readBatchFile(key));
    const fromMemory: StoredChunk[] = await collect(s.readBatchFile(key));
    expect(fromFile.map((c) => c.frame)).toEqual(fromMemory.map((c) => c.frame));
    let end = 0;
    for (const [i, c] of fromFile.entries()) {
      expect(c.frame!.offset).toBeGreaterThanOrEqual(end);
      end = c.frame!.offset + c.frame!.length;
      const one = await fresh.readChunkFrame(key, c.frame!);
      expect(Buffer.from(one).toString('hex')).toBe(Buffer.from(msgs[i]!.data).toString('hex'));
    }
    expect(fresh.metrics().read_operations).toBe(1 + fromFile.length);
    // A frame that is not one: the file and offset are named.
    const wrong = { offset: fromFile[1]!.frame!.offset + 1, length: fromFile[1]!.frame!.length - 1 };
    await expect(fresh.readChunkFrame(key, wrong)).rejects.toMatchObject({
      code: 'STORAGE_FILE_CORRUPT',
      data: { file: key, offset: wrong.offset },
    });
    expect(readFileSync(join(dir, key)).length).toBe(end + 8 + 4 * (msgs.length + 1) + 8);
  });

  it('reads frame by frame and by stream alike; with readsCells false the columns stay planed, nothing else differs', async () => {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages('run-p', 4);
    const key = s.batchKey('run-p', msgs[0]!.firstTick, msgs[3]!.lastTick);
    await s.writeBatch(key, msgs);
    const path = join(dir, key);
    const framed = await collect(readStorageFile(path, key));
    const streamed = await collect(readStorageFile(path, key, undefined, undefined, null)); // no table: the stream
    expect(framed.map((m) => [m.index, m.offset, Buffer.from(m.data).toString('hex')])).toEqual(
      streamed.map((m) => [m.index, m.offset, Buffer.from(m.data).toString('hex')]),
    );
    expect(framed.map((m) => Buffer.from(m.data).toString('hex'))).toEqual(
      msgs.map((m) => Buffer.from(m.data).toString('hex')),
    );
    const fresh = new FileSystemStorage('other', { rootDirectory: dir });
    const planed = await collect(fresh.readBatchFile(key, { readsCells: false }));
    const restored = await collect(fresh.readBatchFile(key));
    expect(planed.map((c) => [c.firstTick, c.lastTick, c.tickCount, c.offset, c.frame])).toEqual(
      restored.map((c) => [c.firstTick, c.lastTick, c.tickCount, c.offset, c.frame]),
    );
    for (const [i, c] of planed.entries()) {
      const again = Uint8Array.from(c.data);
      expect(Buffer.from(again).toString('hex')).not.toBe(Buffer.from(restored[i]!.data).toString('hex'));
      unplaneChunkColumns(again);
      expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(restored[i]!.data).toString('hex'));
    }
  });

  /** A batch of two chunks written by one storage, and its first chunk as a second storage reads it from disk. */
  async function writtenBatch(runId: string) {
    const s = new FileSystemStorage('st', { rootDirectory: dir });
    const msgs = syntheticMessages(runId, 2);
    const key = s.batchKey(runId, msgs[0]!.firstTick, msgs[1]!.lastTick);
    await s.writeBatch(key, msgs);
    const fresh = new FileSystemStorage('other', { rootDirectory: dir });
    const [first] = await collect(fresh.readBatchFile(key));
    return { s, msgs, key, fresh, first: first! };
  }

  it('chunk references round-trip and resolve through a storage, a few cached', async () => {
    const { s, msgs, key, fresh, first } = await writtenBatch('run-r');
    const blob = chunkRefBlob(key, first.frame!);
    expect(blob.length).toBeLessThan(key.length + 10);
    expect(chunkRefOf(blob)).toEqual({ key, frame: first!.frame });
    expect(chunkRefOf(new Uint8Array([2, 0, 1]))).toBeUndefined();
    const source = chunkSourceOf(fresh);
    const a = await source(chunkRefOf(blob)!);
    const b = await source(chunkRefOf(blob)!);
    expect(b).toBe(a);
    // Read from the file, the cell columns stay planed; restoring them gives the stored chunk.
    expect(a.planedColumns).toBe(true);
    const restored = Uint8Array.from(a.data);
    unplaneChunkColumns(restored);
    expect(Buffer.from(restored).toString('hex')).toBe(Buffer.from(msgs[0]!.data).toString('hex'));
    // A chunk the storage still holds from writing it comes as it was written.
    const held = await chunkSourceOf(s)(chunkRefOf(blob)!);
    expect(held.planedColumns).toBe(false);
    expect(Buffer.from(held.data).toString('hex')).toBe(Buffer.from(msgs[0]!.data).toString('hex'));
    // A storage that reads frames only whole-restored still serves as a source.
    const plain = await chunkSourceOf({ readChunkFrame: (k, f) => fresh.readChunkFrame(k, f) })(chunkRefOf(blob)!);
    expect(plain.planedColumns).toBe(false);
    expect(Buffer.from(plain.data).toString('hex')).toBe(Buffer.from(msgs[0]!.data).toString('hex'));
    await expect(chunkSourceOf({})(chunkRefOf(blob)!)).rejects.toMatchObject({ code: 'CHUNK_SOURCE_MISSING' });
  });

  it('a batch file deleted after it was written is BATCH_NOT_FOUND naming the file, by reference and whole', async () => {
    const { key, fresh, first } = await writtenBatch('run-m');
    rmSync(join(dir, key));
    const missing = { code: 'BATCH_NOT_FOUND', data: { key } };
    await expect(chunkSourceOf(fresh)(chunkRefOf(chunkRefBlob(key, first.frame!))!)).rejects.toMatchObject(missing);
    await expect(fresh.readChunkFrame(key, first.frame!)).rejects.toMatchObject({
      message: expect.stringMatching(/not in storage/),
      actions: [expect.stringContaining('evochora verify --run run-m')],
    });
    await expect(collect(fresh.readBatchFile(key))).rejects.toMatchObject(missing);
  });

  it('a stream that is not length-delimited messages is one frame without a table', () => {
    const raw = new Uint8Array([200, 200, 200]);
    const z = compressFramed(raw.slice());
    expect(messageFramesOf(z, z.length)).toBeUndefined();
    expect([...decompress(Buffer.from(z))]).toEqual([...raw]);
  });
});
