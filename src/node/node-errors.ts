import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { NodeErrorCode } from './error-codes.js';
import { HttpErrorCode } from '../http/error-codes.js';

export class NodeAlreadyRunningError extends EvochoraError {
  constructor(pid: number | undefined, port: number | undefined, dataDir: string) {
    super(
      NodeErrorCode.NODE_ALREADY_RUNNING,
      pid !== undefined
        ? `A node is already running for ${dataDir} (pid ${pid}${port !== undefined ? `, port ${port}` : ''}).`
        : `Another node is starting for ${dataDir}.`,
      {
        actions: [
          'Use `evochora node status` to inspect it or `evochora node stop` to stop it, or pick another data dir with --set node.dataDir=DIR.',
        ],
        data: { pid, port, dataDir },
      },
    );
  }
}

export class NodeNotRunningError extends EvochoraError {
  constructor(dataDir: string, detail = '') {
    super(NodeErrorCode.NODE_NOT_RUNNING, `No node is running for ${dataDir}${detail ? ` (${detail})` : ''}.`, {
      exitCode: ExitCode.NodeNotRunning,
      actions: ['Start one with `evochora node run --detached`.'],
      data: { dataDir },
    });
  }
}

export class NodeStatusUnknownError extends EvochoraError {
  constructor(pid: number, port: number, reason: string) {
    super(
      NodeErrorCode.NODE_STATUS_UNKNOWN,
      `Node pid ${pid} is alive but its API on port ${port} did not answer: ${reason}.`,
      {
        exitCode: ExitCode.StatusUnknown,
        actions: ['Retry shortly; if it persists see `evochora node logs` or stop it with `evochora node stop`.'],
        data: { pid, port },
      },
    );
  }
}

export class PortInUseError extends EvochoraError {
  constructor(host: string, port: number) {
    super(NodeErrorCode.PORT_IN_USE, `Port ${port} on ${host} is already in use by another program.`, {
      actions: [
        `Free the port, or choose another: --set node.port=<port> (or EVOCHORA_NODE_PORT); 0 picks a free one.`,
      ],
      data: { host, port },
    });
  }
}

export class NodeStartFailedError extends EvochoraError {
  constructor(message: string, logFile: string | undefined, data: Record<string, unknown> = {}) {
    super(NodeErrorCode.NODE_START_FAILED, message, {
      actions: logFile ? [`See the log: ${logFile} (or \`evochora node logs\`).`] : [],
      data: { ...data, logFile },
    });
  }
}

export class UnauthorizedError extends EvochoraError {
  constructor() {
    super(
      HttpErrorCode.UNAUTHORIZED,
      'This endpoint needs the node token: send `Authorization: Bearer <token>` (the token is in <dataDir>/node/token).',
    );
  }
}
