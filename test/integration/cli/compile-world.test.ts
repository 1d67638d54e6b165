import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evochora, REPO_ROOT, tempDataDir } from '../../helpers/cli.js';

const REPLICATOR = join(REPO_ROOT, 'assembly', 'replicator.evo');

describe('evochora compile: the world', () => {
  it("compiles for the node's default world (512x512 torus) without --env, from any folder", async () => {
    const dir = tempDataDir('evo-compile-');
    const res = await evochora(['compile', REPLICATOR, '--json'], { cwd: dir });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json!.result.world).toEqual({ shape: [512, 512], toroidal: true });
  });

  it('compiles for the world of -c CONFIG; --env wins over it; a broken config is a usage error that names --env', async () => {
    const dir = tempDataDir('evo-compile-');
    const conf = join(dir, 'small.conf');
    writeFileSync(
      conf,
      'pipeline.services.simulation-engine.options.environment { shape = [64, 48], topology = BOUND }\n',
    );
    const fromConfig = await evochora(['compile', REPLICATOR, '-c', conf, '--json'], { cwd: dir });
    expect(fromConfig.exitCode, fromConfig.stderr).toBe(0);
    expect(fromConfig.json!.result.world).toEqual({ shape: [64, 48], toroidal: false });
    const explicit = await evochora(['compile', REPLICATOR, '-c', conf, '--env', '100x100', '--json'], { cwd: dir });
    expect(explicit.json!.result.world).toEqual({ shape: [100, 100], toroidal: true });
    const broken = join(dir, 'broken.conf');
    writeFileSync(broken, 'node { port = 1\n');
    const bad = await evochora(['compile', REPLICATOR, '-c', broken, '--json'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.json).toMatchObject({ status: 2, code: 'CONFIG_SYNTAX' });
    expect(bad.json!.actions!.join(' ')).toContain('--env');
  });
});

describe('evochora compile: the path without oclif', () => {
  const oclif = { env: { EVOCHORA_CONTENT_TYPE: 'text' } }; // makes bin/run.js hand every command line to oclif
  const cases: Array<[string, (dir: string) => string[]]> = [
    ['an artifact as JSON', () => ['compile', REPLICATOR, '--env', '64x64', '--json']],
    [
      'the text summary, --env=, -o and a source root',
      (dir) => ['compile', REPLICATOR, '--env=32x32:bounded', '-o', join(dir, 'out.json'), '--source-root', dir],
    ],
    [
      'compile errors',
      (dir) => {
        writeFileSync(join(dir, 'bad.evo'), 'SETI %DR0 DATA:1\nNOPE %DR1\n');
        return ['compile', join(dir, 'bad.evo'), '--env', '16x16', '--json'];
      },
    ],
    ['a bad --env', () => ['compile', REPLICATOR, '--env', '0x5', '--json']],
    ['an unwritable -o', () => ['compile', REPLICATOR, '--env', '8x8', '--output', '/proc/forbidden/x.json']],
  ];
  const expectedExit: Record<string, number> = {
    'an artifact as JSON': 0,
    'the text summary, --env=, -o and a source root': 0,
    'compile errors': 1,
    'a bad --env': 2,
    'an unwritable -o': 2,
  };
  it.each(cases)('prints and exits as the oclif command does: %s', async (_name, argsOf) => {
    const dir = tempDataDir('evo-compile-fast-');
    const fast = await evochora(argsOf(dir), { cwd: dir });
    const slow = await evochora(argsOf(dir), { cwd: dir, ...oclif });
    expect(fast.exitCode).toBe(expectedExit[_name]);
    expect(fast.exitCode).toBe(slow.exitCode);
    expect(fast.stdout).toBe(slow.stdout);
    expect(fast.stderr).toBe(slow.stderr);
  });

  it('leaves what it does not recognise to oclif: help, unknown and repeated flags', async () => {
    const help = await evochora(['compile', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--source-root');
    const unknown = await evochora(['compile', REPLICATOR, '--envv', '8x8', '--json']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.json).toMatchObject({ status: 2, code: 'USAGE' });
    const twice = await evochora(['compile', REPLICATOR, '--env', '8x8', '--env', '9x9', '--json']);
    expect(twice.exitCode).toBe(2);
    expect(twice.json).toMatchObject({ status: 2 });
  });

  it('does not load oclif for a command line it recognises', () => {
    const loaded = (contentType: string): string[] => {
      const res = spawnSync(
        process.execPath,
        [
          '--import',
          './test/fixtures/register-module-load-hooks.mjs',
          'bin/run.js',
          'compile',
          REPLICATOR,
          '--env',
          '8x8',
          '--json',
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, EVOCHORA_CONTENT_TYPE: contentType } },
      );
      expect(res.status, res.stderr).toBe(0);
      return res.stderr.split('\n').filter((l) => l.startsWith('loaded ') && /oclif/.test(l));
    };
    expect(loaded('')).toEqual([]);
    expect(loaded('text').length).toBeGreaterThan(0);
  });
});
