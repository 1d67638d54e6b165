import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { programFromArtifact } from '../../../src/runtime/program.js';
import { Simulation } from '../../../src/runtime/simulation.js';
import { referenceThermodynamics, type RuntimeOptionsInput } from '../../../src/runtime/config.js';
import { registerSlot, type Organism } from '../../../src/runtime/organism.js';
import { registerIdByName } from '../../../src/isa/registers.js';

export const DATA = (v: number): number => (1 << 20) | (v & 0xfffff);
export const ENERGY = (v: number): number => (2 << 20) | (v & 0xfffff);
export const STRUCTURE = (v: number): number => (3 << 20) | (v & 0xfffff);

export interface TestRun {
  sim: Simulation;
  org: Organism;
  /** Steps one tick and prunes the dead. */
  step(n?: number): void;
  /** Register content by name (`%DR0`, `%LR1`, …): a packed scalar or a vector. */
  reg(name: string): number | number[];
}

/** Compiles `source` for the world and places it at `position`; plugins off, reference thermodynamics. */
export function load(
  source: string,
  opts: { shape?: number[]; position?: number[]; energy?: number; options?: RuntimeOptionsInput } = {},
): TestRun {
  const shape = opts.shape ?? [32, 32];
  const artifact = compileSourceOrThrow(source, { world: { shape, toroidal: true } });
  const sim = new Simulation({
    shape,
    seed: 42n,
    plugins: [],
    thermodynamics: referenceThermodynamics(),
    quirks: 'reference',
    labelMatching: { selectionSpread: 0 },
    ...(opts.options ?? {}),
  });
  const org = sim.placeProgram(
    programFromArtifact(artifact),
    opts.position ?? shape.map(() => 2),
    opts.energy ?? 10000,
  );
  return {
    sim,
    org,
    step(n = 1) {
      for (let i = 0; i < n; i++) {
        sim.step();
        sim.pruneDead();
      }
    },
    reg(name: string) {
      const id = registerIdByName(name);
      if (id === undefined) throw new Error(`no register ${name}`);
      const slot = registerSlot(id);
      if (org.regIsVec[slot] === 1) return Array.from(org.regVec.subarray(slot * org.dims, (slot + 1) * org.dims));
      return org.regScalar[slot]!;
    },
  };
}

/** Runs until the organism has executed `n` real instructions (ticks; NOP-padding is free). */
export function run(source: string, ticks: number, opts: Parameters<typeof load>[1] = {}): TestRun {
  const t = load(source, opts);
  t.step(ticks);
  return t;
}
