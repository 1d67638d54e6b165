#!/usr/bin/env node
/**
 * `npm run test:chaos [-- --report] [-- vitest options]`: runs the chaos project (test/chaos) with the options
 * given, then prints its figures as a table (scripts/chaos-report.mjs); `--report` also writes the table into
 * docs/reliability.md. CHAOS_SIZE=nightly runs every scenario bigger. Exits non-zero when a test failed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const report = args.includes('--report');
const vitestArgs = args.filter((a) => a !== '--report');
rmSync(join(process.cwd(), 'test-output', 'chaos-figures.jsonl'), { force: true });
const vitest = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--project', 'chaos', ...vitestArgs],
  {
    stdio: 'inherit',
  },
);
const table = spawnSync(process.execPath, ['scripts/chaos-report.mjs', ...(report ? ['--report'] : [])], {
  stdio: 'inherit',
});
process.exit(vitest.status !== 0 ? (vitest.status ?? 1) : (table.status ?? 1));
