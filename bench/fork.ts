/**
 * Cost of forking a run (issue "Experiments at scale"): records a default-world run of `--ticks` ticks (100,000)
 * with the default pipeline (no HTTP), then forks it at the middle tick (`node run --fork RUN@TICK` does the same
 * through the engine's `fork` options) and measures the seconds from the fork's start to its first stored tick,
 * and to its first new (simulated) tick; then the same for a resume of the parent.
 *
 * Usage: npm run bench:fork -- [--ticks 100000] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/loader.js';
import { defaultRegistry } from '../src/pipeline/registry.js';
import { ServiceManager } from '../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../src/pipeline/services/simulation-engine.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const TICKS = Number(arg('--ticks', '100000'));
const json = process.argv.includes('--json');
const dataDir = mkdtempSync(join(tmpdir(), 'evo-fork-bench-'));
const logger = pino({ level: 'silent' });

async function run(sets: string[]): Promise<{ runId: string; firstNewTickS: number; totalS: number }> {
  const { config } = loadConfig({ overrides: [...sets, `node.dataDir=${dataDir}`], env: {} });
  const t0 = performance.now();
  const sm = await ServiceManager.create({ config, registry: defaultRegistry(), logger });
  await sm.startAll();
  const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
  for (;;) {
    if (sm.stateOf('simulation-engine') !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 2));
  }
  // The worker reports ready once it has restored (and, for a fork, stored its first tick); simulatedSpan is the
  // time from there to its end, so the first new tick came at (end - span).
  const end = performance.now();
  const firstNew = end - (engine.simulatedSpan?.ms ?? 0);
  await sm.shutdown();
  const s = (t: number): number => Number(((t - t0) / 1000).toFixed(3));
  return {
    runId: engine.simulationRunId,
    firstNewTickS: s(firstNew),
    totalS: s(end),
  };
}

const engine = 'pipeline.services.simulation-engine.options';
const parent = await run([`${engine}.maxTicks=${TICKS}`]);
const mid = Math.floor(TICKS / 2) + 7;
const fork = await run([
  `${engine}.maxTicks=${mid + 20000}`,
  `${engine}.fork.runId=${parent.runId}`,
  `${engine}.fork.tick=${mid}`,
]);
const resume = await run([`${engine}.maxTicks=${TICKS + 20000}`, `${engine}.resume.runId=${parent.runId}`]);
rmSync(dataDir, { recursive: true, force: true });
const result = { ticks: TICKS, forkTick: mid, record: parent, fork, resume };
if (json) console.log(JSON.stringify(result));
else {
  console.log(`recorded ${TICKS} ticks of the default world in ${parent.totalS} s`);
  console.log(`fork at tick ${mid}: its first tick (restored, stored) and the next after ${fork.firstNewTickS} s`);
  console.log(`resume at tick ${TICKS}: first new tick after ${resume.firstNewTickS} s`);
}
