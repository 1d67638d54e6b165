import { Plugin } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli.js';

// oclif discovers commands from the committed manifest; a stale one hides new commands and flags.
describe('oclif.manifest.json', () => {
  it('matches the commands as built (run `npm run build && npm run manifest` after changing commands)', async () => {
    const plugin = new Plugin({
      root: REPO_ROOT,
      type: 'core',
      ignoreManifest: true,
      errorOnManifestCreate: true,
      respectNoCacheDefault: true,
    });
    await plugin.load();
    const fresh = JSON.parse(JSON.stringify(plugin.manifest)) as { commands: Record<string, unknown> };
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>;
    };
    expect(Object.keys(committed.commands).sort()).toEqual(Object.keys(fresh.commands).sort());
    expect(committed.commands).toEqual(fresh.commands);
  });
});
