#!/usr/bin/env node
// Cold start of the commands users and scripts run most (`--help`, `compile`, `node status`, `pipeline status`
// against a running node), each next to a bare `node -e 0`, measured alternately in one run so machine load
// affects both alike. Prints medians and ratios (the status commands' fast path: ≤ 2.5×; every command's goal:
// ≤ 2×); `--json` prints one JSON object instead.
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
  const commands = {
    help: [cli, '--help'],
    compile: [cli, 'compile', join(root, 'assembly', 'replicator.evo'), '--env', '64x64', '--json'],
    nodeStatus: [cli, 'node', 'status', '--json', '--data-dir', dataDir],
    pipelineStatus: [cli, 'pipeline', 'status', '--json', '--data-dir', dataDir],
  };
  const bare = ['-e', '0'];
  for (const args of Object.values(commands)) time(args); // warm the page cache once
  time(bare);
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  const b = [];
  for (let i = 0; i < runs; i++) {
    for (const [k, args] of Object.entries(commands)) samples[k].push(time(args));
    b.push(time(bare));
  }
  const bareMs = median(b);
  const perCommand = Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [
      k,
      { medianMs: +median(xs).toFixed(1), ratio: +(median(xs) / bareMs).toFixed(2) },
    ]),
  );
  const result = {
    benchmark: 'cli-cold-start',
    runs,
    nodeConfig: process.env.BENCH_CONFIG ?? 'shipped default (simulation running)',
    pipelineStatusMedianMs: perCommand.pipelineStatus.medianMs,
    nodeBareMedianMs: +bareMs.toFixed(1),
    ratio: perCommand.pipelineStatus.ratio,
    target: 2.5,
    commands: perCommand,
    commandTarget: 2,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`node -e 0: median ${result.nodeBareMedianMs} ms over ${runs} runs`);
    for (const [k, v] of Object.entries(perCommand))
      console.log(
        `${k.padEnd(16)} median ${String(v.medianMs).padStart(6)} ms  ${v.ratio}× (goal ≤ ${result.commandTarget}×)`,
      );
    console.log(`pipeline status: ${result.ratio}× (target ≤ ${result.target}×)`);
  }
} finally {
  spawnSync(process.execPath, [cli, 'node', 'stop', '--data-dir', dataDir], { stdio: 'ignore' });
  rmSync(dataDir, { recursive: true, force: true });
}
