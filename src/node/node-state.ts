/**
 * The state file a running node writes: enough for any client to find it (port), prove it is ours (pid +
 * nonce echoed by /node/health, since pids get reused) and show where it writes (log, data dir).
 */
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  fsyncSync,
  closeSync,
  existsSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface NodeState {
  readonly pid: number;
  readonly port: number;
  readonly host: string;
  readonly startedAt: string;
  readonly nonce: string;
  readonly version: string;
  readonly logFile: string | null;
  readonly dataDir: string;
}

export function newNonce(): string {
  return randomBytes(12).toString('hex');
}

/** temp file → fsync → rename, so a reader never sees half a file. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function writeNodeState(path: string, state: NodeState): void {
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** The state, or undefined when absent or unreadable (an unreadable file is treated as stale). */
export function readNodeState(path: string): NodeState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<NodeState>;
    if (typeof parsed.pid !== 'number' || typeof parsed.port !== 'number' || typeof parsed.nonce !== 'string')
      return undefined;
    return parsed as NodeState;
  } catch {
    return undefined;
  }
}

export function removeQuietly(...paths: string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}

export function writeToken(path: string): string {
  const token = randomBytes(24).toString('hex');
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

export function readToken(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True if a process with this pid exists (EPERM means it exists but is not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
