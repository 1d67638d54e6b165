/**
 * GET /visualizer/api/organisms/{tick}/{id}/genome on a recorded run with births: our replicator in the default
 * 512×512 world (seed 42, every 5th tick stored), 20,000 ticks, which has seven organisms by then, one of them
 * with a point mutation. Every genome cell is checked against the world cells the environment route gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { VISUALIZER_PREFIX } from '../../../src/visualizer/routes.js';
import { decodeEnvironmentResponse } from './decode.js';
import { indexingConfig, manager, recordAndIndex, serveVisualizer } from './helpers.js';

const SHAPE = [512, 512];
const LAST = 20_000;
const SAMPLING = 5;

let dir: string;
let sm: ServiceManager;
let server: Server;
let base: string;
let runId: string;
const unexpected: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-genome-'));
  sm = await manager(
    indexingConfig(dir, {
      engine: {
        maxTicks: LAST,
        samplingInterval: SAMPLING,
        environment: { shape: SHAPE, topology: 'TORUS' },
        seed: 42,
        organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[100, 100]] }],
        accumulatedDeltaInterval: 5,
        snapshotInterval: 10,
      },
    }),
  );
  const r = await recordAndIndex(sm);
  runId = r.runId;
  ({ server, base } = await serveVisualizer(r.db, unexpected));
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await sm?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

interface Cell {
  at: number[];
  molecule: { raw: number; type: string; value: number; marker: number; opcode?: string };
  diff?: string;
}
interface GenomeBody {
  organismId: number;
  tick: number;
  initialPosition: number[];
  ownedCells: number;
  truncated: boolean;
  limit: number;
  cells: Cell[];
  parent: null | {
    organismId: number;
    childBirthTick: number;
    tick: number;
    alive: boolean;
    initialPosition: number[];
    shift: number[];
    ownedCells: number;
    truncated: boolean;
    cells: Cell[];
  };
  diff: null | { same: number; changed: number; childOnly: number; parentOnly: number; labelMask: number };
}

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; raw: ArrayBuffer; etag: string | null }> {
  const res = await fetch(`${base}${VISUALIZER_PREFIX}${path}`, { headers });
  const raw = await res.arrayBuffer();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status: res.status, body, raw, etag: res.headers.get('etag') };
}

/** The world at a tick from the environment route: flat index → [molecule, owner]. */
async function world(tick: number): Promise<Map<number, [number, number]>> {
  const env = decodeEnvironmentResponse((await get(`/environment/${tick}?runId=${runId}`)).raw);
  const out = new Map<number, [number, number]>();
  for (let i = 0; i < env.flat.length; i++) out.set(env.flat[i]!, [env.molecules[i]!, env.owners[i]!]);
  return out;
}

const flatOf = (origin: number[], at: number[]): number => {
  const x = (((origin[0]! + at[0]!) % SHAPE[0]!) + SHAPE[0]!) % SHAPE[0]!;
  const y = (((origin[1]! + at[1]!) % SHAPE[1]!) + SHAPE[1]!) % SHAPE[1]!;
  return x * SHAPE[1]! + y;
};

const ownedBy = (w: Map<number, [number, number]>, id: number): number =>
  [...w.values()].filter(([, owner]) => owner === id).length;

describe('organism genome and its diff against the parent', () => {
  it('gives every child its owned cells, its parent’s at its first stored tick, and a diff that adds up', async () => {
    const organisms = (await get(`/organisms/${LAST}?runId=${runId}`)).body.organisms as Array<{
      organismId: number;
      parentId: number | null;
      birthTick: number;
    }>;
    const children = organisms.filter((o) => o.parentId !== null);
    expect(children.length).toBeGreaterThanOrEqual(3);
    const now = await world(LAST);
    let changedSeen = 0;
    for (const o of children) {
      const r = await get(`/organisms/${LAST}/${o.organismId}/genome?runId=${runId}`);
      expect(r.status).toBe(200);
      const g = r.body as GenomeBody;
      // The genome is the organism's owned cells at that tick, exactly those the environment route shows.
      expect(g.cells.length).toBeGreaterThan(100);
      expect(g.truncated).toBe(false);
      expect(g.ownedCells).toBe(ownedBy(now, o.organismId));
      expect(g.cells.length).toBe(g.ownedCells);
      for (const c of g.cells) {
        const [molecule, owner] = now.get(flatOf(g.initialPosition, c.at)) ?? [0, 0];
        expect(owner).toBe(o.organismId);
        expect(c.molecule.raw).toBe(molecule);
        if (c.molecule.type === 'CODE') expect(c.molecule.opcode).toEqual(expect.any(String));
      }
      // The parent's cells at the child's first stored tick after its birth (the birth tick itself is stored
      // before the fork ran), aligned on the child by `shift`.
      const p = g.parent!;
      expect(p.organismId).toBe(o.parentId);
      expect(p.childBirthTick).toBe(o.birthTick);
      expect(p.tick).toBeGreaterThan(o.birthTick);
      expect(p.tick).toBeLessThanOrEqual(o.birthTick + SAMPLING);
      expect(p.tick % SAMPLING).toBe(0);
      const then = await world(p.tick);
      expect(p.ownedCells).toBe(ownedBy(then, p.organismId));
      expect(p.cells.length).toBeGreaterThan(100);
      for (const c of p.cells) {
        const at = c.at.map((v, d) => v - p.shift[d]!);
        const [molecule, owner] = then.get(flatOf(p.initialPosition, at)) ?? [0, 0];
        expect(owner).toBe(p.organismId);
        expect(c.molecule.raw).toBe(molecule);
      }
      // The diff adds up and is consistent: same cells hold equal molecules (markers dropped, labels up to the
      // rewrite mask), changed ones differ, and the one-sided ones have no partner.
      const d = g.diff!;
      expect(d.same + d.changed + d.childOnly).toBe(g.cells.length);
      expect(d.same + d.changed + d.parentOnly).toBe(p.cells.length);
      const byAt = new Map(p.cells.map((c) => [c.at.join(','), c]));
      const norm = (raw: number): number => raw & 0x0fffffff;
      const isLabel = (t: string): boolean => t === 'LABEL' || t === 'LABELREF';
      const equal = (a: Cell, b: Cell): boolean =>
        norm(a.molecule.raw) === norm(b.molecule.raw) ||
        (a.molecule.type === b.molecule.type &&
          isLabel(a.molecule.type) &&
          ((a.molecule.raw ^ b.molecule.raw) & 0xfffff) === d.labelMask);
      const counted = { same: 0, changed: 0, childOnly: 0, parentOnly: 0 };
      for (const c of g.cells) {
        const partner = byAt.get(c.at.join(','));
        counted[c.diff as keyof typeof counted]++;
        if (c.diff === 'childOnly') expect(partner).toBeUndefined();
        else {
          expect(partner?.diff).toBe(c.diff);
          expect(equal(c, partner!), `${c.diff} at ${c.at.join(',')}`).toBe(c.diff === 'same');
        }
      }
      for (const c of p.cells) if (c.diff === 'parentOnly') counted.parentOnly++;
      expect(counted).toEqual({ same: d.same, changed: d.changed, childOnly: d.childOnly, parentOnly: d.parentOnly });
      // A replicator's child is its parent's copy: nearly every cell is the same.
      expect(d.same).toBeGreaterThan(0.9 * Math.min(g.cells.length, p.cells.length));
      changedSeen += d.changed;
    }
    // This run (seed 42) has a point mutation by tick 20,000: a child with a changed cell.
    expect(changedSeen).toBeGreaterThan(0);
  }, 60_000);

  it('says a founder has no parent, cuts at `limit`, and answers with an ETag', async () => {
    const founder = (await get(`/organisms/100/1/genome?runId=${runId}`)).body as GenomeBody;
    expect(founder).toMatchObject({
      organismId: 1,
      parent: null,
      diff: null,
      truncated: false,
      initialPosition: [100, 100],
    });
    expect(founder.cells.length).toBe(founder.ownedCells);
    expect(founder.ownedCells).toBe(ownedBy(await world(100), 1));
    const cut = await get(`/organisms/100/1/genome?runId=${runId}&limit=10`);
    expect(cut.body).toMatchObject({ truncated: true, limit: 10, ownedCells: founder.ownedCells });
    expect(cut.body.cells).toEqual(founder.cells.slice(0, 10));
    expect(cut.etag).toBeTruthy();
    expect((await get(`/organisms/100/1/genome?runId=${runId}&limit=10`, { 'if-none-match': cut.etag! })).status).toBe(
      304,
    );
    expect(Object.keys((await get('/openapi.json')).body.paths)).toContain('/organisms/{tick}/{organismId}/genome');
  });

  const errors: Array<[string, string, number, string]> = [
    ['unknown organism', `/organisms/100/4242/genome`, 404, 'ORGANISM_NOT_FOUND'],
    ['organism not born yet', `/organisms/100/2/genome`, 404, 'ORGANISM_NOT_FOUND'],
    ['tick not indexed', `/organisms/999995/1/genome`, 404, 'TICK_NOT_FOUND'],
    ['limit 0', `/organisms/100/1/genome?limit=0`, 400, 'BAD_REQUEST'],
    ['limit too large', `/organisms/100/1/genome?limit=20001`, 400, 'BAD_REQUEST'],
    ['non-numeric organism', `/organisms/100/x/genome`, 400, 'BAD_REQUEST'],
  ];
  for (const [what, path, status, code] of errors) {
    it(`${status} ${code} for ${what}`, async () => {
      const r = await get(`${path}${path.includes('?') ? '&' : '?'}runId=${runId}`);
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ code });
    });
  }

  it('never answered with an unexpected error', () => {
    expect(unexpected).toEqual([]);
  });
});
