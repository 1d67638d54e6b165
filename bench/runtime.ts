/**
 * Runtime benchmark (issue 4): organism-instructions/s and ticks/s.
 *   (a) busy loop: 100 copies of a small loop (compares, NRG/NTR, SCNI, one PPKI, jumps) in a 1024x1024
 *       torus with all thermodynamic costs zero (the reference micro-benchmark shape);
 *   (b) our default organism (assembly/replicator.evo) in its default world with all plugins on.
 * Every rate is reported three ways, because the machines are shared: wall clock, per CPU-second of this
 * process, and the best 100-tick window. Each is compared with the goal (10 M organism-instructions/s)
 * and with the reference runtime (2–3 M/s on this machine class, measured on shape (a)).
 *   (c) population scaling: the busy loop at 100, 1,000 and 10,000 copies (`--population 100,1000,10000`),
 *       each copy with its own labels (as births give them) and as identical copies (what several `-p` place):
 *       nanoseconds per organism-instruction (median of 5 rounds, the worlds measured in turns), and its growth
 *       from the smallest population.
 *   (d) threads: ticks/s of the busy loop at 2,000 and 10,000 copies with 1 and 2 planning threads (`--threads 1,2,4`),
 *       measured in turns, with the speed-up over one thread and a state-hash check.
 * Usage: npx tsx bench/runtime.ts [--json] [--seconds N] [--population N,N,…] [--threads N,N,…]
 *        [--only busy|default|scaling|threads]
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { compileFileOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, stateHash } from '../src/runtime/index.js';
import { busyLoopWorld } from './busy-loop-world.js';

const json = process.argv.includes('--json');
const secIdx = process.argv.indexOf('--seconds');
const seconds = secIdx > 0 ? Number(process.argv[secIdx + 1]) : 5;
const here = dirname(fileURLToPath(import.meta.url));
const popIdx = process.argv.indexOf('--population');
const populations = (popIdx > 0 ? process.argv[popIdx + 1]! : '100,1000,10000').split(',').map(Number);
const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx > 0 ? process.argv[onlyIdx + 1] : undefined;

/** Issue 4: the goal, and the reference runtime's rate on scenario (a) on this machine class. */
const GOAL = 10_000_000;
const REFERENCE_LOW = 2_000_000;
const REFERENCE_HIGH = 3_000_000;

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
  /** Rate / 10 M (the goal): wall, per CPU-second, best window. */
  goalRatio: { wall: number; perCpuSecond: number; peakWindow: number };
  /** Rate / the reference's 3 M and 2 M (low and high end of the speed-up): wall, per CPU-second, best window. */
  referenceRatio: { wall: [number, number]; perCpuSecond: [number, number]; peakWindow: [number, number] };
}

const ratio = (x: number, base: number): number => Number((x / base).toFixed(2));
const refRatio = (x: number): [number, number] => [ratio(x, REFERENCE_HIGH), ratio(x, REFERENCE_LOW)];

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
  const wall = Math.round(instr / secs);
  const perCpu = Math.round(instr / cpuSecs);
  const peakRate = Math.round(peak);
  return {
    scenario: name,
    ticks,
    seconds: Number(secs.toFixed(3)),
    ticksPerSecond: Math.round(ticks / secs),
    organismInstructions: instr,
    organismInstructionsPerSecond: wall,
    organismInstructionsPerCpuSecond: perCpu,
    peakOrganismInstructionsPerSecond: peakRate,
    population: sim.aliveCount,
    goalRatio: { wall: ratio(wall, GOAL), perCpuSecond: ratio(perCpu, GOAL), peakWindow: ratio(peakRate, GOAL) },
    referenceRatio: { wall: refRatio(wall), perCpuSecond: refRatio(perCpu), peakWindow: refRatio(peakRate) },
  };
}

function busyLoop(): Result {
  return measure('busy-loop-100x-1024x1024-zero-cost', busyLoopWorld(100, true), seconds);
}

interface ScalingRow {
  readonly copies: number;
  readonly labels: 'own' | 'identical';
  /** Median over the rounds of CPU ns per organism-instruction, and the fastest and slowest round. */
  readonly nsPerInstruction: number;
  readonly nsMin: number;
  readonly nsMax: number;
  /** Median ns per instruction ÷ that at the smallest population with the same labels. */
  readonly growth: number;
}

/** Rounds of the scaling worlds (each world measured once per round). */
const ROUNDS = 5;

/**
 * All worlds are built first and then measured in turns, a window each per round (the order reversed every other
 * round), each window CPU time of this process: a shared machine's speed drifts by 10–40 % within minutes, and
 * measuring the populations one after the other put that drift into their ratios.
 */
function scaling(): ScalingRow[] {
  const worlds = (['own', 'identical'] as const).flatMap((labels) =>
    populations.map((copies) => ({ copies, labels, sim: busyLoopWorld(copies, labels === 'own'), ns: [] as number[] })),
  );
  // Each window runs about the same number of organism-instructions, so every population gets similar CPU time.
  const windowInstructions = Math.max(200_000, Math.round((seconds / 2 / ROUNDS) * 4e6));
  const run = (w: (typeof worlds)[number], instructions: number): number => {
    const i0 = w.sim.totalInstructions;
    const c0 = process.cpuUsage();
    while (w.sim.totalInstructions - i0 < instructions) {
      w.sim.step();
      w.sim.pruneDead();
    }
    const cpu = process.cpuUsage(c0);
    return ((cpu.user + cpu.system) * 1000) / (w.sim.totalInstructions - i0);
  };
  for (const w of worlds) run(w, windowInstructions / 4); // warm-up (JIT, caches)
  for (let round = 0; round < ROUNDS; round++)
    for (const w of round % 2 === 0 ? worlds : [...worlds].reverse()) w.ns.push(run(w, windowInstructions));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const rows: ScalingRow[] = [];
  for (const w of worlds) {
    const ns = median(w.ns);
    const base = median(worlds.find((b) => b.labels === w.labels)!.ns);
    rows.push({
      copies: w.copies,
      labels: w.labels,
      nsPerInstruction: Number(ns.toFixed(1)),
      nsMin: Number(Math.min(...w.ns).toFixed(1)),
      nsMax: Number(Math.max(...w.ns).toFixed(1)),
      growth: Number((ns / base).toFixed(2)),
    });
  }
  return rows;
}

interface ThreadsRow {
  readonly copies: number;
  readonly threads: number;
  /** Median over the rounds of ticks/s (wall clock: the point of threads), and the slowest and fastest round. */
  readonly ticksPerSecond: number;
  readonly min: number;
  readonly max: number;
  /** Median of the per-round ratios to one thread (the same round's one-thread window). */
  readonly speedup: number;
  /** State hashes equal to one thread's after the same ticks (checked at the end of every round). */
  readonly sameState: boolean;
}

const threadIdx = process.argv.indexOf('--threads');
const threadCounts = (threadIdx > 0 ? process.argv[threadIdx + 1]! : `1,${Math.min(2, cpus().length)}`)
  .split(',')
  .map(Number);
const threadPopulations = (popIdx > 0 ? populations : [2000, 10000]).filter((n) => n >= 100);

/**
 * The multi-threaded tick (`--threads`): the busy loop with own labels at each population, one world per thread
 * count, measured in turns like the scaling worlds (wall-clock windows of equal ticks; every thread count runs
 * the same ticks, so their state hashes must agree after each round).
 */
function threadScaling(): ThreadsRow[] {
  const rows: ThreadsRow[] = [];
  for (const copies of threadPopulations) {
    const worlds = threadCounts.map((threads) => ({
      threads,
      sim: busyLoopWorld(copies, true, { threads, minOrganismsPerThread: 1 }),
      rates: [] as number[],
      same: true,
    }));
    const ticks = Math.max(20, Math.round(((seconds / ROUNDS) * 4e6) / copies / worlds.length));
    const run = (w: (typeof worlds)[number], n: number): number => {
      const t0 = performance.now();
      w.sim.run(n);
      return n / ((performance.now() - t0) / 1000);
    };
    for (const w of worlds) run(w, Math.max(5, ticks >> 2)); // warm-up (JIT, workers started)
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of round % 2 === 0 ? worlds : [...worlds].reverse()) w.rates.push(run(w, ticks));
      const hash = stateHash(worlds[0]!.sim);
      for (const w of worlds) if (stateHash(w.sim) !== hash) w.same = false;
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const one = worlds[0]!;
    for (const w of worlds) {
      rows.push({
        copies,
        threads: w.threads,
        ticksPerSecond: Math.round(median(w.rates)),
        min: Math.round(Math.min(...w.rates)),
        max: Math.round(Math.max(...w.rates)),
        speedup: Number(median(w.rates.map((r, i) => r / one.rates[i]!)).toFixed(2)),
        sameState: w.same,
      });
      w.sim.close();
    }
  }
  return rows;
}

function defaultWorld(): Result | null {
  const file = join(here, '..', 'assembly', 'replicator.evo');
  if (!existsSync(file)) return null;
  const world = { shape: [512, 512], toroidal: true };
  const program = programFromArtifact(compileFileOrThrow(file, { world }));
  const sim = new Simulation({ shape: world.shape, toroidal: true, seed: 42n });
  sim.placeProgram(program, [100, 100], 100000);
  // let the population grow before measuring
  for (let i = 0; i < 30000; i++) {
    sim.step();
    sim.pruneDead();
  }
  return measure('replicator-512x512-default-plugins', sim, seconds);
}

const results: Result[] = [];
if (only === undefined || only === 'busy') results.push(busyLoop());
const d = only === undefined || only === 'default' ? defaultWorld() : null;
if (d) results.push(d);
const scalingRows = only === undefined || only === 'scaling' ? scaling() : [];
const threadRows = only === undefined || only === 'threads' ? threadScaling() : [];

const uptime = await import('node:os').then((os) => os.loadavg()[0]!);
if (json) {
  process.stdout.write(
    JSON.stringify({
      benchmark: 'runtime',
      node: process.version,
      loadAverage: Number(uptime.toFixed(2)),
      goal: GOAL,
      reference: [REFERENCE_LOW, REFERENCE_HIGH],
      results,
      scaling: scalingRows,
      threads: threadRows,
    }) + '\n',
  );
} else {
  const m = (x: number): string => `${(x / 1e6).toFixed(2)} M`;
  const x = (r: [number, number]): string => `${r[0].toFixed(1)}–${r[1].toFixed(1)}×`;
  console.log(
    `runtime benchmark (node ${process.version}, load average ${uptime.toFixed(2)}; goal 10 M/s, reference 2–3 M/s on (a))`,
  );
  if (scalingRows.length > 0) {
    console.log(
      `population scaling (busy loop): ns per organism-instruction (CPU time; median, fastest–slowest of ${ROUNDS} rounds in turns), growth from the smallest population`,
    );
    for (const r of scalingRows)
      console.log(
        `  ${String(r.copies).padStart(6)} copies, ${r.labels.padEnd(9)} labels: ${r.nsPerInstruction} ns (${r.nsMin}–${r.nsMax})  (${r.growth}×)`,
      );
  }
  if (threadRows.length > 0) {
    console.log(
      `threads (busy loop, own labels): ticks/s (wall clock; median, slowest–fastest of ${ROUNDS} rounds in turns), speed-up over 1 thread (median of the rounds' ratios), same state hash`,
    );
    for (const r of threadRows)
      console.log(
        `  ${String(r.copies).padStart(6)} copies, ${String(r.threads).padStart(2)} thread${r.threads === 1 ? ' ' : 's'}: ${r.ticksPerSecond} ticks/s (${r.min}–${r.max})  ${r.speedup}×  ${r.sameState ? 'same state' : 'STATE DIFFERS'}`,
      );
  }
  for (const r of results) {
    console.log(
      `${r.scenario}: population ${r.population}, ${r.ticks.toLocaleString()} ticks in ${r.seconds}s, ${r.ticksPerSecond.toLocaleString()} ticks/s\n` +
        `  organism-instructions/s  wall ${m(r.organismInstructionsPerSecond)} | per CPU-second ${m(r.organismInstructionsPerCpuSecond)} | best 100-tick window ${m(r.peakOrganismInstructionsPerSecond)}\n` +
        `  vs goal 10 M/s           wall ${r.goalRatio.wall.toFixed(2)}× | per CPU-second ${r.goalRatio.perCpuSecond.toFixed(2)}× | best window ${r.goalRatio.peakWindow.toFixed(2)}×\n` +
        `  vs reference 2–3 M/s     wall ${x(r.referenceRatio.wall)} | per CPU-second ${x(r.referenceRatio.perCpuSecond)} | best window ${x(r.referenceRatio.peakWindow)}`,
    );
  }
}
