/**
 * Client for a running node. Reads the token for mutating calls and turns the node's JSON error bodies
 * back into coded errors, so a 409 from the node is an INVALID_TRANSITION here too. Uses node:http (see
 * http-json.ts for why not undici on this path).
 */
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { connectHost } from '../node/health-probe.js';
import { httpJson } from '../http/http-json.js';
import { NodeNotRunningError, NodeStatusUnknownError } from '../node/node-errors.js';
import { readToken } from '../node/node-state.js';
import { locateNode } from './node-locator.js';
import { CliErrorCode } from './error-codes.js';

export class NodeApiError extends EvochoraError {
  constructor(
    readonly httpStatus: number,
    code: string,
    message: string,
    actions: string[] = [],
  ) {
    super(code, message, { actions, data: { httpStatus } });
  }
}

export class NodeClient {
  private constructor(
    private readonly host: string,
    readonly port: number,
    private readonly tokenFile: string,
    readonly pid: number,
    private readonly timeoutMs: number,
  ) {}

  /** Connects to the node of `dataDir`, or throws NODE_NOT_RUNNING (exit 3) / NODE_STATUS_UNKNOWN (exit 4). */
  static async connect(dataDir: string, timeoutMs = 10_000): Promise<NodeClient> {
    const location = await locateNode(dataDir);
    if (location.kind === 'not-running')
      throw new NodeNotRunningError(
        dataDir,
        location.staleRemoved ? `removed stale files: ${location.staleRemoved}` : '',
      );
    if (location.kind === 'unknown')
      throw new NodeStatusUnknownError(location.state.pid, location.state.port, location.reason);
    const { state, paths } = location;
    return new NodeClient(connectHost(state.host ?? '127.0.0.1'), state.port, paths.tokenFile, state.pid, timeoutMs);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path, false);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, true, body);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, auth: boolean, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    // The token goes with every call it can (a node with node.readAccess = token wants it for reads too);
    // mutating calls cannot do without it.
    const token = readToken(this.tokenFile);
    if (auth && !token)
      throw new EvochoraError(CliErrorCode.TOKEN_MISSING, `Cannot read the node token at ${this.tokenFile}.`, {
        actions: ['Run the command as the user who started the node.'],
      });
    if (token) headers.authorization = `Bearer ${token}`;
    let reply;
    try {
      reply = await httpJson(method, this.host, this.port, path, { timeoutMs: this.timeoutMs, headers, body });
    } catch (err) {
      throw new EvochoraError(
        CliErrorCode.NODE_UNREACHABLE,
        `The node (pid ${this.pid}, port ${this.port}) did not answer ${method} ${path}: ${(err as Error).message}`,
        {
          exitCode: ExitCode.StatusUnknown,
          actions: ['Check `evochora node status` and `evochora node logs`.'],
        },
      );
    }
    if (reply.status >= 400) {
      const err = (reply.body ?? {}) as { code?: string; message?: string; actions?: string[] };
      throw new NodeApiError(
        reply.status,
        err.code ?? `HTTP_${reply.status}`,
        err.message ?? `HTTP ${reply.status}`,
        err.actions ?? [],
      );
    }
    return reply.body as T;
  }
}
