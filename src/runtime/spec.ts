import { referenceThermodynamics, type RuntimeOptionsInput } from './config.js';
import { RunSpecError } from './errors.js';
import { Simulation, type PlaceableProgram, type SimulationThreading } from './simulation.js';

/** A whole run description in the format of the conformance `spec.json` files. */
export interface RunSpec {
  shape: number[];
  topology: 'TORUS' | 'BOUND' | string;
  seed: number | string;
  ticks: number;
  selectionSpread?: number;
  organisms: { root?: string; file: string; position: number[]; energy: number }[];
  extraCells?: {
    type: number;
    value: number;
    at?: number[][];
    grid?: { from: number[]; to: number[]; step: number[] };
  }[];
  trace?: string;
}

export function parseRunSpec(json: unknown): RunSpec {
  const s = json as Partial<RunSpec>;
  if (!s || !Array.isArray(s.shape) || !Array.isArray(s.organisms) || typeof s.ticks !== 'number') {
    throw new RunSpecError('spec needs shape[], organisms[] and ticks');
  }
  for (const o of s.organisms) {
    if (typeof o.file !== 'string' || !Array.isArray(o.position) || typeof o.energy !== 'number') {
      throw new RunSpecError('each spec organism needs file, position[] and energy');
    }
    if (o.position.length !== s.shape.length)
      throw new RunSpecError(`position ${o.position.join('|')} does not match the world`);
  }
  return s as RunSpec;
}

/** Runtime options a spec implies: no plugins, reference thermodynamics and quirks. */
export function specRuntimeOptions(spec: RunSpec): RuntimeOptionsInput {
  return {
    shape: spec.shape,
    toroidal: String(spec.topology ?? 'TORUS').toUpperCase() === 'TORUS',
    seed: BigInt(spec.seed ?? 42),
    labelMatching: { selectionSpread: spec.selectionSpread ?? 0 },
    thermodynamics: referenceThermodynamics(),
    quirks: 'reference',
    plugins: [],
  };
}

/** Builds the simulation of a spec: organisms in order (ids 1, 2, …), then the extra unowned cells. */
export function simulationFromSpec(
  spec: RunSpec,
  loadProgram: (file: string, root: string | undefined) => PlaceableProgram,
  overrides: RuntimeOptionsInput = {},
  threading: SimulationThreading = {},
): Simulation {
  const sim = new Simulation({ ...specRuntimeOptions(spec), ...overrides }, threading);
  for (const o of spec.organisms) sim.placeProgram(loadProgram(o.file, o.root), o.position, o.energy);
  for (const extra of spec.extraCells ?? []) {
    const mol = extra.type === 0 && extra.value === 0 ? 0 : ((extra.type & 0xff) << 20) | (extra.value & 0xfffff);
    const at: number[][] = extra.at ? extra.at.slice() : [];
    if (extra.grid) {
      const { from, to, step } = extra.grid;
      const rec = (d: number, c: number[]): void => {
        if (d === from.length) {
          at.push(c.slice());
          return;
        }
        for (let v = from[d]!; v <= to[d]!; v += step[d]!) {
          c[d] = v;
          rec(d + 1, c);
        }
      };
      rec(0, new Array<number>(from.length).fill(0));
    }
    for (const c of at) sim.placeUnowned(c, mol);
  }
  return sim;
}

/** Converts a compiled-layout JSON (`expected.json` format: machineCodeLayout / initialWorldObjects). */
export function programFromLayoutJson(json: unknown): PlaceableProgram {
  const j = json as { machineCodeLayout?: number[][]; initialWorldObjects?: number[][]; programId?: string };
  if (!Array.isArray(j.machineCodeLayout)) throw new RunSpecError('layout JSON has no machineCodeLayout');
  return { code: j.machineCodeLayout, objects: j.initialWorldObjects ?? [], programId: j.programId ?? '' };
}
