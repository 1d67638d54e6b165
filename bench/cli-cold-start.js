#!/usr/bin/env node
// Cold start of `evochora pipeline status --json` against a running node, next to a bare `node -e 0`,
// measured alternately in one run so machine load affects both alike. Prints medians and their ratio
// (target ≤ 2.5×); `--json` prints one JSON object instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'run.js');
const json = process.argv.includes('--json');
const runs = Number(process.env.BENCH_RUNS ?? 25);
const dataDir = mkdtempSync(join(tmpdir(), 'evo-bench-cli-'));

function time(args) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The node runs the shipped configuration unless BENCH_CONFIG names another (e.g. test/fixtures/dummy-pipeline.conf
// for an idle node); with the default one a simulation competes for the two cores while we measure.
const configArgs = process.env.BENCH_CONFIG ? ['-c', process.env.BENCH_CONFIG] : [];
execFileSync(
  process.execPath,
  [cli, 'node', 'run', ...configArgs, '--detached', '--port', '0', '--data-dir', dataDir],
  { stdio: 'ignore' },
);
try {
  const status = [cli, 'pipeline', 'status', '--json', '--data-dir', dataDir];
  const bare = ['-e', '0'];
  time(status); // warm the page cache once for both
  time(bare);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(status));
    b.push(time(bare));
  }
  const result = {
    benchmark: 'cli-cold-start',
    runs,
    nodeConfig: process.env.BENCH_CONFIG ?? 'shipped default (simulation running)',
    pipelineStatusMedianMs: +median(a).toFixed(1),
    nodeBareMedianMs: +median(b).toFixed(1),
    ratio: +(median(a) / median(b)).toFixed(2),
    target: 2.5,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`evochora pipeline status --json: median ${result.pipelineStatusMedianMs} ms over ${runs} runs`);
    console.log(`node -e 0:                       median ${result.nodeBareMedianMs} ms`);
    console.log(`ratio ${result.ratio}× (target ≤ ${result.target}×)`);
  }
} finally {
  spawnSync(process.execPath, [cli, 'node', 'stop', '--data-dir', dataDir], { stdio: 'ignore' });
  rmSync(dataDir, { recursive: true, force: true });
}
