/**
 * Serves the web UI (plain static files in ./static, no build step): the visualizer at `/`, the analyzer at
 * `/analyzer`, and the chart library the analyzer uses (uPlot, from its npm package) at `/vendor/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../http/http-router.js';
import type { ApiResponse, Route } from '../http/http-types.js';

export const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
/**
 * The ISA's molecule codec as the browser loads it (`/isa/molecule.js`): the compiled src/isa/molecule.ts,
 * a module without imports, so the UI decodes cells with the same code as the runtime instead of a copy.
 */
export const ISA_MOLECULE_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', 'isa', 'molecule.js');
/** The cell colour rules the page and `evochora video` share (`/visualizer/cell-colors.js`, imports /isa/molecule.js). */
export const CELL_COLORS_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', 'visualizer', 'cell-colors.js');

/** uPlot's dist/ folder, found through module resolution so it works from src/ and from dist/ alike. */
function uplotDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  } catch {
    throw new NotFoundError('The uplot package is not installed (npm install).');
  }
}

/** The vendored browser files: the ES module build and the stylesheet. */
const VENDOR: Record<string, string> = { 'uplot.js': 'uPlot.esm.js', 'uplot.css': 'uPlot.min.css' };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function serve(dir: string, name: string): ApiResponse {
  if (!NAME.test(name)) throw new NotFoundError(`No file ${name}.`);
  return serveFile(join(dir, name), name);
}

function serveFile(path: string, name: string): ApiResponse {
  if (!existsSync(path)) throw new NotFoundError(`No file ${name}.`);
  const ext = path.slice(path.lastIndexOf('.'));
  return {
    status: 200,
    raw: readFileSync(path),
    contentType: TYPES[ext] ?? 'application/octet-stream',
    headers: { 'cache-control': 'no-cache' },
  };
}

export interface StaticRouteOptions {
  /** The node's OpenAPI document of every route, served at /openapi.json (the API docs page reads it). */
  readonly openApi?: () => unknown;
}

export function staticRoutes(dir = STATIC_DIR, options: StaticRouteOptions = {}): Route[] {
  const openApi = options.openApi;
  return [
    ...(openApi
      ? [{ method: 'GET' as const, pattern: '/openapi.json', handler: () => ({ status: 200, body: openApi() }) }]
      : []),
    { method: 'GET', pattern: '/', handler: () => serve(dir, 'home.html') },
    { method: 'GET', pattern: '/visualizer', handler: () => serve(dir, 'visualizer.html') },
    { method: 'GET', pattern: '/api', handler: () => serve(dir, 'api-docs.html') },
    { method: 'GET', pattern: '/analyzer', handler: () => serve(dir, 'analyzer.html') },
    ...Object.entries(VENDOR).map(([name, file]): Route => ({
      method: 'GET',
      pattern: `/vendor/${name}`,
      handler: () => serveFile(join(uplotDir(), file), `vendor/${name} (npm install uplot)`),
    })),
    { method: 'GET', pattern: '/favicon.ico', handler: () => ({ status: 204, raw: '' }) },
    {
      method: 'GET',
      pattern: '/isa/molecule.js',
      handler: () => serveFile(ISA_MOLECULE_MODULE, 'isa/molecule.js (run `npm run build`)'),
    },
    {
      method: 'GET',
      pattern: '/visualizer/cell-colors.js',
      handler: () => serveFile(CELL_COLORS_MODULE, 'visualizer/cell-colors.js (run `npm run build`)'),
    },
    { method: 'GET', pattern: '/:file', handler: (req) => serve(dir, req.params.file!) },
  ];
}
