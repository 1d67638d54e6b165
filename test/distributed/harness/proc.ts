/**
 * Process helpers for the distributed test harness: free loopback ports, servers started in their own
 * process group with output captured to log files, readiness by polling (TCP connect or a probe), and
 * stopping strictly by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/** A port the kernel just handed out on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

export class ServerStartError extends Error {
  constructor(what: string, reason: string, logFile?: string) {
    const tail =
      logFile && existsSync(logFile)
        ? `\n--- last lines of ${logFile} ---\n${readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n')}`
        : '';
    super(`${what} could not be started: ${reason}${tail}`);
    this.name = 'ServerStartError';
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile: string;
  /** Run as this user and group (servers such as postgres refuse to run as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Signal `stop()` sends first (postgres shuts down fast on SIGINT). */
  readonly stopSignal?: NodeJS.Signals;
}

/** Every process the harness started and has not seen exit; `stopAllStarted` is the safety net in afterAll. */
const started = new Set<ManagedProcess>();

// If the test process dies before its afterAll hooks run, do not leave servers behind.
process.once('exit', () => {
  for (const p of started) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function spawnServer(name: string, command: string, options: SpawnOptions): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, [...(options.args ?? [])], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: false,
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new ServerStartError(name, `spawn of ${command} failed`, options.logFile);
  const pid = child.pid;
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      started.delete(proc);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running = false;
      started.delete(proc);
      resolve('spawn-error');
    });
  });
  const proc: ManagedProcess = {
    name,
    pid,
    logFile: options.logFile,
    child,
    exited,
    isRunning: () => running,
    stop: async (graceMs = 5000) => {
      if (!running) return;
      try {
        process.kill(pid, options.stopSignal ?? 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        if (running) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (!running) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      await exited;
    },
  };
  started.add(proc);
  return proc;
}

export async function stopAllStarted(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop(3000)));
}

/** Thrown by a probe to end `waitFor` at once (the condition can no longer become true). */
export class GiveUp extends Error {}

/** Polls `probe` until it resolves true; fails with `what` when the deadline passes or `proc` dies. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  proc?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (proc && !proc.isRunning())
      throw new ServerStartError(
        proc.name,
        `the process exited (${String(await proc.exited)}) while waiting for ${what}`,
        proc.logFile,
      );
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new ServerStartError(
        proc?.name ?? what,
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
        proc?.logFile,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Runs a command to completion; throws with its output when it fails. */
export async function runToCompletion(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; uid?: number; gid?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${out}`));
    });
  });
}
