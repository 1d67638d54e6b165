/**
 * Reading request parameters and answering conditional requests, the same way for every route group: a
 * malformed value is a 400 that names the parameter, an ETag match a 304.
 */
import { BadRequestError } from './http-router.js';
import type { ApiRequest, ApiResponse } from './http-types.js';

/** The header of immutable answers (a run's stored data never changes). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function nonNegativeInt(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d{1,16}$/.test(value))
    throw new BadRequestError(`${name} must be a non-negative integer, got '${String(value).slice(0, 40)}'.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new BadRequestError(`${name} ${value} is too large.`);
  return n;
}

/** An optional non-negative integer query parameter (undefined when absent or empty). */
export function optionalNonNegativeInt(req: ApiRequest, name: string): number | undefined {
  const v = req.query.get(name);
  return v === null || v === '' ? undefined : nonNegativeInt(v, name);
}

export function flag(req: ApiRequest, name: string): boolean {
  const v = req.query.get(name);
  if (v === null) return false;
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadRequestError(`${name} must be true or false, got '${v.slice(0, 20)}'.`);
}

export function notModified(req: ApiRequest, etag: string, cacheControl = IMMUTABLE): ApiResponse | undefined {
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`))
    return { status: 304, raw: '', headers: { etag, 'cache-control': cacheControl } };
  return undefined;
}
