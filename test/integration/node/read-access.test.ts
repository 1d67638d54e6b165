/**
 * node.readAccess: a node on a network address refuses to start with open reads (unless told so on purpose);
 * with `token`, reads need the token (header, or a browser's cookie set by one ?token= visit) and the CLI still
 * works, while /node/health stays open for probes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DUMMY_PIPELINE, evochora, tempDataDir, startDetachedNode } from '../../helpers/cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await evochora(['node', 'stop', '--data-dir', d, '--timeout', '5000']);
});

const start = async (dataDir: string, sets: string[]) => {
  dirs.push(dataDir);
  return startDetachedNode(dataDir, ['-c', DUMMY_PIPELINE, ...sets.flatMap((s) => ['--set', s])]);
};

describe('node.readAccess', () => {
  it('refuses a network host with open reads, and starts with open-on-network on purpose', async () => {
    const refused = await start(tempDataDir(), ['node.host=0.0.0.0']);
    expect(refused.exitCode).toBe(2);
    expect(refused.json!.code).toBe('NODE_OPEN_ON_NETWORK');
    expect(refused.json!.actions!.join(' ')).toContain('node.readAccess = token');
    const open = await start(tempDataDir(), ['node.host=0.0.0.0', 'node.readAccess=open-on-network']);
    expect(open.exitCode, open.stderr).toBe(0);
  });

  it('with token: reads need it (header or cookie), health stays open, the CLI sends it', async () => {
    const dataDir = tempDataDir();
    const res = await start(dataDir, ['node.host=0.0.0.0', 'node.readAccess=token']);
    expect(res.exitCode, res.stderr).toBe(0);
    const base = `http://127.0.0.1:${res.json!.result.port}`;
    const token = readFileSync(join(dataDir, 'node', 'token'), 'utf8').trim();
    expect((await fetch(`${base}/node/health`)).status).toBe(200);
    const denied = await fetch(`${base}/pipeline/api/status`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { code: string }).code).toBe('UNAUTHORIZED');
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/pipeline/api/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    // A browser: one visit with ?token= sets the cookie, later requests carry it.
    const visit = await fetch(`${base}/?token=${token}`);
    expect(visit.status).toBe(200);
    const cookie = visit.headers.get('set-cookie')!;
    expect(cookie).toContain('HttpOnly');
    const withCookie = await fetch(`${base}/pipeline/api/status`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect((await fetch(`${base}/pipeline/api/status`, { headers: { cookie: 'evochora_token=wrong' } })).status).toBe(
      401,
    );
    const status = await evochora(['pipeline', 'status', '--data-dir', dataDir, '--json']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
  });
});
