/** Runs the built `evochora` CLI as a real process (tests need `npm run build` first; `npm ci` does it). */
import { execa, type Options } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assertBuildCurrent } from './built-cli.js';

export const REPO_ROOT = resolve(__dirname, '../..');
export const CLI = join(REPO_ROOT, 'bin', 'run.js');
/** A config with only the dummy producer/consumer pipeline, for tests of the node and the CLI. */
export const DUMMY_PIPELINE = join(REPO_ROOT, 'test', 'fixtures', 'dummy-pipeline.conf');

assertBuildCurrent(REPO_ROOT, 'integration');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  json:
    | { status: number; result?: any; code?: string; message?: string; actions?: string[]; warnings?: string[] }
    | undefined;
}

export async function evochora(args: string[], options: Options = {}): Promise<CliResult> {
  const res = await execa(process.execPath, [CLI, ...args], {
    reject: false,
    timeout: 60_000,
    env: { EVOCHORA_CONTENT_TYPE: '' },
    ...options,
  });
  const stdout = String(res.stdout ?? '');
  let json: CliResult['json'];
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
  }
  return { exitCode: res.exitCode ?? -1, stdout, stderr: String(res.stderr ?? ''), json };
}

export function tempDataDir(prefix = 'evo-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A small default world for tests that run the default node: quick to record, the same pipeline. */
export const SMALL_WORLD = ['--set', 'pipeline.services.simulation-engine.options.environment.shape=[128,128]'];

/** `evochora node run --detached --port 0 --data-dir DIR --json` with more arguments. */
export function startDetachedNode(dataDir: string, args: readonly string[] = []): Promise<CliResult> {
  return evochora(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir, '--json', ...args]);
}
