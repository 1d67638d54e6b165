#!/usr/bin/env node
// Runs every benchmark one after another (they must not compete for the 2 cores); `-- --json` is passed on,
// and then each prints one JSON object per line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
const benches = [
  ['cli-cold-start.js', process.execPath],
  ['runtime.ts', tsx],
  ['pipeline.ts', tsx],
  ['api.ts', tsx],
  ['distributed.ts', tsx],
];
let failed = 0;
for (const [file, runner] of benches) {
  const path = join(here, file);
  if (!existsSync(path)) continue;
  if (!process.argv.includes('--json')) console.log(`\n# ${file}`);
  const res = spawnSync(runner, [path, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
