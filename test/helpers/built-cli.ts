/**
 * Tests that run the CLI as a process run the compiled dist/, not the sources. A dist/ older than the sources
 * silently tests old code, so these tests refuse to start until it is rebuilt.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string, suffixes: readonly string[]): { path: string; mtimeMs: number } {
  let best = { path: dir, mtimeMs: 0 };
  if (!existsSync(dir)) return best;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newest(path, suffixes)
      : suffixes.some((s) => entry.name.endsWith(s))
        ? { path, mtimeMs: statSync(path).mtimeMs }
        : best;
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

/** Throws unless dist/ exists and was built after the last change to src/, commands/ and proto/. */
export function assertBuildCurrent(repoRoot: string, suite: string): void {
  if (!existsSync(join(repoRoot, 'dist', 'commands')))
    throw new Error(`dist/ is missing: run \`npm run build\` (npm ci runs it) before the ${suite} tests`);
  const sources = ['src', 'commands', 'proto']
    .map((d) => newest(join(repoRoot, d), ['.ts', '.proto']))
    .reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
  const built = newest(join(repoRoot, 'dist'), ['.js']);
  if (sources.mtimeMs > built.mtimeMs) {
    throw new Error(
      `dist/ is older than ${sources.path}: run \`npm run build\` before the ${suite} tests (they run the compiled CLI)`,
    );
  }
}
