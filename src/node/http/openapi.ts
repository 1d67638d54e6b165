/**
 * One OpenAPI 3.1 document for every route of the node, served at /openapi.json and rendered by the API docs
 * page (/api): the node and pipeline control routes and /metrics described here, the visualizer's and the
 * analyzer's documents merged in under their prefixes.
 */
import { VERSION } from '../../version.js';
import { openApiDocument as visualizerOpenApi } from '../../visualizer/openapi.js';
import { analyzerOpenApi } from '../../analyzer/openapi.js';

const json = (description: string): unknown => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const token = [{ bearer: [] }];
const service = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'Service name' };
const action = {
  name: 'action',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: ['start', 'stop', 'pause', 'resume', 'restart'] },
};

function prefixed(doc: Record<string, unknown>, prefix: string, tag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    const tagged: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(ops)) tagged[method] = { ...op, tags: [tag] };
    out[`${prefix}${path}`] = tagged;
  }
  return out;
}

export function nodeOpenApi(): Record<string, unknown> {
  const visualizer = visualizerOpenApi();
  const analyzer = analyzerOpenApi();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Evochora node API',
      version: VERSION,
      description:
        'Every HTTP route of an Evochora node: node and pipeline control, metrics, the visualizer (world, organisms, live push) and the analyzer (research analytics). Mutating routes need `Authorization: Bearer <token>` (the token is in <dataDir>/node/token).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...((visualizer.components as { schemas?: object } | undefined)?.schemas ?? {}),
        ...((analyzer.components as { schemas?: object } | undefined)?.schemas ?? {}),
      },
    },
    paths: {
      '/node/health': {
        get: { tags: ['node'], summary: 'Identity and health of the node', responses: { '200': json('Health') } },
      },
      '/node/stop': {
        post: {
          tags: ['node'],
          summary: 'Drain the services and stop the node',
          security: token,
          responses: { '202': json('Accepted') },
        },
      },
      '/pipeline/api/status': {
        get: {
          tags: ['pipeline'],
          summary: 'Every service and resource with state, metrics and errors',
          responses: { '200': json('Status') },
        },
      },
      '/pipeline/api/{action}': {
        post: {
          tags: ['pipeline'],
          summary: 'Start, stop, pause, resume or restart the pipeline',
          security: token,
          parameters: [action],
          responses: { '202': json('Accepted') },
        },
      },
      '/pipeline/api/service/{name}/status': {
        get: {
          tags: ['pipeline'],
          summary: 'One service',
          parameters: [service],
          responses: { '200': json('Status'), '404': json('Unknown service') },
        },
      },
      '/pipeline/api/service/{name}/{action}': {
        post: {
          tags: ['pipeline'],
          summary: 'Start, stop, pause, resume or restart one service',
          security: token,
          parameters: [service, action],
          responses: {
            '202': json('Accepted'),
            '404': json('Unknown service'),
            '409': json('Not allowed in its state'),
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['metrics'],
          summary: 'Prometheus text exposition of every metric',
          responses: { '200': { description: 'text/plain; version=0.0.4' } },
        },
      },
      ...prefixed(visualizer, '/visualizer/api', 'visualizer'),
      ...prefixed(analyzer, '/analyzer/api', 'analyzer'),
    },
  };
}
