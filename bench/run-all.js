#!/usr/bin/env node
// Runs every benchmark one after another (they must not compete for the 2 cores); `-- --json` is passed on,
// and then each prints one JSON object per line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = ['--import', 'tsx'];
// The benches that run a node's services in-process get the daemon's V8 flags (src/node/node-process-flags.ts).
const daemonFlags = ['--initial-old-space-size=128'];
const benches = [
  ['cli-cold-start.js', []],
  ['runtime.ts', tsx],
  ['pipeline.ts', [...daemonFlags, ...tsx]],
  ['api.ts', [...daemonFlags, ...tsx]],
  ['analytics.ts', tsx],
  ['fork.ts', tsx],
  ['distributed.ts', tsx],
];
let failed = 0;
for (const [file, nodeArgs] of benches) {
  const path = join(here, file);
  if (!existsSync(path)) continue;
  if (!process.argv.includes('--json')) console.log(`\n# ${file}`);
  const res = spawnSync(process.execPath, [...nodeArgs, path, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
