/**
 * /visualizer/api: read-only JSON and binary endpoints over the index database. Every parameter is checked
 * here, so bad input is a 400 with a message and unknown runs, ticks and organisms are 404s. Responses for
 * immutable data (a run's metadata, an indexed tick) carry ETags and answer If-None-Match with 304.
 */
import { EvochoraError } from '../errors.js';
import { isRunId } from '../pipeline/contracts/run-id.js';
import { BadRequestError } from '../http/http-router.js';
import { flag, IMMUTABLE, nonNegativeInt, notModified, optionalNonNegativeInt } from '../http/http-params.js';
import type { ApiRequest, ApiResponse, Route } from '../http/http-types.js';
import { encodeEnvironment, type Region } from './region.js';
import { openApiDocument } from './openapi.js';
import { GENOME_CELL_LIMIT } from './genome.js';
import type { VisualizerService } from './visualizer-service.js';
import type { LiveFeed } from './live-feed.js';

export const VISUALIZER_PREFIX = '/visualizer/api';

export const VISUALIZER_ERROR_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_RUN_ID: 400,
  RUN_NOT_FOUND: 404,
  METADATA_NOT_FOUND: 404,
  TICKS_NOT_FOUND: 404,
  TICK_NOT_FOUND: 404,
  ORGANISM_NOT_FOUND: 404,
};

function runIdOf(req: ApiRequest): string | undefined {
  const v = req.query.get('runId');
  if (v === null || v === '') return undefined;
  if (!isRunId(v))
    throw new BadRequestError(`runId '${v.slice(0, 80)}' is not a run id (letters, digits, '_', '.', '-').`);
  return v;
}

export function parseRegion(value: string | null): Region | undefined {
  if (value === null || value === '') return undefined;
  const parts = value.split(',');
  if (parts.length % 2 !== 0 || parts.length === 0)
    throw new BadRequestError(
      `region needs a min,max pair per dimension (e.g. region=0,255,0,255), got ${parts.length} numbers.`,
    );
  const nums = parts.map((p) => {
    if (!/^-?\d{1,9}$/.test(p.trim())) throw new BadRequestError(`region value '${p.slice(0, 20)}' is not an integer.`);
    return Number(p);
  });
  const min: number[] = [];
  const max: number[] = [];
  for (let i = 0; i < nums.length; i += 2) {
    if (nums[i]! > nums[i + 1]!)
      throw new BadRequestError(`region dimension ${i / 2}: min ${nums[i]} is greater than max ${nums[i + 1]}.`);
    min.push(nums[i]!);
    max.push(nums[i + 1]!);
  }
  let cells = 1;
  for (let d = 0; d < min.length; d++) cells *= max[d]! - Math.max(0, min[d]!) + 1;
  if (cells > 16 * 1024 * 1024)
    throw new BadRequestError(`region covers ${cells} cells; the limit is ${16 * 1024 * 1024}.`);
  return { min, max };
}

function json(body: unknown, etag?: string): ApiResponse {
  return { status: 200, body, headers: etag ? { etag, 'cache-control': IMMUTABLE } : { 'cache-control': 'no-store' } };
}

export function visualizerRoutes(service: VisualizerService, feed?: LiveFeed): Route[] {
  return [
    ...(feed
      ? [
          {
            method: 'GET' as const,
            pattern: '/events',
            handler: (): ApiResponse => ({ status: 200, stream: (res) => feed.subscribe(res) }),
          },
        ]
      : []),
    { method: 'GET', pattern: '/runs', handler: async () => json({ runs: await service.listRuns() }) },
    {
      method: 'GET',
      pattern: '/simulation/metadata',
      handler: async (req) => {
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-meta"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        return json(await service.metadata(runId), etag);
      },
    },
    { method: 'GET', pattern: '/ticks', handler: async (req) => json(await service.ticks(runIdOf(req))) },
    {
      method: 'GET',
      pattern: '/environment/:tick',
      handler: async (req) => {
        const started = performance.now();
        const tick = nonNegativeInt(req.params.tick, 'tick');
        const region = parseRegion(req.query.get('region'));
        const minimap = flag(req, 'minimap');
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-env-${tick}-${region ? `${region.min.join('_')}-${region.max.join('_')}` : 'all'}${minimap ? '-mm' : ''}"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        const r = await service.environment(runId, tick, region, minimap);
        const raw = encodeEnvironment(tick, r.cells, r.minimap);
        return {
          status: 200,
          raw,
          contentType: 'application/x-evochora-cells',
          // Int32 columns of molecules and owners: gzip took ~6 ms for a 256×256 region of a dense world and
          // saved under 1 % of its bytes. A minimap (one class byte per pixel) does compress.
          compress: r.minimap !== undefined,
          headers: {
            etag,
            'cache-control': IMMUTABLE,
            'x-cell-count': String(r.cells.cells.flatIndices.length),
            'x-timing-total-ms': (performance.now() - started).toFixed(2),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/organisms/:tick',
      handler: async (req) => {
        const tick = nonNegativeInt(req.params.tick, 'tick');
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-org-${tick}"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        return json(await service.organismsAt(runId, tick), etag);
      },
    },
    {
      method: 'GET',
      pattern: '/organisms/:tick/:organismId',
      handler: async (req) => {
        const tick = nonNegativeInt(req.params.tick, 'tick');
        const id = nonNegativeInt(req.params.organismId, 'organismId');
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-org-${tick}-${id}"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        return json(await service.organismDetails(runId, tick, id), etag);
      },
    },
    {
      method: 'GET',
      pattern: '/organisms/:tick/:organismId/history',
      handler: async (req) => {
        const tick = nonNegativeInt(req.params.tick, 'tick');
        const id = nonNegativeInt(req.params.organismId, 'organismId');
        const from = optionalNonNegativeInt(req, 'from');
        const points = optionalNonNegativeInt(req, 'points') ?? 200;
        if (points < 2 || points > 2000) throw new BadRequestError(`points must be 2..2000, got ${points}.`);
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-hist-${tick}-${id}-${from ?? 'birth'}-${points}"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        return json(await service.organismHistory(runId, tick, id, from, points), etag);
      },
    },
    {
      method: 'GET',
      pattern: '/organisms/:tick/:organismId/genome',
      handler: async (req) => {
        const tick = nonNegativeInt(req.params.tick, 'tick');
        const id = nonNegativeInt(req.params.organismId, 'organismId');
        const limit = optionalNonNegativeInt(req, 'limit') ?? GENOME_CELL_LIMIT;
        if (limit < 1 || limit > GENOME_CELL_LIMIT)
          throw new BadRequestError(`limit must be 1..${GENOME_CELL_LIMIT}, got ${limit}.`);
        const runId = (await service.resolveRun(runIdOf(req))).runId;
        const etag = `"${runId}-genome-${tick}-${id}-${limit}"`;
        const hit = notModified(req, etag);
        if (hit) return hit;
        return json(await service.organismGenome(runId, tick, id, limit), etag);
      },
    },
    { method: 'GET', pattern: '/openapi.json', handler: () => json(openApiDocument()) },
  ];
}

export function isVisualizerError(err: unknown): err is EvochoraError {
  return err instanceof EvochoraError && err.code in VISUALIZER_ERROR_STATUS;
}
