import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import { FileSystemCompressor } from '../../../src/pipeline/resources/file-system-storage-compressor.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { compressFramed, encodeStorageFile, frameStorageFile } from '../../../src/pipeline/resources/storage-file.js';
import { syntheticMessages } from './fixtures.js';

const faulty = { baseUrl: new URL('./fixtures/', import.meta.url).href, name: 'faulty-compress-worker' };

function stream(n: number, seed: number, last?: number): Uint8Array {
  const m = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    m[i] = (x >>> 28) & 3;
  }
  if (last !== undefined) m[n - 1] = last;
  return m;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-compressor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSystemCompressor', () => {
  it('produces the same bytes as inline compression, answering concurrent requests in order', async () => {
    const c = new FileSystemCompressor({ inlineBelowBytes: 1000 });
    try {
      const inputs = Array.from({ length: 24 }, (_, i) => stream(500 + ((i * 37_003) % 400_000), i + 1));
      const expected = inputs.map((r) => Buffer.from(compressFramed(r, 3)));
      const order: number[] = [];
      const results = await Promise.all(
        inputs.map((r, i) =>
          c.compress(r.slice(), 3).then((b) => {
            order.push(i);
            return b;
          }),
        ),
      );
      results.forEach((b, i) => expect(Buffer.from(b).equals(expected[i]!)).toBe(true));
      expect(
        results.map((b, i) => Buffer.from(decompress(Buffer.from(b))).equals(Buffer.from(inputs[i]!))),
      ).not.toContain(false);
      // Inline ones resolve at once; the worker's in request order.
      const offloaded = order.filter((i) => inputs[i]!.length >= 1000);
      expect(offloaded).toEqual([...offloaded].sort((a, b) => a - b));
      expect(c.offloaded).toBeGreaterThan(20);
      expect(c.workersStarted).toBe(1);
      expect(c.inFlight).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('frames the next stream in the memory the worker gave back, with the same bytes as inline', async () => {
    const c = new FileSystemCompressor({ inlineBelowBytes: 1000 });
    try {
      const header = { contentType: 'test', simulationRunId: 'run' };
      const payloads = (seed: number, n: number) =>
        Array.from({ length: n }, (_, i) => stream(20_000 + i * 1_000, seed + i, (seed + i) & 0xff));
      const first = frameStorageFile(header, payloads(1, 10), (n) => c.frameBuffer(n));
      const firstMemory = first.buffer;
      expect(firstMemory.byteLength).toBeGreaterThan(first.length); // room to spare for a larger next stream
      await c.compress(first, 1);
      expect(first.buffer.byteLength).toBe(0); // handed over
      // A slightly larger stream fits the memory given back; its bytes are the inline ones.
      const second = payloads(50, 11);
      const framed = frameStorageFile(header, second, (n) => c.frameBuffer(n));
      expect(c.framesReused).toBe(1);
      const expected = Buffer.from(compressFramed(frameStorageFile(header, second), 1));
      expect(Buffer.from(await c.compress(framed, 1)).equals(expected)).toBe(true);
      // One far larger does not fit: new memory, and the larger one is kept for next time.
      const big = payloads(90, 40);
      const bigFramed = frameStorageFile(header, big, (n) => c.frameBuffer(n));
      expect(c.framesReused).toBe(1);
      const bigExpected = Buffer.from(compressFramed(frameStorageFile(header, big), 1));
      expect(Buffer.from(await c.compress(bigFramed, 1)).equals(bigExpected)).toBe(true);
      frameStorageFile(header, payloads(3, 10), (n) => c.frameBuffer(n));
      expect(c.framesReused).toBe(2);
    } finally {
      await c.close();
    }
  });

  it('a failed compression rejects only its own request', async () => {
    const c = new FileSystemCompressor({ inlineBelowBytes: 0, worker: faulty });
    try {
      const [a, b, d] = await Promise.allSettled([
        c.compress(stream(10_000, 1), 3),
        c.compress(stream(10_000, 2, 0xee), 3),
        c.compress(stream(10_000, 3), 3),
      ]);
      expect(a.status).toBe('fulfilled');
      expect(b.status).toBe('rejected');
      expect((b as PromiseRejectedResult).reason).toMatchObject({ code: 'COMPRESSION_FAILED' });
      expect(d.status).toBe('fulfilled');
      expect(c.workersStarted).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('a dying worker rejects every pending request, and the next request starts a new worker', async () => {
    const c = new FileSystemCompressor({ inlineBelowBytes: 0, worker: faulty });
    try {
      const pending = [c.compress(stream(200_000, 1, 0xdd), 3), c.compress(stream(200_000, 2), 3)];
      const settled = await Promise.allSettled(pending);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'COMPRESSION_WORKER_FAILED' });
      const again = await c.compress(stream(50_000, 4), 3);
      expect(Buffer.from(again).equals(Buffer.from(compressFramed(stream(50_000, 4), 3)))).toBe(true);
      expect(c.workersStarted).toBe(2);
      // A worker killed from outside (e.g. out of memory) is handled the same way.
      const p = c.compress(stream(2_000_000, 5), 3);
      const killed = c.currentWorker!.terminate();
      const [r] = await Promise.allSettled([p, killed]);
      // The answer may have been on its way already; otherwise the request fails with the worker.
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'COMPRESSION_WORKER_FAILED' });
      await expect(c.compress(stream(50_000, 6), 3)).resolves.toBeInstanceOf(Uint8Array);
      expect(c.workersStarted).toBe(3);
    } finally {
      await c.close();
    }
  });

  it('close rejects pending requests; a later request starts a new worker', async () => {
    const c = new FileSystemCompressor({ inlineBelowBytes: 0 });
    const p = c.compress(stream(3_000_000, 1), 3);
    const rejected = expect(p).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await c.close();
    await rejected;
    await expect(c.compress(stream(1000, 2), 3)).resolves.toBeInstanceOf(Uint8Array);
    await c.close();
  });
});

describe('FileSystemStorage with the compression worker', () => {
  it('stores byte-identical files with and without the worker', async () => {
    const msgs = syntheticMessages('run-a', 12);
    const inWorker = new FileSystemStorage('a', {
      rootDirectory: join(dir, 'a'),
      compressor: new FileSystemCompressor({ inlineBelowBytes: 0 }),
    });
    const inline = new FileSystemStorage('b', { rootDirectory: join(dir, 'b'), compressInWorker: false });
    try {
      const key = inWorker.batchKey('run-a', msgs[0]!.firstTick, msgs.at(-1)!.lastTick);
      const ra = await inWorker.writeBatch(key, msgs);
      const rb = await inline.writeBatch(key, msgs);
      expect(ra).toEqual(rb);
      const a = readFileSync(inWorker.pathOf(key));
      expect(a.equals(readFileSync(inline.pathOf(key)))).toBe(true);
      const header = {
        contentType: 'TickDataChunk',
        simulationRunId: 'run-a',
        firstTick: msgs[0]!.firstTick,
        lastTick: msgs.at(-1)!.lastTick,
        tickCount: ra.tickCount,
      };
      expect(
        a.equals(
          Buffer.from(
            encodeStorageFile(
              header,
              msgs.map((m) => m.data),
            ).bytes,
          ),
        ),
      ).toBe(true);
      expect(
        frameStorageFile(
          header,
          msgs.map((m) => m.data),
        ).length,
      ).toBe(ra.rawBytes);
      expect(inWorker.compressor!.offloaded).toBe(1);
    } finally {
      await inWorker.close();
    }
  });

  it('a compression failure fails the write (no file, error counted) and leaves the chunks intact for a retry', async () => {
    const s = new FileSystemStorage('a', {
      rootDirectory: dir,
      compressor: new FileSystemCompressor({ inlineBelowBytes: 0, worker: faulty }),
    });
    try {
      const msgs = syntheticMessages('run-a', 3);
      const last = msgs.at(-1)!;
      const bad = { ...last, data: Uint8Array.from([...last.data.subarray(0, last.data.length - 1), 0xee]) };
      const batch = [...msgs.slice(0, 2), bad];
      const key = s.batchKey('run-a', batch[0]!.firstTick, bad.lastTick);
      await expect(s.writeBatch(key, batch)).rejects.toMatchObject({ code: 'COMPRESSION_FAILED' });
      expect(s.metrics().write_errors).toBe(1);
      expect(await s.listBatches('run-a').catch(() => [])).toEqual([]);
      // The caller's chunk bytes were not handed over (they go to the DLQ on final failure).
      expect(bad.data.length).toBe(last.data.length);
      await expect(s.writeBatch(key, msgs)).resolves.toMatchObject({ chunkCount: 3 });
    } finally {
      await s.close();
    }
  });
});
