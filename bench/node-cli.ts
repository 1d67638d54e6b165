/** What the benches that drive a real node share: the CLI with --json, and bytes on disk under a folder. */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'run.js');

/** Runs `evochora ARGS --json` and returns its result. */
export function cli(args: string[], timeout = 600_000): unknown {
  const out = execFileSync(process.execPath, [CLI, ...args, '--json'], {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out) as { result: unknown }).result;
}

/** Bytes of the files under `dir`; folders named in `skip` are left out (a run's analytics, counted apart). */
export function bytesUnder(dir: string, skip: readonly string[] = []): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    if (s.isDirectory() && skip.includes(e)) continue;
    total += s.isDirectory() ? bytesUnder(p, skip) : s.size;
  }
  return total;
}
