/** The OpenAPI 3.1 description of /analyzer/api, served at /analyzer/api/openapi.json. */
import { VERSION } from '../version.js';
import { ERROR_BODY_SCHEMA } from '../http/http-router.js';

const run = {
  name: 'run',
  in: 'path',
  required: true,
  description: 'Run id.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
};
const int = (name: string, description: string): unknown => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'integer', minimum: 0 },
});
const error = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
const errors = {
  '304': { description: 'Not modified: no part was added since the ETag was given' },
  '400': { ...error, description: 'Malformed parameter, or SQL that fails or would write' },
  '404': { ...error, description: 'Unknown run, table, level or column, or no analytics yet' },
};
const ok = (description: string, schema: unknown = { type: 'object' }): unknown => ({
  description,
  content: { 'application/json': { schema } },
});

export function analyzerOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Evochora analyzer API',
      version: VERSION,
      description:
        "Research analytics of recorded runs: metric tables with levels of detail, SQL (DuckDB, read-only) over a run's Parquet files, the phylogeny and the genotype bank.",
    },
    servers: [{ url: '/analyzer/api' }],
    paths: {
      '/runs': { get: { summary: 'Runs with analytics, newest first', responses: { '200': ok('Runs') } } },
      '/runs/{run}/manifest': {
        get: {
          summary: 'Tables (plugins), their columns and docs, levels of detail and row counts',
          parameters: [run],
          responses: { '200': ok('Manifest'), ...errors },
        },
      },
      '/runs/{run}/metrics/{table}': {
        get: {
          summary: 'A table over a tick range, at the finest level whose rows fit `points`',
          parameters: [
            run,
            { name: 'table', in: 'path', required: true, schema: { type: 'string' }, description: 'e.g. population' },
            int('from', 'First tick (default: the first analysed).'),
            int('to', 'Last tick (default: the last analysed).'),
            int('points', 'Most rows wanted (default 2000); picks the level.'),
            int('level', 'A level to use instead (1, 10, 100, …).'),
            {
              name: 'columns',
              in: 'query',
              required: false,
              schema: { type: 'string' },
              description: 'Comma-separated columns (default all; tick always first).',
            },
          ],
          responses: {
            '200': ok('Column-major data: { level, columns, data: [[tick…], [col…]] }'),
            ...errors,
          },
        },
      },
      '/runs/{run}/phylogeny': {
        get: {
          summary: 'Every organism with its parent: ALife standard CSV, Newick or JSON',
          parameters: [
            run,
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['alife', 'newick', 'json'] } },
          ],
          responses: {
            '200': { description: 'text/csv (alife), text/x-nh (newick) or JSON' },
            ...errors,
          },
        },
      },
      '/runs/{run}/genotypes': {
        get: {
          summary: 'The genotype bank: distinct genomes, first appearance, organisms, still alive',
          parameters: [run, int('limit', 'Most genotypes (default 100), most abundant first.')],
          responses: { '200': ok('Genotypes'), ...errors },
        },
      },
      '/runs/{run}/genome-tree': {
        get: {
          summary:
            'Every genotype with the genotype it arose from, in order of first appearance (what lineage colours are computed from)',
          parameters: [run],
          responses: { '200': ok('{ runId, genomes: [{ genomeHash, parentGenome }] }'), ...errors },
        },
      },
      '/runs/{run}/genotypes/{hash}': {
        get: {
          summary: "A genotype's genome: its first organism's cells when it appeared, disassembled (JSON or text)",
          parameters: [
            run,
            { name: 'hash', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]+$' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'text'] } },
          ],
          responses: {
            '200': ok('{ genomeHash, organismId, tick, cells: [{ position, molecule, text }], text }'),
            ...errors,
          },
        },
      },
      '/runs/{run}/muller': {
        get: {
          summary: 'Living organisms of the dominant genotypes over time (Muller plot data)',
          parameters: [
            run,
            int('points', 'Ticks sampled (2..5000, default 200).'),
            int('top', 'Genotypes (1..50, default 8).'),
          ],
          responses: { '200': ok('{ ticks, genotypes: [{ genomeHash, counts }] }'), ...errors },
        },
      },
      '/runs/{run}/query': {
        get: {
          summary: "Read-only SQL over the run's analytics views (DuckDB)",
          parameters: [
            run,
            {
              name: 'sql',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'e.g. SELECT max(alive) FROM population',
            },
            int('maxRows', 'Most rows returned (1..100000, default 10000).'),
          ],
          responses: { '200': ok('{ columns: [{name, type}], rows, truncated, views }'), ...errors },
        },
      },
    },
    components: {
      schemas: {
        Error: ERROR_BODY_SCHEMA,
      },
    },
  };
}
