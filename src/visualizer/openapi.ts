/** The OpenAPI 3.1 description of /visualizer/api, served at /visualizer/api/openapi.json. */
import { VERSION } from '../version.js';
import { ERROR_BODY_SCHEMA } from '../http/http-router.js';

const runId = {
  name: 'runId',
  in: 'query',
  required: false,
  description: 'Run to read; the newest indexed run when omitted.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
};
const tick = {
  name: 'tick',
  in: 'path',
  required: true,
  description: 'A sampled tick (multiple of the sampling interval).',
  schema: { type: 'integer', minimum: 0 },
};
const error = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
const errors = {
  '400': { ...error, description: 'Malformed parameter' },
  '404': { ...error, description: 'Unknown run, tick or organism' },
};
const ok = (description: string, schema: unknown = { type: 'object' }): unknown => ({
  description,
  content: { 'application/json': { schema } },
});
const etag = { '304': { description: 'Not modified (If-None-Match matched the ETag; the data is immutable)' } };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Evochora visualizer API',
      version: VERSION,
      description:
        'Read-only access to indexed runs: metadata, tick ranges, world cells and organisms at any recorded tick.',
    },
    servers: [{ url: '/visualizer/api' }],
    paths: {
      '/events': {
        get: {
          summary: 'Server-sent events: an `update` whenever the indexed runs change (and with the engine tick)',
          description:
            'text/event-stream. Each `update` event carries JSON `{ runs, engine: { runId, tick } | null, indexLagTicks }` (runs as /runs answers). One shared feed for every client; a slow client skips updates and gets the newest when it reads again. `curl -N` follows it.',
          responses: { '200': { description: 'An event stream', content: { 'text/event-stream': {} } } },
        },
      },
      '/runs': {
        get: {
          summary: 'Indexed runs, newest first',
          responses: {
            '200': ok('Runs', {
              type: 'object',
              properties: { runs: { type: 'array', items: { $ref: '#/components/schemas/Run' } } },
            }),
          },
        },
      },
      '/simulation/metadata': {
        get: {
          summary:
            'Run metadata: world shape and topology, sampling interval, molecule type names, opcode names, program artifacts with sources, resolved config',
          parameters: [runId],
          responses: { '200': ok('Metadata (ETag)'), ...etag, ...errors },
        },
      },
      '/ticks': {
        get: {
          summary: 'Indexed tick range (ticks where both cells and organisms are queryable)',
          parameters: [runId],
          responses: { '200': ok('Range', { $ref: '#/components/schemas/Ticks' }), ...errors },
        },
      },
      '/environment/{tick}': {
        get: {
          summary: 'Occupied cells of a region at a tick, as compact binary',
          description:
            'Body (little-endian, 4-byte aligned): "EVEN", u32 version=1, u32 tickLow, u32 tickHigh, u32 dims, i32 min[dims], i32 max[dims], u32 n, i32 flatIndex[n] (row-major, last dimension fastest), i32 molecule[n] (value bits 0-19, type 20-27, marker 28-31), i32 owner[n], u32 minimapWidth, u32 minimapHeight, i32 minimapOwner[w*h], u8 minimapClass[w*h] (0..6 molecule type, 7 empty; rows of x fastest), padding.',
          parameters: [
            tick,
            runId,
            {
              name: 'region',
              in: 'query',
              required: false,
              description:
                'min,max per dimension, inclusive (e.g. 0,255,0,255); the whole world when omitted. Clamped to the world.',
              schema: { type: 'string' },
            },
            {
              name: 'minimap',
              in: 'query',
              required: false,
              description: 'Include a downsampled overview of the whole world (2-D worlds).',
              schema: { type: 'boolean' },
            },
          ],
          responses: {
            '200': {
              description: 'Cells (ETag; headers X-Cell-Count, X-Timing-Total-Ms)',
              content: { 'application/x-evochora-cells': { schema: { type: 'string', format: 'binary' } } },
            },
            ...etag,
            ...errors,
          },
        },
      },
      '/organisms/{tick}': {
        get: {
          summary:
            'Organisms at a tick (summaries with generation: founders 0, a child its parent’s + 1), alive count and organisms created so far',
          parameters: [tick, runId],
          responses: { '200': ok('Organisms (ETag)'), ...etag, ...errors },
        },
      },
      '/organisms/{tick}/{organismId}': {
        get: {
          summary:
            'One organism at a tick: static info with lineage, registers of all banks, data/location/call stacks, energy, entropy, IP/DV/DPs, last and next instruction, source location',
          parameters: [
            tick,
            { name: 'organismId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
            runId,
          ],
          responses: { '200': ok('Details (ETag)'), ...etag, ...errors },
        },
      },
      '/organisms/{tick}/{organismId}/history': {
        get: {
          summary: "One organism's energy and entropy over the ticks up to this one",
          description:
            "From `from` (default: the organism's birth) up to `tick`: at most `points` samples, every `step` ticks (the sampling interval times a power of two) and at `tick`; ticks where the organism had no state are left out. Body `{ runId, organismId, from, to, step, ticks[], energy[], entropy[] }`.",
          parameters: [
            tick,
            { name: 'organismId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
            runId,
            {
              name: 'from',
              in: 'query',
              required: false,
              description: "First tick (default: the organism's birth tick).",
              schema: { type: 'integer', minimum: 0 },
            },
            {
              name: 'points',
              in: 'query',
              required: false,
              description: 'Most samples to return (2..2000, default 200).',
              schema: { type: 'integer', minimum: 2, maximum: 2000 },
            },
          ],
          responses: { '200': ok('History (ETag)'), ...etag, ...errors },
        },
      },
      '/organisms/{tick}/{organismId}/genome': {
        get: {
          summary: "One organism's genome as laid out in the world at a tick, diffed against its parent's",
          description:
            "The cells the organism owns at `tick` (the world's owner column equals its id), at coordinates relative to its initial position (on a torus the nearest copy, -n/2 ≤ r < n/2), sorted by those coordinates, each with its molecule (raw, type, value, marker; CODE: the opcode name). With a parent: the parent's owned cells at the child's first stored tick from its birth on (`parent.tick`; the birth tick itself is stored before the fork ran, when the parent still owned the copy), aligned on the parent's initial position, and every cell of both marked `same`, `changed` (both own a cell there, the molecules differ), `childOnly` or `parentOnly`, with the counts in `diff`. Molecules are compared without markers, and LABEL/LABELREF values up to the one XOR mask the label rewrite gives a child's labels at birth (`diff.labelMask`). At most `limit` cells of each (first in coordinate order); `truncated` says when more are owned (`ownedCells`). Body `{ runId, tick, organismId, shape, toroidal, limit, initialPosition, ownedCells, truncated, cells[{ at, molecule, diff? }], parent: null | { organismId, childBirthTick, tick, alive, initialPosition, ownedCells, truncated, cells[] }, diff: null | { same, changed, childOnly, parentOnly, labelMask } }`.",
          parameters: [
            tick,
            { name: 'organismId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
            runId,
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'Most cells of each genome to return (1..20000, default 20000).',
              schema: { type: 'integer', minimum: 1, maximum: 20000 },
            },
          ],
          responses: { '200': ok('Genome and diff (ETag)'), ...etag, ...errors },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI document') } } },
    },
    components: {
      schemas: {
        Error: ERROR_BODY_SCHEMA,
        Ticks: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            minTick: { type: 'integer' },
            maxTick: { type: 'integer' },
            samplingInterval: { type: 'integer' },
          },
        },
        Run: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            startTimeMs: { type: ['integer', 'null'] },
            worldShape: { type: 'array', items: { type: 'integer' } },
            samplingInterval: { type: 'integer' },
            ticks: { oneOf: [{ $ref: '#/components/schemas/Ticks' }, { type: 'null' }] },
            forkedFrom: {
              description: 'The run and tick this run was forked from (`node run --fork RUN@TICK`), or null.',
              oneOf: [
                {
                  type: 'object',
                  properties: { runId: { type: 'string' }, tick: { type: 'integer' } },
                },
                { type: 'null' },
              ],
            },
          },
        },
      },
    },
  };
}
