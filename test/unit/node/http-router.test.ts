import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { EvochoraError } from '../../../src/errors.js';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { BadRequestError, chooseEncoding, defaultErrorMapper, HttpRouter } from '../../../src/http/http-router.js';

let server: Server;
let base: string;
const unexpected: unknown[] = [];

beforeAll(async () => {
  const router = new HttpRouter(() => 'secret-token');
  router.mount(
    '/a',
    [
      { method: 'GET', pattern: '/item/:id', handler: ({ params }) => ({ status: 200, body: { id: params.id } }) },
      {
        method: 'GET',
        pattern: '/big',
        handler: () => ({
          status: 200,
          body: { rows: Array.from({ length: 2000 }, (_, i) => ({ i, name: `row ${i}` })) },
        }),
      },
      {
        method: 'GET',
        pattern: '/huge',
        handler: () => ({
          status: 200,
          body: { rows: Array.from({ length: 8000 }, (_, i) => ({ i, name: `row ${i}` })) },
        }),
      },
      {
        method: 'GET',
        pattern: '/packed',
        handler: () => ({
          status: 200,
          raw: Buffer.alloc(64 * 1024, 7),
          contentType: 'application/x-test',
          compress: false,
        }),
      },
      {
        method: 'POST',
        pattern: '/item/:id',
        protected: true,
        handler: async (req) => ({ status: 202, body: { got: await req.json() } }),
      },
      {
        method: 'GET',
        pattern: '/conflict',
        handler: () => {
          throw new EvochoraError('INVALID_TRANSITION', 'nope');
        },
      },
      {
        method: 'GET',
        pattern: '/bug',
        handler: () => {
          throw new TypeError('secret internals');
        },
      },
    ],
    defaultErrorMapper({ INVALID_TRANSITION: 409 }, (e) => unexpected.push(e)),
  );
  router.mount(
    '/b',
    [
      {
        method: 'GET',
        pattern: '/bad',
        handler: () => {
          throw new BadRequestError('tick must be a number');
        },
      },
    ],
    defaultErrorMapper({}, (e) => unexpected.push(e)),
  );
  server = createServer((req, res) => void router.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('HttpRouter', () => {
  it('routes with parameters', async () => {
    expect(await call('GET', '/a/item/42')).toEqual({ status: 200, body: { id: '42' } });
  });

  it('answers 404 and 405 with JSON bodies carrying a code', async () => {
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call('DELETE', '/a/item/1')).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('needs the bearer token on protected routes', async () => {
    expect(await call('POST', '/a/item/1')).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    expect(await call('POST', '/a/item/1', { authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    expect(
      await call(
        'POST',
        '/a/item/1',
        { authorization: 'Bearer secret-token', 'content-type': 'application/json' },
        '{"x":1}',
      ),
    ).toEqual({ status: 202, body: { got: { x: 1 } } });
  });

  it('rejects malformed JSON bodies with 400', async () => {
    expect(await call('POST', '/a/item/1', { authorization: 'Bearer secret-token' }, '{nope')).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
  });

  it('maps errors per router and never leaks internals in a 500', async () => {
    expect(await call('GET', '/a/conflict')).toMatchObject({
      status: 409,
      body: { code: 'INVALID_TRANSITION', message: 'nope' },
    });
    expect(await call('GET', '/b/bad')).toMatchObject({ status: 400, body: { message: 'tick must be a number' } });
    const bug = await call('GET', '/a/bug');
    expect(bug.status).toBe(500);
    expect(JSON.stringify(bug.body)).not.toContain('secret internals');
    expect(unexpected.length).toBeGreaterThan(0);
  });

  it('rejects malformed percent-encoding', async () => {
    expect(await call('GET', '/a/item/%E0%A4%A')).toMatchObject({ status: 400 });
  });

  it('compresses answers when the client accepts it (br over gzip), leaves small ones and other clients alone', async () => {
    const plain = await request(`${base}/a/big`);
    const text = await plain.body.text();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('accept-encoding');
    const br = await request(`${base}/a/big`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    const brBytes = Buffer.from(await br.body.arrayBuffer());
    expect(brBytes.length).toBeLessThan(text.length / 4);
    expect(brotliDecompressSync(brBytes).toString()).toBe(text);
    const gz = await request(`${base}/a/big`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString()).toBe(text);
    // Past the size compressed on the event loop, the thread pool compresses: same bytes out.
    const huge = await request(`${base}/a/huge`);
    const hugeText = await huge.body.text();
    expect(hugeText.length).toBeGreaterThan(64 * 1024);
    for (const enc of ['br', 'gzip'] as const) {
      const r = await request(`${base}/a/huge`, { headers: { 'accept-encoding': enc } });
      expect(r.headers['content-encoding']).toBe(enc);
      const z = Buffer.from(await r.body.arrayBuffer());
      expect((enc === 'br' ? brotliDecompressSync(z) : gunzipSync(z)).toString()).toBe(hugeText);
    }
    const small = await request(`${base}/a/item/7`, { headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(await small.body.json()).toEqual({ id: '7' });
    // An answer that says it does not compress goes out as it is.
    const packed = await request(`${base}/a/packed`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(packed.headers['content-encoding']).toBeUndefined();
    expect(Buffer.from(await packed.body.arrayBuffer()).length).toBe(64 * 1024);
  });

  it('reads Accept-Encoding with q-values', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding(undefined)).toBeUndefined();
  });
});
