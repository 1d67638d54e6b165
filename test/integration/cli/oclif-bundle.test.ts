import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli.js';

/** Loads the built CLI's oclif in a fresh process and counts the @oclif/core modules it loaded (its package.json aside). */
function loadBuiltOclif(): { packageFiles: number; command: string; execute: string } {
  const shim = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'cli', 'oclif.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const m = await import(${JSON.stringify(shim)});
    const packageFiles = Object.keys(require.cache).filter((f) => f.includes('@oclif/core') && f.endsWith('.js')).length;
    console.log(JSON.stringify({ packageFiles, command: typeof m.Command, execute: typeof m.execute }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT });
  return JSON.parse(out.toString()) as { packageFiles: number; command: string; execute: string };
}

// Every command's start pays for loading oclif; one bundled file (scripts/bundle-oclif.mjs) instead of ~150
// package files is most of what keeps `--help` and `compile` near 2× a bare node (npm run bench:cli).
describe('the built CLI loads oclif from one bundled file', () => {
  it('loads no @oclif/core module of the package and still exposes the whole surface the commands use', () => {
    const loaded = loadBuiltOclif();
    expect(loaded).toEqual({ packageFiles: 0, command: 'function', execute: 'function' });
  });

  it('answers --help and reports an unknown command with oclif exit code 2 through the bundle', () => {
    const help = execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), '--help']).toString();
    expect(help).toContain('USAGE');
    let status = 0;
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'no-such-command'], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(2);
  });

  it('renders help as the package does: templates in examples filled in, the bundle and the package alike', () => {
    const run = (env: NodeJS.ProcessEnv): string =>
      execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'compile', '--help'], {
        env: { ...process.env, ...env },
      }).toString();
    const bundled = run({});
    expect(bundled).toContain('$ evochora compile assembly/primordial/main.evo');
    expect(bundled).not.toContain('<%');
    // The same help from @oclif/core itself (src/cli/oclif.ts loads the package when asked to).
    expect(run({ EVO_OCLIF_PACKAGE: '1' })).toBe(bundled);
  });
});
