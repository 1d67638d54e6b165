import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../../src/config/resolve-options.js';
import { S3Storage } from '../../../src/pipeline/resources/s3/s3-storage.js';
import { s3StorageType } from '../../../src/pipeline/resources/s3/s3-storage-type.js';

const EMPTY_LIST = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>evochora</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated></ListBucketResult>`;

let server: Server | undefined;
afterEach(() => server?.close());

describe('S3 storage behind a circuit breaker', () => {
  it('stops calling an S3 that keeps failing, reports it (unhealthy, circuit_state), and recovers by itself', async () => {
    let down = true;
    let requests = 0;
    server = createServer((req, res) => {
      requests++;
      req.resume();
      if (down) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>');
      } else {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(EMPTY_LIST);
      }
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const options = resolveOptions(s3StorageType.options, {
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: 'a',
      secretAccessKey: 'b',
      maxAttempts: 1,
    });
    const storage = new S3Storage('tick-storage', options as never);
    for (let i = 0; i < 5; i++) await expect(storage.listRunIds()).rejects.toThrow();
    expect(requests).toBe(5);
    expect(storage.healthy()).toBe(false);
    expect(storage.metrics()).toMatchObject({ circuit_state: 1, circuit_opens_total: 1 });
    // Open: no request reaches S3, the error is coded.
    await expect(storage.listRunIds()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(requests).toBe(5);
    // S3 is back; after the cool-down the next call goes through and closes the breaker.
    down = false;
    await new Promise((r) => setTimeout(r, 2100));
    expect(await storage.listRunIds()).toEqual([]);
    expect(storage.healthy()).toBe(true);
    expect(storage.metrics()).toMatchObject({ circuit_state: 0, circuit_rejected_total: 1 });
    await storage.close();
  });
});
