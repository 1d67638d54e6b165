import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { decodeEnvironmentResponse } from './decode.js';
import { VISUALIZER_PREFIX } from '../../../src/visualizer/routes.js';
import { indexingConfig, manager, recordAndIndex, serveVisualizer } from './helpers.js';

let dir: string;
let sm: ServiceManager;
let server: Server;
let base: string;
let runId: string;
const unexpected: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-api-'));
  sm = await manager(
    indexingConfig(dir, { engine: { maxTicks: 60, environment: { shape: [48, 32], topology: 'TORUS' } } }),
  );
  const r = await recordAndIndex(sm);
  runId = r.runId;
  ({ server, base } = await serveVisualizer(r.db, unexpected, true));
}, 90_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await sm?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; raw: ArrayBuffer; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers });
  const raw = await res.arrayBuffer();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status: res.status, body, raw, headers: res.headers };
}

const api = (p: string): string => `${VISUALIZER_PREFIX}${p}`;

describe('visualizer API contract', () => {
  it('GET /runs lists the run with its tick range', async () => {
    const r = await get(api('/runs'));
    expect(r.status).toBe(200);
    expect(r.body.runs).toEqual([
      expect.objectContaining({
        runId,
        hasMetadata: true,
        worldShape: [48, 32],
        samplingInterval: 1,
        ticks: { minTick: 0, maxTick: 60 },
      }),
    ]);
  });

  it('GET /simulation/metadata gives shape, topology, sampling, names and program artifacts, with an ETag', async () => {
    const r = await get(api(`/simulation/metadata?runId=${runId}`));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ runId, environment: { shape: [48, 32], topology: 'TORUS' }, samplingInterval: 1 });
    expect(r.body.moleculeTypes['1']).toBe('DATA');
    expect(r.body.opcodes['0']).toBe('NOP');
    expect(r.body.programs[0].artifact.sourceMap.length).toBeGreaterThan(0);
    const etag = r.headers.get('etag')!;
    expect(etag).toBe(`"${runId}-meta"`);
    expect((await get(api(`/simulation/metadata?runId=${runId}`), { 'if-none-match': etag })).status).toBe(304);
    // without runId: the newest run
    expect((await get(api('/simulation/metadata'))).body.runId).toBe(runId);
  });

  it('GET /ticks gives the indexed range', async () => {
    const r = await get(api(`/ticks?runId=${runId}`));
    expect(r.body).toMatchObject({ runId, minTick: 0, maxTick: 60, samplingInterval: 1 });
  });

  it('GET /environment/{tick} returns the binary region, an optional minimap and an ETag', async () => {
    const whole = await get(api(`/environment/10?runId=${runId}`));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/x-evochora-cells');
    const w = decodeEnvironmentResponse(whole.raw);
    expect(w.tick).toBe(10);
    expect(w.min).toEqual([0, 0]);
    expect(w.max).toEqual([47, 31]);
    expect(w.flat.length).toBe(Number(whole.headers.get('x-cell-count')));
    expect(w.flat.length).toBeGreaterThan(0);
    const part = decodeEnvironmentResponse(
      (await get(api(`/environment/10?runId=${runId}&region=0,20,0,20&minimap`))).raw,
    );
    expect(part.min).toEqual([0, 0]);
    expect(part.max).toEqual([20, 20]);
    const inside = [...w.flat].filter((idx) => Math.floor(idx / 32) <= 20 && idx % 32 <= 20);
    expect([...part.flat]).toEqual(inside);
    expect(part.minimap).toMatchObject({ width: 48, height: 32 });
    const etag = whole.headers.get('etag')!;
    expect((await get(api(`/environment/10?runId=${runId}`), { 'if-none-match': etag })).status).toBe(304);
  });

  it('GET /organisms/{tick} lists organisms with energy, IP and DPs', async () => {
    const r = await get(api(`/organisms/5?runId=${runId}`));
    expect(r.status).toBe(200);
    expect(r.body.organisms.length).toBeGreaterThan(0);
    expect(r.body.organisms[0]).toMatchObject({
      organismId: 1,
      parentId: null,
      ip: expect.any(Array),
      dataPointers: expect.any(Array),
      energy: expect.any(Number),
      entropy: expect.any(Number),
    });
    expect(r.headers.get('etag')).toBe(`"${runId}-org-5"`);
  });

  it('GET /organisms/{tick}/{id} gives registers of all banks, stacks, instructions and source location', async () => {
    const r = await get(api(`/organisms/7/1?runId=${runId}`));
    expect(r.status).toBe(200);
    const s = r.body.state;
    expect(s.registers.map((b: { bank: string }) => b.bank)).toEqual([
      'DR',
      'LR',
      'PDR',
      'PLR',
      'FDR',
      'FLR',
      'SDR',
      'SLR',
    ]);
    expect(s.registers[0].registers).toHaveLength(8);
    expect(s).toMatchObject({
      energy: expect.any(Number),
      entropy: expect.any(Number),
      ip: expect.any(Array),
      dv: expect.any(Array),
      dataStack: expect.any(Array),
      locationStack: expect.any(Array),
      callStack: expect.any(Array),
    });
    expect(s.instructions.next).toMatchObject({ opcodeName: expect.any(String) });
    expect(s.instructions.last).toMatchObject({ opcodeName: expect.any(String) });
    expect(s.sourceLocation).toMatchObject({ file: expect.any(String), line: expect.any(Number) });
    expect(r.body.staticInfo).toMatchObject({ parentId: null, lineage: [], programId: expect.any(String) });
  });

  it("GET /organisms/{tick}/{id}/history gives the organism's energy and entropy up to the tick", async () => {
    const full = await get(api(`/organisms/40/1/history?runId=${runId}`));
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBeTruthy();
    // Born at 0, every tick sampled: 41 points, each the energy /organisms/{tick} reports.
    expect(full.body).toMatchObject({ organismId: 1, from: 0, to: 40, step: 1 });
    expect(full.body.ticks).toEqual(Array.from({ length: 41 }, (_, i) => i));
    for (const t of [0, 17, 40]) {
      const at = await get(api(`/organisms/${t}?runId=${runId}`));
      const o = at.body.organisms.find((x: { organismId: number }) => x.organismId === 1);
      expect([full.body.energy[t], full.body.entropy[t]], `tick ${t}`).toEqual([o.energy, o.entropy]);
    }
    // At most 5 points: every 16 ticks (sampling × a power of two) and the tick itself.
    const few = await get(api(`/organisms/40/1/history?runId=${runId}&points=5&from=3`));
    expect(few.body).toMatchObject({ from: 3, step: 16, ticks: [16, 32, 40] });
    expect(few.body.energy).toEqual([full.body.energy[16], full.body.energy[32], full.body.energy[40]]);
    expect((await get(api(`/organisms/40/4242/history?runId=${runId}`))).status).toBe(404);
    expect((await get(api(`/organisms/999999/1/history?runId=${runId}`))).status).toBe(404);
    expect((await get(api(`/organisms/40/1/history?runId=${runId}&points=1`))).status).toBe(400);
  });

  it('serves the OpenAPI document describing every endpoint', async () => {
    const r = await get(api('/openapi.json'));
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        '/runs',
        '/simulation/metadata',
        '/ticks',
        '/environment/{tick}',
        '/organisms/{tick}',
        '/organisms/{tick}/{organismId}',
        '/organisms/{tick}/{organismId}/history',
      ]),
    );
  });

  it('serves the web UI at /', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    for (const file of ['/main.js', '/state.js', '/renderer.js', '/timeline.js', '/inspector.js', '/push.js'])
      expect((await get(file)).headers.get('content-type'), file).toMatch(/javascript/);
    expect((await get('/nope.js')).status).toBe(404);
    expect((await get('/..%2Fpackage.json')).status).toBe(404);
  });

  const notFound: Array<[string, string]> = [
    ['unknown run', '/simulation/metadata?runId=no-such-run'],
    ['unknown run on ticks', '/ticks?runId=no-such-run'],
    ['tick not indexed', '/environment/999999'],
    ['tick not indexed (organisms)', '/organisms/999999'],
    ['unknown organism', '/organisms/5/4242'],
    ['unknown endpoint', '/nothing'],
    ['unsampled-looking tick far away', '/organisms/123456789/1'],
  ];
  for (const [what, path] of notFound) {
    it(`404 for ${what}`, async () => {
      const r = await get(api(path));
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ status: 404, code: expect.any(String), message: expect.any(String) });
    });
  }

  const badRequests: Array<[string, string]> = [
    ['negative tick', '/environment/-1'],
    ['non-numeric tick', '/environment/abc'],
    ['fractional tick', '/organisms/1.5'],
    ['huge tick', '/organisms/99999999999999999999'],
    ['non-numeric organism id', '/organisms/5/xyz'],
    ['odd region', '/environment/5?region=0,10,0'],
    ['region min > max', '/environment/5?region=10,0,0,10'],
    ['region not numbers', '/environment/5?region=a,b,c,d'],
    ['region with wrong dimensions', '/environment/5?region=0,10'],
    ['bad minimap flag', '/environment/5?minimap=maybe'],
    ['malformed runId', '/ticks?runId=../../etc'],
    ['non-ascii runId', '/organisms/5?runId=%C3%A9t%C3%A9'],
    ['region too large', '/environment/5?region=0,99999999,0,99999999'],
    ['region with an empty value', '/environment/5?region=0,,0,10'],
  ];
  for (const [what, path] of badRequests) {
    it(`400 for ${what}`, async () => {
      const r = await get(api(path));
      expect(r.status).toBe(400);
      expect(r.body.message).toEqual(expect.any(String));
      expect(r.body.message.length).toBeGreaterThan(5);
    });
  }

  it('never answered a bad request with an unexpected error', () => {
    expect(unexpected).toEqual([]);
  });
});
