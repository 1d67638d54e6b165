import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile, type Diagnostic } from '../compiler/index.js';
import { defaultPlugins, type PluginConfig, type QuirkMode, type RuntimeOptionsInput } from './config.js';
import { RunSpecError } from './errors.js';
import { programFromArtifact } from './program.js';
import { Simulation, type PlaceableProgram, type SimulationThreading } from './simulation.js';
import { parseRunSpec, programFromLayoutJson, simulationFromSpec } from './spec.js';
import { TraceWriter } from './trace/trace-writer.js';
import { stateHash } from './state-hash.js';

/** The default organism we ship (a compact self-replicator, see assembly/README.md). */
export function defaultOrganismPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = resolve(here, up, 'assembly', 'replicator.evo');
    if (existsSync(p)) return p;
  }
  return resolve(process.cwd(), 'assembly', 'replicator.evo');
}

export interface ProgramPlacement {
  file: string;
  position?: number[];
  energy?: number;
}

/** Parses `FILE[@x,y[:energy]]` (also `FILE@x|y:energy`). */
export function parseProgramArg(arg: string): ProgramPlacement {
  const at = arg.lastIndexOf('@');
  if (at <= 0) return { file: arg };
  const file = arg.slice(0, at);
  const rest = arg.slice(at + 1);
  const [pos, energy] = rest.split(':');
  const position = (pos ?? '').split(/[,|]/).map((s) => Number(s.trim()));
  if (position.some((n) => !Number.isInteger(n))) throw new RunSpecError(`bad position in --program ${arg}`);
  const e = energy === undefined ? undefined : Number(energy);
  if (e !== undefined && (!Number.isInteger(e) || e <= 0)) throw new RunSpecError(`bad energy in --program ${arg}`);
  return e === undefined ? { file, position } : { file, position, energy: e };
}

/** Parses `512x512[:torus|:bounded]`. */
export function parseWorldArg(spec: string): { shape: number[]; toroidal: boolean } {
  const m = /^(\d+(?:x\d+)*)(?::(torus|toroidal|bounded|bound|flat))?$/i.exec(spec.trim());
  if (!m) throw new RunSpecError(`invalid world "${spec}": expected e.g. 512x512, 512x512:torus or 64x64x8:bounded`);
  const shape = m[1]!.split('x').map(Number);
  if (shape.some((d) => d < 1)) throw new RunSpecError(`invalid world "${spec}": dimensions must be positive`);
  const topo = (m[2] ?? 'torus').toLowerCase();
  return { shape, toroidal: topo === 'torus' || topo === 'toroidal' };
}

export function pluginPreset(name: string): PluginConfig[] {
  switch (name) {
    case 'default':
      return defaultPlugins();
    case 'none':
      return [];
    case 'no-mutation':
      return defaultPlugins().filter((p) => !p.kind.startsWith('gene'));
    default:
      throw new RunSpecError(`unknown plugin preset "${name}" (default, none, no-mutation)`);
  }
}

export interface HeadlessRunOptions {
  programs: ProgramPlacement[];
  world?: string;
  seed?: bigint;
  ticks?: number;
  /** Parsed runtime options from --config (merged under the flags). */
  config?: RuntimeOptionsInput;
  plugins?: string;
  quirks?: QuirkMode;
  specFile?: string;
  traceFile?: string;
  /** Threads that plan each tick (1: this one only); the run is the same for any count. */
  threads?: number;
  /** See SimulationThreading. */
  minOrganismsPerThread?: number;
  /** Called about every `progressEvery` ms with the current state. */
  onProgress?: (p: { tick: number; ticks: number; population: number; births: number; deaths: number }) => void;
  progressEvery?: number;
}

export interface HeadlessSummary {
  ticks: number;
  world: { shape: number[]; toroidal: boolean };
  seed: string;
  births: number;
  deaths: number;
  population: number;
  organismsCreated: number;
  firstBirthTick: number | null;
  extinctAtTick: number | null;
  /** Most organisms alive after any tick. */
  peakPopulation: number;
  /** The final state's hash: equal for equal runs, whatever the machine or thread count. */
  stateHash: string;
  /** Threads that planned the ticks. */
  threads: number;
  seconds: number;
  ticksPerSecond: number;
  organismInstructions: number;
  organismInstructionsPerSecond: number;
  trace: string | null;
}

export class ProgramCompileError extends RunSpecError {
  constructor(
    file: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    const first = diagnostics.find((d) => d.severity === 'error');
    super(`cannot compile ${file}` + (first ? `: ${first.file}:${first.line}:${first.column}: ${first.message}` : ''));
  }
}

function compileProgram(file: string, world: { shape: number[]; toroidal: boolean }): PlaceableProgram {
  if (!existsSync(file)) throw new RunSpecError(`program file not found: ${file}`);
  if (file.endsWith('.json')) return programFromLayoutJson(JSON.parse(readFileSync(file, 'utf8')));
  const r = compileFile(file, { world });
  if (r.artifact === undefined) throw new ProgramCompileError(file, r.diagnostics);
  return programFromArtifact(r.artifact);
}

/**
 * Validates a parsed runtime options object: any subset of RuntimeOptions (`organism`, `labelMatching`,
 * `thermodynamics`, `quirks`, `plugins`, `seed`), either at top level or under a `runtime` key (so a node
 * configuration file can carry it). Unknown keys are rejected.
 */
export function runtimeConfigFromObject(parsed: unknown, file: string): RuntimeOptionsInput {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new RunSpecError(`config ${file} must be an object`);
  let obj = parsed as Record<string, unknown>;
  if (obj.runtime !== undefined && typeof obj.runtime === 'object' && obj.runtime !== null)
    obj = obj.runtime as Record<string, unknown>;
  const allowed = new Set(['organism', 'labelMatching', 'thermodynamics', 'quirks', 'plugins', 'seed']);
  for (const k of Object.keys(obj)) {
    if (k === 'threads')
      throw new RunSpecError(
        `config ${file}: "threads" changes how fast a run goes, not the run: give \`simulate --threads N\` instead`,
      );
    if (!allowed.has(k))
      throw new RunSpecError(`config ${file}: unknown option "${k}" (allowed: ${[...allowed].join(', ')})`);
  }
  return obj as RuntimeOptionsInput;
}

/** Reads a JSON runtime options file (the command also accepts HOCON, see commands/simulate.ts). */
export function loadRuntimeConfig(file: string): RuntimeOptionsInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunSpecError(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)} (JSON expected)`);
  }
  return runtimeConfigFromObject(parsed, file);
}

/** Runs the runtime alone (no pipeline) and returns a summary; optionally writes a conformance trace. */
export async function runHeadless(opts: HeadlessRunOptions): Promise<HeadlessSummary> {
  let sim: Simulation;
  let ticks: number;
  const threading: SimulationThreading = {
    threads: opts.threads ?? 1,
    ...(opts.minOrganismsPerThread !== undefined ? { minOrganismsPerThread: opts.minOrganismsPerThread } : {}),
  };
  if (opts.specFile) {
    const specPath = resolve(opts.specFile);
    const spec = parseRunSpec(JSON.parse(readFileSync(specPath, 'utf8')));
    const base = dirname(specPath);
    const world = { shape: spec.shape, toroidal: String(spec.topology ?? 'TORUS').toUpperCase() === 'TORUS' };
    sim = simulationFromSpec(
      spec,
      (file, root) => {
        const p = resolve(base, root ?? '.', file);
        try {
          return compileProgram(p, world);
        } catch (e) {
          const layout = p.replace(/\.evo$/, '.expected.json');
          if (existsSync(layout)) return programFromLayoutJson(JSON.parse(readFileSync(layout, 'utf8')));
          throw e;
        }
      },
      {},
      threading,
    );
    ticks = opts.ticks ?? spec.ticks;
  } else {
    const world = parseWorldArg(opts.world ?? '512x512:torus');
    const input: RuntimeOptionsInput = {
      ...(opts.config ?? {}),
      shape: world.shape,
      toroidal: world.toroidal,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.plugins !== undefined ? { plugins: pluginPreset(opts.plugins) } : {}),
      ...(opts.quirks !== undefined ? { quirks: opts.quirks } : {}),
    };
    sim = new Simulation(input, threading);
    const programs = opts.programs.length > 0 ? opts.programs : [{ file: defaultOrganismPath() }];
    for (const p of programs) {
      const program = compileProgram(resolve(p.file), world);
      const position = p.position ?? world.shape.map((d) => Math.floor(d / 5));
      if (position.length !== world.shape.length)
        throw new RunSpecError(`position ${position.join(',')} does not match the world ${world.shape.join('x')}`);
      sim.placeProgram(program, position, p.energy ?? 100000);
    }
    ticks = opts.ticks ?? 10000;
  }

  try {
    return await runTicks(sim, ticks, opts);
  } finally {
    sim.close();
  }
}

async function runTicks(sim: Simulation, ticks: number, opts: HeadlessRunOptions): Promise<HeadlessSummary> {
  const trace = opts.traceFile ? new TraceWriter(sim, opts.traceFile) : null;
  if (trace) await trace.writeInit();
  let firstBirth: number | null = null;
  let extinct: number | null = null;
  const t0 = performance.now();
  let lastProgress = t0;
  const every = opts.progressEvery ?? 1000;
  const i0 = sim.totalInstructions;
  for (let i = 0; i < ticks; i++) {
    sim.step();
    if (firstBirth === null && sim.lastTick.births > 0) firstBirth = sim.tick - 1;
    if (trace) {
      const w = trace.writeTick();
      if (w) await w;
    }
    sim.pruneDead();
    if (extinct === null && sim.organisms.length === 0) extinct = sim.tick - 1;
    if (opts.onProgress && (i & 255) === 0) {
      const now = performance.now();
      if (now - lastProgress >= every) {
        lastProgress = now;
        opts.onProgress({
          tick: sim.tick,
          ticks,
          population: sim.organisms.length,
          births: sim.totalBirths,
          deaths: sim.totalDeaths,
        });
      }
    }
  }
  if (trace) await trace.close();
  const seconds = (performance.now() - t0) / 1000;
  const instr = sim.totalInstructions - i0;
  return {
    ticks,
    world: { shape: Array.from(sim.world.shape), toroidal: sim.world.toroidal },
    seed: sim.options.seed.toString(),
    births: sim.totalBirths,
    deaths: sim.totalDeaths,
    population: sim.organisms.length,
    organismsCreated: sim.nextOrganismId - 1,
    firstBirthTick: firstBirth,
    extinctAtTick: extinct,
    peakPopulation: sim.peakAlive,
    stateHash: stateHash(sim),
    threads: sim.threads,
    seconds: Number(seconds.toFixed(3)),
    ticksPerSecond: seconds > 0 ? Math.round(ticks / seconds) : 0,
    organismInstructions: instr,
    organismInstructionsPerSecond: seconds > 0 ? Math.round(instr / seconds) : 0,
    trace: opts.traceFile ?? null,
  };
}
