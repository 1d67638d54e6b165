import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DUMMY_PIPELINE, evochora, tempDataDir, startDetachedNode } from '../../helpers/cli.js';

const dataDir = tempDataDir();
afterAll(async () => {
  await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '5000']);
});

function get(port: number, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/node/health', method: body ? 'POST' : 'GET', headers, agent: false },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTP floor refuses what it cannot take, with an answer', () => {
  it('a 200 KB header gets a 431 (not a reset), a 2 MB body a 413, garbage a 400, each with a coded JSON body', async () => {
    const start = await startDetachedNode(dataDir, ['-c', DUMMY_PIPELINE]);
    expect(start.exitCode, start.stderr).toBe(0);
    const port = start.json!.result.port as number;
    for (let i = 0; i < 10; i++) {
      const big = await get(port, { 'x-huge': 'a'.repeat(200_000) });
      expect(big.status).toBe(431);
      expect(JSON.parse(big.body).code).toBe('HEADERS_TOO_LARGE');
    }
    const body = await get(port, { 'content-type': 'application/json' }, Buffer.alloc(2 << 20, 32));
    expect(body.status).toBe(413);
    expect(JSON.parse(body.body).code).toBe('PAYLOAD_TOO_LARGE');
    const garbage = await new Promise<string>((resolve) => {
      let text = '';
      const s = connect(port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      s.on('data', (d) => (text += d));
      s.on('close', () => resolve(text));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(garbage).toContain('"code":"BAD_REQUEST"');
    expect((await get(port, {})).status).toBe(200);
  });
});
