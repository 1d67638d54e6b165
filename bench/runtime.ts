/**
 * Runtime benchmark: organism-instructions/s and ticks/s.
 *   (a) busy loop: 100 copies of a small loop (compares, NRG/NTR, SCNI, one PPKI, jumps) in a 1024x1024
 *       torus with all thermodynamic costs zero (the reference micro-benchmark shape);
 *   (b) our default organism (assembly/replicator.evo) in its default world with all plugins on.
 * Usage: npx tsx bench/runtime.ts [--json] [--seconds N]
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { compileFileOrThrow, compileSourceOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, zeroThermodynamics } from '../src/runtime/index.js';
import { LabelRewritePlugin } from '../src/runtime/plugins/label-rewrite.js';

const json = process.argv.includes('--json');
const secIdx = process.argv.indexOf('--seconds');
const seconds = secIdx > 0 ? Number(process.argv[secIdx + 1]) : 5;
const here = dirname(fileURLToPath(import.meta.url));

const BUSY_LOOP = `
.REG %A %DR0
START:
  SETI %A DATA:0
LOOP:
  ADDI %A DATA:1
  NRG %DR1
  NTR %DR2
  SCNI %DR3 0|1
  GTI %A DATA:1000
    JMPI START
  IFI %DR3 DATA:0
    NOP
  PPKI %DR4 0|-1
  JMPI LOOP
`;

interface Result {
  scenario: string;
  ticks: number;
  seconds: number;
  ticksPerSecond: number;
  organismInstructions: number;
  organismInstructionsPerSecond: number;
  /** The same per second of this process's CPU time (less sensitive to other load on the machine). */
  organismInstructionsPerCpuSecond: number;
  /** Best 100-tick window (what an unloaded core does; the machine is shared). */
  peakOrganismInstructionsPerSecond: number;
  population: number;
}

function measure(name: string, sim: Simulation, budgetSeconds: number): Result {
  // warm-up
  const warmEnd = performance.now() + Math.min(1500, budgetSeconds * 300);
  while (performance.now() < warmEnd) {
    sim.step();
    sim.pruneDead();
  }
  const i0 = sim.totalInstructions;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let ticks = 0;
  const end = t0 + budgetSeconds * 1000;
  let peak = 0;
  while (performance.now() < end) {
    const w0 = performance.now();
    const wi = sim.totalInstructions;
    for (let k = 0; k < 100; k++) {
      sim.step();
      sim.pruneDead();
    }
    const dt = (performance.now() - w0) / 1000;
    if (dt > 0) peak = Math.max(peak, (sim.totalInstructions - wi) / dt);
    ticks += 100;
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const instr = sim.totalInstructions - i0;
  return {
    scenario: name,
    ticks,
    seconds: Number(secs.toFixed(3)),
    ticksPerSecond: Math.round(ticks / secs),
    organismInstructions: instr,
    organismInstructionsPerSecond: Math.round(instr / secs),
    organismInstructionsPerCpuSecond: Math.round(instr / cpuSecs),
    peakOrganismInstructionsPerSecond: Math.round(peak),
    population: sim.aliveCount,
  };
}

function busyLoop(): Result {
  const world = { shape: [1024, 1024], toroidal: true };
  const program = programFromArtifact(compileSourceOrThrow(BUSY_LOOP, { world }));
  const sim = new Simulation({
    shape: world.shape,
    seed: 42n,
    thermodynamics: zeroThermodynamics(),
    organism: { maxEnergy: 32767, maxEntropy: 8191, errorPenaltyCost: 0 },
    labelMatching: { selectionSpread: 0 },
    plugins: [],
  });
  // Each copy gets its own label namespace, as births would give it (the reference benchmark does the same).
  const rewrite = new LabelRewritePlugin();
  for (let i = 0; i < 100; i++) {
    const org = sim.placeProgram(program, [(i % 10) * 100 + 10, Math.floor(i / 10) * 100 + 10], 30000);
    rewrite.onBirth(sim, org);
  }
  return measure('busy-loop-100x-1024x1024-zero-cost', sim, seconds);
}

function defaultWorld(): Result | null {
  const file = join(here, '..', 'assembly', 'replicator.evo');
  if (!existsSync(file)) return null;
  const world = { shape: [512, 512], toroidal: true };
  const program = programFromArtifact(compileFileOrThrow(file, { world }));
  const sim = new Simulation({ shape: world.shape, seed: 42n });
  sim.placeProgram(program, [100, 100], 100000);
  // let the population grow before measuring
  for (let i = 0; i < 30000; i++) {
    sim.step();
    sim.pruneDead();
  }
  return measure('replicator-512x512-default-plugins', sim, seconds);
}

const results: Result[] = [busyLoop()];
const d = defaultWorld();
if (d) results.push(d);

if (json) {
  process.stdout.write(JSON.stringify({ benchmark: 'runtime', node: process.version, results }) + '\n');
} else {
  for (const r of results) {
    console.log(
      `${r.scenario}: ${r.organismInstructionsPerSecond.toLocaleString()} organism-instructions/s ` +
        `(${r.organismInstructionsPerCpuSecond.toLocaleString()} per CPU-second, peak window ${r.peakOrganismInstructionsPerSecond.toLocaleString()}), ` +
        `${r.ticksPerSecond.toLocaleString()} ticks/s (population ${r.population}, ${r.ticks} ticks in ${r.seconds}s)`,
    );
  }
}
