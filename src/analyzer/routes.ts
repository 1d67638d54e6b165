/**
 * /analyzer/api: a run's analytics over HTTP. Every parameter is checked here (400 with a message); unknown
 * runs, tables and levels are 404s; SQL that DuckDB rejects or that would write is a 400. Answers carry an ETag
 * that changes when a part is added to the run, and If-None-Match gets a 304.
 */
import { createHash } from 'node:crypto';
import { isRunId } from '../pipeline/contracts/run-id.js';
import { BadRequestError } from '../http/http-router.js';
import { notModified, optionalNonNegativeInt } from '../http/http-params.js';
import type { ApiRequest, ApiResponse, Route } from '../http/http-types.js';
import type { AnalyzerService } from './analyzer-service.js';
import { alifeCsv, newick } from './phylogeny.js';
import { analyzerOpenApi } from './openapi.js';

export const ANALYZER_PREFIX = '/analyzer/api';

export const ANALYZER_ERROR_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_RUN_ID: 400,
  ANALYTICS_QUERY_FAILED: 400,
  ANALYTICS_QUERY_NOT_READ_ONLY: 400,
  ANALYTICS_NOT_FOUND: 404,
  ANALYTICS_TABLE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  ANALYTICS_FILE_INVALID: 500,
};

/** A live run's analytics change: clients revalidate every time. */
const REVALIDATE = 'no-cache';

function runOf(req: ApiRequest): string {
  const v = req.params.run ?? '';
  if (!isRunId(v)) throw new BadRequestError(`'${v.slice(0, 80)}' is not a run id (letters, digits, '_', '.', '-').`);
  return v;
}

function etagOf(fingerprint: string, req: ApiRequest): string {
  const h = createHash('sha1').update(req.path).update('?').update(req.query.toString()).digest('hex').slice(0, 16);
  return `"an-${fingerprint}-${h}"`;
}

async function cached(
  service: AnalyzerService,
  req: ApiRequest,
  runId: string,
  answer: () => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const etag = etagOf((await service.catalog(runId)).fingerprint, req);
  const hit = notModified(req, etag, REVALIDATE);
  if (hit) return hit;
  const r = await answer();
  return { ...r, headers: { ...r.headers, etag, 'cache-control': REVALIDATE } };
}

function columnsOf(req: ApiRequest): string[] | undefined {
  const v = req.query.get('columns');
  if (v === null || v === '') return undefined;
  const cols = v.split(',').map((s) => s.trim());
  for (const c of cols)
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(c))
      throw new BadRequestError(`column '${c.slice(0, 40)}' is not a column name.`);
  return cols;
}

export function analyzerRoutes(service: AnalyzerService): Route[] {
  return [
    { method: 'GET', pattern: '/openapi.json', handler: () => ({ status: 200, body: analyzerOpenApi() }) },
    {
      method: 'GET',
      pattern: '/runs',
      handler: async () => ({
        status: 200,
        body: { runs: await service.listRuns() },
        headers: { 'cache-control': 'no-store' },
      }),
    },
    {
      method: 'GET',
      pattern: '/runs/:run/manifest',
      handler: async (req) => {
        const runId = runOf(req);
        return cached(service, req, runId, async () => ({ status: 200, body: await service.manifest(runId) }));
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/metrics/:table',
      handler: async (req) => {
        const runId = runOf(req);
        const table = req.params.table ?? '';
        if (!/^[a-z][a-z0-9_]{0,63}$/.test(table))
          throw new BadRequestError(`'${table.slice(0, 40)}' is not a table name.`);
        const options = {
          from: optionalNonNegativeInt(req, 'from'),
          to: optionalNonNegativeInt(req, 'to'),
          points: optionalNonNegativeInt(req, 'points'),
          level: optionalNonNegativeInt(req, 'level'),
          columns: columnsOf(req),
        };
        return cached(service, req, runId, async () => ({
          status: 200,
          body: await service.metric(runId, table, options),
        }));
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/phylogeny',
      handler: async (req) => {
        const runId = runOf(req);
        const format = req.query.get('format') ?? 'alife';
        if (format !== 'alife' && format !== 'newick' && format !== 'json')
          throw new BadRequestError(`format must be alife, newick or json, got '${format.slice(0, 20)}'.`);
        return cached(service, req, runId, async () => {
          const p = await service.phylogeny(runId);
          if (format === 'json') return { status: 200, body: { runId, orphans: p.orphans, organisms: p.nodes } };
          return {
            status: 200,
            raw: format === 'alife' ? alifeCsv(p) : newick(p),
            contentType: format === 'alife' ? 'text/csv; charset=utf-8' : 'text/x-nh; charset=utf-8',
          };
        });
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/genotypes',
      handler: async (req) => {
        const runId = runOf(req);
        const limit = optionalNonNegativeInt(req, 'limit') ?? 100;
        return cached(service, req, runId, async () => {
          const r = await service.genotypes(runId, limit);
          return { status: 200, body: { runId, columns: r.columns.map((c) => c.name), rows: r.rows } };
        });
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/genome-tree',
      handler: async (req) => {
        const runId = runOf(req);
        return cached(service, req, runId, async () => ({
          status: 200,
          body: { runId, genomes: await service.genomeTree(runId) },
        }));
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/genotypes/:hash',
      handler: async (req) => {
        const runId = runOf(req);
        const hash = req.params.hash ?? '';
        if (!/^[0-9a-f]{1,64}$/.test(hash)) throw new BadRequestError(`'${hash.slice(0, 70)}' is not a genome hash.`);
        const format = req.query.get('format') ?? 'json';
        if (format !== 'json' && format !== 'text')
          throw new BadRequestError(`format must be json or text, got '${format.slice(0, 20)}'.`);
        return cached(service, req, runId, async () => {
          const g = await service.genome(runId, hash);
          return format === 'text'
            ? {
                status: 200,
                raw: `# genome ${hash} of organism ${g.organismId} at tick ${g.tick} (${g.cells.length} cells; position relative to its birth)\n${g.text}\n`,
                contentType: 'text/plain; charset=utf-8',
              }
            : { status: 200, body: g };
        });
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/muller',
      handler: async (req) => {
        const runId = runOf(req);
        const points = optionalNonNegativeInt(req, 'points') ?? 200;
        const top = optionalNonNegativeInt(req, 'top') ?? 8;
        return cached(service, req, runId, async () => ({
          status: 200,
          body: await service.muller(runId, points, top),
        }));
      },
    },
    {
      method: 'GET',
      pattern: '/runs/:run/query',
      handler: async (req) => {
        const runId = runOf(req);
        const sql = req.query.get('sql');
        if (!sql) throw new BadRequestError('sql is required, e.g. ?sql=SELECT%20count(*)%20FROM%20population');
        if (sql.length > 20_000) throw new BadRequestError(`sql is ${sql.length} characters; the limit is 20000.`);
        const maxRows = optionalNonNegativeInt(req, 'maxRows') ?? 10_000;
        if (maxRows < 1 || maxRows > 100_000) throw new BadRequestError(`maxRows must be 1..100000, got ${maxRows}.`);
        return cached(service, req, runId, async () => ({
          status: 200,
          body: await service.query(runId, sql, maxRows),
        }));
      },
    },
  ];
}
