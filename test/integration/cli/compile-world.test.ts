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
