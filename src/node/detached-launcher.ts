/**
 * Starts the node as a detached process: its own process group (so stop can signal the whole tree),
 * stdio into the log file (so it never dies of SIGPIPE when the terminal goes away), and an IPC channel
 * used once for the ready handshake that carries the bound port.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { ensureNodeDir } from './data-dir.js';
import { dirname } from 'node:path';
import { CLI_ENTRY } from '../version.js';
import { EvochoraError } from '../errors.js';
import type { ExitCode } from '../exit-codes.js';
import { NodeStartFailedError } from './node-errors.js';
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from './node-process-flags.js';

export interface ReadyMessage {
  readonly type: 'ready';
  readonly pid: number;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly nonce: string;
  /** The newest run of the data dir that did not end cleanly, when this start does not resume it. */
  readonly interruptedRun?: { readonly runId: string; readonly lastTick: number };
}

export interface FailedMessage {
  readonly type: 'failed';
  readonly error: {
    status: number;
    name: string;
    code: string;
    message: string;
    actions: string[];
    data?: Record<string, unknown>;
  };
}

export type HandshakeMessage = ReadyMessage | FailedMessage;

export interface LaunchOptions {
  /** Arguments for `evochora node run` in the child (config flags forwarded as given). */
  readonly args: readonly string[];
  readonly logFile: string;
  readonly readyTimeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** A failure reported by the child is re-raised here with its original code. */
export class ChildReportedError extends EvochoraError {
  constructor(error: FailedMessage['error']) {
    super(error.code, error.message, {
      exitCode: error.status as ExitCode,
      actions: error.actions,
      ...(error.data ? { data: error.data } : {}),
    });
    this.name = error.name;
  }
}

export async function launchDetachedNode(options: LaunchOptions): Promise<ReadyMessage> {
  ensureNodeDir(dirname(options.logFile), dirname(dirname(options.logFile)));
  const fd = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [...NODE_PROCESS_FLAGS, CLI_ENTRY, 'node', 'run', '--detached-child', ...options.args],
    {
      detached: true,
      stdio: ['ignore', fd, fd, 'ipc'],
      cwd: options.cwd ?? process.cwd(),
      env: { ...NODE_PROCESS_ENV, ...(options.env ?? process.env), EVOCHORA_CONTENT_TYPE: '' },
      windowsHide: true,
    },
  );
  closeSync(fd);
  try {
    return await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        reject(
          new NodeStartFailedError(
            `The node did not become ready within ${options.readyTimeoutMs} ms and was killed.`,
            options.logFile,
          ),
        );
      }, options.readyTimeoutMs);
      child.on('message', (message: HandshakeMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve(message);
        else reject(new ChildReportedError(message.error));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new NodeStartFailedError(
            `The node exited during startup (${signal ? `signal ${signal}` : `exit code ${code}`}).${tail(options.logFile)}`,
            options.logFile,
            { exitCode: code, signal },
          ),
        );
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new NodeStartFailedError(`Could not start the node process: ${err.message}`, options.logFile));
      });
    });
  } finally {
    child.removeAllListeners();
    if (child.connected) child.disconnect();
    child.unref();
  }
}

function tail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-5);
    return `\nLast log lines:\n${lines.join('\n')}`;
  } catch {
    return '';
  }
}
