/**
 * HTTP client for a running node (undici). Reads the token for mutating calls and turns the node's JSON
 * error bodies back into coded errors, so a 409 from the node is an INVALID_TRANSITION here too.
 */
import { request } from 'undici';
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { hostForUrl } from '../node/health-probe.js';
import { NodeNotRunningError, NodeStatusUnknownError } from '../node/node-errors.js';
import { readToken } from '../node/node-state.js';
import { locateNode } from './node-locator.js';

export class NodeApiError extends EvochoraError {
  constructor(readonly httpStatus: number, code: string, message: string, actions: string[] = []) {
    super(code, message, { actions, data: { httpStatus } });
  }
}

export class NodeClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly tokenFile: string,
    readonly pid: number,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  /** Connects to the node of `dataDir`, or throws NODE_NOT_RUNNING (exit 3) / NODE_STATUS_UNKNOWN (exit 4). */
  static async connect(dataDir: string, timeoutMs = 10_000): Promise<NodeClient> {
    const location = await locateNode(dataDir);
    if (location.kind === 'not-running') throw new NodeNotRunningError(dataDir, location.staleRemoved ? `removed stale files: ${location.staleRemoved}` : '');
    if (location.kind === 'unknown') throw new NodeStatusUnknownError(location.state.pid, location.state.port, location.reason);
    const { state, paths } = location;
    return new NodeClient(`http://${hostForUrl(state.host ?? '127.0.0.1')}:${state.port}`, paths.tokenFile, state.pid, state.port, timeoutMs);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path, false);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, true, body);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, auth: boolean, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) {
      const token = readToken(this.tokenFile);
      if (!token) throw new EvochoraError('TOKEN_MISSING', `Cannot read the node token at ${this.tokenFile}.`, { actions: ['Run the command as the user who started the node.'] });
      headers.authorization = `Bearer ${token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw new EvochoraError('NODE_UNREACHABLE', `The node (pid ${this.pid}, port ${this.port}) did not answer ${method} ${path}: ${(err as Error).message}`, {
        exitCode: ExitCode.StatusUnknown,
        actions: ['Check `evochora node status` and `evochora node logs`.'],
      });
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new NodeApiError(res.statusCode, 'BAD_RESPONSE', `The node answered ${method} ${path} with non-JSON (HTTP ${res.statusCode}).`);
    }
    if (res.statusCode >= 400) {
      const err = (json ?? {}) as { code?: string; message?: string; actions?: string[] };
      throw new NodeApiError(res.statusCode, err.code ?? `HTTP_${res.statusCode}`, err.message ?? `HTTP ${res.statusCode}`, err.actions ?? []);
    }
    return json as T;
  }
}
