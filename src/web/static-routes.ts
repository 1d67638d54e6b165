/** Serves the web visualizer (plain static files in ./static, no build step) at `/`. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../http/http-router.js';
import type { ApiResponse, Route } from '../http/http-types.js';

export const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

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
  const path = join(dir, name);
  if (!existsSync(path)) throw new NotFoundError(`No file ${name}.`);
  const ext = name.slice(name.lastIndexOf('.'));
  return {
    status: 200,
    raw: readFileSync(path),
    contentType: TYPES[ext] ?? 'application/octet-stream',
    headers: { 'cache-control': 'no-cache' },
  };
}

export function staticRoutes(dir = STATIC_DIR): Route[] {
  return [
    { method: 'GET', pattern: '/', handler: () => serve(dir, 'index.html') },
    { method: 'GET', pattern: '/favicon.ico', handler: () => ({ status: 204, raw: '' }) },
    { method: 'GET', pattern: '/:file', handler: (req) => serve(dir, req.params.file!) },
  ];
}
