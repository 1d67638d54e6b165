/**
 * S3Storage against a real Swift (s3api) started by the harness: the same keys and bytes as
 * FileSystemStorage, multipart uploads that stay invisible until complete, listing by run and tick range,
 * retries through injected 503s, and redelivered chunks not stored twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkMessageOf, type ChunkMessage } from '../../src/pipeline/contracts/index.js';
import { FileSystemStorage } from '../../src/pipeline/resources/file-system-storage.js';
import { S3Storage, type S3StorageOptions } from '../../src/pipeline/resources/s3/s3-storage.js';
import { markRedelivered } from '../../src/pipeline/api/delivery-marks.js';
import { DEFAULT_FOLDER_LEVELS } from '../../src/pipeline/resources/storage-keys.js';
import { DEFAULT_BATCH_COMPRESSION_LEVEL } from '../../src/pipeline/resources/batch-compression-level.js';
import { startSwift, type SwiftServer } from './harness/swift.js';
import { freePort, stopAllStarted } from './harness/proc.js';
import { startFaultProxy } from './harness/fault-proxy.js';

let dir: string;
let swift: SwiftServer;
const storages: S3Storage[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-s3-'));
  swift = await startSwift(join(dir, 'swift'));
});

afterAll(async () => {
  for (const s of storages) await s.close();
  await swift?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

let bucketCounter = 0;
async function storage(over: Partial<S3StorageOptions> = {}): Promise<S3Storage> {
  const s = new S3Storage(`s3-${++bucketCounter}`, {
    endpoint: swift.endpoint,
    region: 'us-east-1',
    bucket: `evochora-test-${bucketCounter}`,
    accessKeyId: swift.accessKeyId,
    secretAccessKey: swift.secretAccessKey,
    forcePathStyle: true,
    prefix: '',
    folderLevels: DEFAULT_FOLDER_LEVELS,
    // The file-system storage's default too: the tests compare the two storages' files byte for byte.
    compressionLevel: DEFAULT_BATCH_COMPRESSION_LEVEL,
    multipartThresholdBytes: 16 * 1024 * 1024,
    partSizeBytes: 5 * 1024 * 1024,
    partConcurrency: 4,
    maxAttempts: 6,
    requestTimeoutMs: 30_000,
    createBucket: true,
    ...over,
  });
  await s.init();
  storages.push(s);
  return s;
}

const RUN = '20260101-00000000-test-run';

function chunks(n: number, ticksPerChunk = 6, payload = 300, run = RUN): ChunkMessage[] {
  return Array.from({ length: n }, (_, i) =>
    chunkMessageOf({
      simulationRunId: run,
      firstTick: i * ticksPerChunk,
      lastTick: i * ticksPerChunk + ticksPerChunk - 1,
      tickCount: ticksPerChunk,
      snapshot: { tickNumber: i * ticksPerChunk, runtimeCheckpoint: Buffer.alloc(payload, i & 0xff) },
    }),
  );
}

/** Random (incompressible) payloads, to make batch files large enough for multipart. */
function bigChunks(n: number, bytes: number): ChunkMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const noise = Buffer.alloc(bytes);
    for (let k = 0; k < bytes; k += 4) noise.writeUInt32LE((Math.imul(k + 1, 2654435761) ^ (i * 97)) >>> 0, k);
    return chunkMessageOf({
      simulationRunId: RUN,
      firstTick: i,
      lastTick: i,
      tickCount: 1,
      snapshot: { tickNumber: i, runtimeCheckpoint: noise },
    });
  });
}

describe('S3Storage on Swift (s3api)', () => {
  it('stores the same keys and the same bytes as FileSystemStorage, and reads them back', async () => {
    const s3 = await storage();
    const fs = new FileSystemStorage('fs', { rootDirectory: join(dir, 'fs') });
    const all = chunks(12);
    const batches = [all.slice(0, 4), all.slice(4, 9), all.slice(9)];
    for (const b of batches) {
      const key = s3.batchKey(RUN, b[0]!.firstTick, b[b.length - 1]!.lastTick);
      expect(key).toBe(fs.batchKey(RUN, b[0]!.firstTick, b[b.length - 1]!.lastTick));
      const a = await s3.writeBatch(key, b);
      const f = await fs.writeBatch(key, b);
      expect(a).toEqual(f);
      expect(Buffer.from((await s3.readObject(key))!).equals(readFileSync(fs.pathOf(key)))).toBe(true);
    }
    await s3.writeMetadata(RUN, Buffer.from('meta'));
    await fs.writeMetadata(RUN, Buffer.from('meta'));
    expect(
      Buffer.from((await s3.readObject(`${RUN}/raw/metadata.pb.zst`))!).equals(
        readFileSync(fs.pathOf(`${RUN}/raw/metadata.pb.zst`)),
      ),
    ).toBe(true);
    expect(await s3.listRunIds()).toEqual([RUN]);
    expect(await s3.listBatches(RUN)).toEqual((await fs.listBatches(RUN)).map((b) => ({ ...b })));
    const read: number[] = [];
    for await (const c of s3.readChunks(RUN)) read.push(c.firstTick);
    expect(read).toEqual(all.map((c) => c.firstTick));
  });

  it('lists by tick range (including a batch that starts in the previous bucket folder)', async () => {
    const s3 = await storage({ folderLevels: [1000, 100] });
    const ranges = [
      [0, 99],
      [100, 250],
      [251, 299],
      [300, 399],
      [400, 1999],
    ];
    for (const [a, b] of ranges) {
      const c = chunkMessageOf({ simulationRunId: RUN, firstTick: a!, lastTick: b!, tickCount: 1 });
      await s3.writeBatch(s3.batchKey(RUN, a!, b!), [c]);
    }
    const span = async (from: number, to: number): Promise<number[][]> =>
      (await s3.listBatches(RUN, from, to)).map((x) => [x.firstTick, x.lastTick]);
    expect(await span(0, 5000)).toEqual(ranges);
    expect(await span(260, 320)).toEqual([
      [251, 299],
      [300, 399],
    ]);
    expect(await span(1500, 1600)).toEqual([[400, 1999]]);
    expect(await span(200, 200)).toEqual([[100, 250]]);
    await expect(s3.listBatches('no-such-run')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('sends large batches as multipart uploads; the object is invisible until complete, then byte-identical', async () => {
    const s3 = await storage({ multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    const b = bigChunks(12, 1024 * 1024); // ~12 MiB incompressible
    const key = s3.batchKey(RUN, 0, 11);
    await s3.writeBatch(key, b);
    expect(s3.metrics().multipart_writes).toBe(1);
    const fs = new FileSystemStorage('fs2', { rootDirectory: join(dir, 'fs2') });
    await fs.writeBatch(key, b);
    expect(Buffer.from((await s3.readObject(key))!).equals(readFileSync(fs.pathOf(key)))).toBe(true);
    let n = 0;
    for await (const c of s3.readBatchFile(key)) expect(c.firstTick).toBe(n++);
    expect(n).toBe(12);

    // A multipart upload in progress is not visible: not listed, not readable.
    const c = s3.client;
    const Key = s3.batchKey(RUN, 100, 100);
    const up = await c.send(new CreateMultipartUploadCommand({ Bucket: s3.options.bucket, Key }));
    const part = await c.send(
      new UploadPartCommand({
        Bucket: s3.options.bucket,
        Key,
        UploadId: up.UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    expect((await s3.listBatches(RUN)).map((x) => x.key)).toEqual([key]);
    await expect(c.send(new HeadObjectCommand({ Bucket: s3.options.bucket, Key }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.options.bucket,
        Key,
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    expect((await s3.listBatches(RUN)).map((x) => x.key)).toEqual([key, Key]);
  });

  it('retries transient errors: every first attempt answered 503 by a faulty proxy still stores the batch', async () => {
    const target = new URL(swift.endpoint);
    let injected = 0;
    let forwarded = 0;
    const seen = new Set<string>();
    const proxy: Server = createServer((req, res) => {
      const id = `${req.method} ${req.url}`;
      if (!seen.has(id)) {
        seen.add(id);
        injected++;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>');
        return;
      }
      forwarded++;
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    const port = await freePort();
    await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
    try {
      const s3 = await storage({ endpoint: `http://127.0.0.1:${port}` });
      const b = chunks(3);
      const key = s3.batchKey(RUN, 0, 17);
      await s3.writeBatch(key, b);
      let n = 0;
      for await (const _ of s3.readBatchFile(key)) n++;
      expect(n).toBe(3);
      expect(injected).toBeGreaterThanOrEqual(3);
      expect(forwarded).toBeGreaterThanOrEqual(3);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('redelivered chunks that an earlier batch object already holds are not stored again', async () => {
    const s3 = await storage();
    const all = chunks(8);
    // A first consumer stored chunks 0..3 and died before acknowledging them.
    await s3.writeBatch(s3.batchKey(RUN, 0, 23), all.slice(0, 4));
    // The redelivery arrives split differently: 2..5 (2,3 redelivered), then 0..1 (redelivered).
    const second = all.slice(2, 6).map((c, i) => {
      const copy = { ...c };
      if (i < 2) markRedelivered(copy, 2);
      return copy;
    });
    const r = await s3.writeBatch(s3.batchKey(RUN, 12, 35), second);
    expect(r.chunkCount).toBe(2);
    // Both the earlier object (its writer may have died before announcing it) and the new one are announced.
    expect(r.objects.map((o) => [o.key, o.firstTick, o.lastTick, o.tickCount])).toEqual([
      [s3.batchKey(RUN, 0, 23), 0, 23, undefined],
      [s3.batchKey(RUN, 24, 35), 24, 35, 12],
    ]);
    const third = all.slice(0, 2).map((c) => {
      const copy = { ...c };
      markRedelivered(copy, 2);
      return copy;
    });
    const r3 = await s3.writeBatch(s3.batchKey(RUN, 0, 11), third);
    expect(r3.chunkCount).toBe(0);
    // Nothing was stored under the key asked for: only the object that holds the chunks is announced.
    expect(r3.objects.map((o) => o.key)).toEqual([s3.batchKey(RUN, 0, 23)]);
    expect((await s3.listBatches(RUN)).map((b) => b.key)).toEqual([s3.batchKey(RUN, 0, 23), s3.batchKey(RUN, 24, 35)]);
    const stored: number[] = [];
    for await (const c of s3.readChunks(RUN)) stored.push(c.firstTick / 6);
    expect(stored).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s3.metrics().chunks_already_stored).toBe(4);
  });

  it('startup waits for a store that comes up later, and fails fast with a clear error on bad credentials', async () => {
    const port = await freePort();
    const late = storage({ endpoint: `http://127.0.0.1:${port}`, connectTimeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1500)); // nothing listens yet: init keeps retrying
    const proxy = await startFaultProxy(swift.endpoint, { delayMs: () => 0, port });
    try {
      const s3 = await late;
      await s3.writeMetadata(RUN, Buffer.from('late'));
    } finally {
      await proxy.close();
    }
    const started = Date.now();
    await expect(storage({ secretAccessKey: 'wrong', connectTimeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'S3_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
