import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_PROCESS_FLAGS } from '../../../src/node/node-process-flags.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

describe('node process V8 flags', () => {
  it('are flags this node accepts', () => {
    const r = spawnSync(process.execPath, [...NODE_PROCESS_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('are the same in the in-process benches, which stand for the daemon', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const flag of NODE_PROCESS_FLAGS) {
      expect(scripts['bench:pipeline']).toContain(flag);
      expect(scripts['bench:api']).toContain(flag);
      expect(read('bench/run-all.js')).toContain(flag);
    }
  });

  it('stay out of the shebang of bin/run.js: `env -S` is missing from BusyBox (Alpine)', () => {
    expect(read('bin/run.js').split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});
