/**
 * A small router: prefix-mounted groups of routes, each group with its own error mapping (so the
 * visualizer's 400s never leak into the pipeline API's 404/409 mapping), token checks on mutating routes,
 * and JSON error bodies with a stable `code` everywhere.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants as zlibConstants, gzip, gzipSync } from 'node:zlib';
import { EvochoraError } from '../errors.js';
import type { ApiRequest, ApiResponse, ErrorMapper, Route } from './http-types.js';
import { HttpErrorCode } from './error-codes.js';

export class BadRequestError extends EvochoraError {
  constructor(message: string) {
    super(HttpErrorCode.BAD_REQUEST, message);
  }
}

export class NotFoundError extends EvochoraError {
  constructor(message: string, code: string = HttpErrorCode.NOT_FOUND) {
    super(code, message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): ApiResponse {
  return {
    status,
    body: {
      status,
      error: STATUS_TEXT[status] ?? 'Error',
      code,
      message,
      timestamp: new Date().toISOString(),
      ...extra,
    },
  };
}

/** The body of every error answer (errorResponse), as OpenAPI documents describe it. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['status', 'code', 'message'],
  properties: {
    status: { type: 'integer' },
    error: { type: 'string' },
    code: { type: 'string', description: 'Stable error code (docs/errors.md)' },
    message: { type: 'string' },
    timestamp: { type: 'string' },
    actions: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** The default mapping: our coded errors by code, anything else is a 500 that does not leak internals. */
export function defaultErrorMapper(
  statusByCode: Record<string, number>,
  onUnexpected: (error: unknown) => void,
): ErrorMapper {
  return (error) => {
    if (error instanceof EvochoraError) {
      const status =
        statusByCode[error.code] ??
        (error.code === HttpErrorCode.BAD_REQUEST ? 400 : error.code.endsWith('NOT_FOUND') ? 404 : 500);
      if (status === 500) onUnexpected(error);
      return errorResponse(
        status,
        error.code,
        status === 500 ? 'Internal error; see the node log.' : error.message,
        error.actions.length ? { actions: error.actions } : {},
      );
    }
    onUnexpected(error);
    return errorResponse(500, HttpErrorCode.INTERNAL_ERROR, 'Internal error; see the node log.');
  };
}

interface Mounted {
  readonly prefix: string;
  readonly routes: ReadonlyArray<{ route: Route; segments: string[] }>;
  readonly mapError: ErrorMapper;
}

/** The cookie that carries the node token for a browser when reads need it. */
const TOKEN_COOKIE = 'evochora_token';

/** The largest request body any route accepts (bodies are small JSON documents at most). */
const MAX_BODY_BYTES = 1024 * 1024;

export class HttpRouter {
  private readonly groups: Mounted[] = [];

  constructor(
    private readonly token: () => string | undefined,
    /** Reads need the token too (node.readAccess = token); `/node/health` stays open for liveness probes. */
    private readonly readsNeedToken = false,
  ) {}

  mount(prefix: string, routes: readonly Route[], mapError: ErrorMapper): this {
    this.groups.push({
      prefix: prefix.replace(/\/$/, ''),
      routes: routes.map((route) => ({ route, segments: split(route.pattern) })),
      mapError,
    });
    // Longest prefix first so `/pipeline/api` wins over `/`.
    this.groups.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let response: ApiResponse;
    let url: URL;
    // No route reads a body larger than a small JSON document: refuse big ones before reading them.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      void send(
        res,
        errorResponse(413, HttpErrorCode.PAYLOAD_TOO_LARGE, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
        req.method === 'HEAD',
      );
      req.resume();
      return;
    }
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      void send(res, errorResponse(400, HttpErrorCode.BAD_REQUEST, 'Malformed request URL.'), req.method === 'HEAD');
      return;
    }
    const path = safeDecode(url.pathname);
    if (path === undefined) {
      void send(
        res,
        errorResponse(400, HttpErrorCode.BAD_REQUEST, 'Malformed percent-encoding in the request path.'),
        false,
      );
      return;
    }
    const group = this.groups.find((g) => path === g.prefix || path.startsWith(`${g.prefix}/`) || g.prefix === '');
    if (!group) {
      void send(res, errorResponse(404, HttpErrorCode.NOT_FOUND, `No endpoint at ${url.pathname}.`), false);
      return;
    }
    const rest = split(path.slice(group.prefix.length));
    const method = req.method ?? 'GET';
    let matched: { route: Route; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const { route, segments } of group.routes) {
      const params = match(segments, rest);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        matched = { route, params };
        break;
      }
    }
    if (!matched) {
      response = pathMatched
        ? errorResponse(405, HttpErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${url.pathname}.`)
        : errorResponse(404, HttpErrorCode.NOT_FOUND, `No endpoint at ${url.pathname}.`);
      void send(res, response, method === 'HEAD');
      return;
    }
    const fromQuery = this.readsNeedToken && this.matches(url.searchParams.get('token') ?? undefined);
    if (fromQuery) {
      // A browser's first visit with ?token=…: the cookie carries the token on every later request of the page.
      res.setHeader('set-cookie', `${TOKEN_COOKIE}=${this.token()}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const needsToken = matched.route.protected || (this.readsNeedToken && path !== '/node/health');
    if (needsToken && !fromQuery && !this.authorized(req)) {
      void send(
        res,
        errorResponse(
          401,
          HttpErrorCode.UNAUTHORIZED,
          'This endpoint needs the node token: send `Authorization: Bearer <token>` (stored in <dataDir>/node/token).',
        ),
        false,
      );
      return;
    }
    const request: ApiRequest = {
      method,
      path,
      params: matched.params,
      query: url.searchParams,
      headers: req.headers,
      json: () => readJson(req),
    };
    try {
      response = await matched.route.handler(request);
    } catch (err) {
      response = group.mapError(err);
    }
    await send(res, response, method === 'HEAD', req);
  }

  /** The token from the Authorization header, or (when reads need it) from the page's cookie. */
  private authorized(req: IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m && this.matches(m[1])) return true;
    if (!this.readsNeedToken) return false;
    const cookie = (req.headers.cookie ?? '').split(';').find((c) => c.trim().startsWith(`${TOKEN_COOKIE}=`));
    return this.matches(cookie?.trim().slice(TOKEN_COOKIE.length + 1));
  }

  /** Compared in constant time. */
  private matches(given: string | undefined): boolean {
    const expected = this.token();
    if (!expected || given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function match(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = actual[i]!;
    else if (p !== actual[i]) return undefined;
  }
  return params;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('Request body is not valid JSON.');
  }
}

/** Answers smaller than this go out as they are (compressing them saves less than it costs). */
const COMPRESS_MIN_BYTES = 1024;
/**
 * Answers up to this size are compressed on the event loop (≤ ~0.3 ms at these settings). Handing them to zlib's
 * thread pool costs more: with both cores busy the pool thread got the CPU 4-10 ms late, which was most of a
 * 5 ms organisms-at-tick answer's p95 (bench:api, dense world). Larger answers still go to the pool.
 */
const COMPRESS_SYNC_MAX_BYTES = 64 * 1024;
const BROTLI_FAST = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } };
const GZIP_FAST = { level: 4 };
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The encoding to answer with: br when the client takes it, else gzip, else none. */
export function chooseEncoding(acceptEncoding: string | string[] | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of (Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : (acceptEncoding ?? '')).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (n: string): boolean => (accepted.get(n) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

async function send(
  res: ServerResponse,
  response: ApiResponse,
  headOnly: boolean,
  req?: IncomingMessage,
): Promise<void> {
  if (response.stream) {
    res.writeHead(response.status, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...response.headers,
    });
    if (headOnly) res.end();
    else response.stream(res);
    return;
  }
  let body: Buffer | string = response.raw ?? (response.body === undefined ? '' : JSON.stringify(response.body));
  const contentType =
    response.contentType ??
    (response.raw !== undefined ? 'application/octet-stream' : 'application/json; charset=utf-8');
  const headers: Record<string, string | number> = { 'content-type': contentType, 'cache-control': 'no-store' };
  const encoding =
    req && response.status === 200 && response.compress !== false
      ? chooseEncoding(req.headers['accept-encoding'])
      : undefined;
  const size = encoding ? Buffer.byteLength(body) : 0;
  if (encoding && size >= COMPRESS_MIN_BYTES) {
    // Fast settings: answers are made per request.
    if (size <= COMPRESS_SYNC_MAX_BYTES)
      body = encoding === 'br' ? brotliCompressSync(body, BROTLI_FAST) : gzipSync(body, GZIP_FAST);
    else body = encoding === 'br' ? await brotliAsync(body, BROTLI_FAST) : await gzipAsync(body, GZIP_FAST);
    headers['content-encoding'] = encoding;
  }
  if (req && response.status === 200) headers.vary = 'accept-encoding';
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(response.status, { ...headers, ...response.headers });
  res.end(headOnly ? undefined : body);
}
