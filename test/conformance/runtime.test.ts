import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunSpec, programFromLayoutJson, simulationFromSpec, type RunSpec } from '../../src/runtime/spec.js';
import { programFromArtifact } from '../../src/runtime/program.js';
import { compileFileOrThrow } from '../../src/compiler/index.js';
import type { PlaceableProgram, Simulation, SimulationThreading } from '../../src/runtime/simulation.js';
import { TraceRecorder, type TraceOrganism } from '../../src/runtime/trace/trace-recorder.js';

const ROOT = resolve(__dirname, '../../../shared/conformance/runtime');
const cases = existsSync(ROOT)
  ? readdirSync(ROOT)
      .filter((d) => existsSync(join(ROOT, d, 'spec.json')))
      .sort()
  : [];

/** First difference between two JSON values, as a path. */
function firstDiff(a: unknown, b: unknown, path: string): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != expected ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDiff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

function compareLine(
  got: { orgs: TraceOrganism[]; cells: number[][] },
  exp: { orgs: TraceOrganism[]; cells: number[][] },
  t: string,
): string | null {
  const gotIds = got.orgs.map((o) => o.id);
  const expIds = exp.orgs.map((o) => o.id);
  if (gotIds.join() !== expIds.join()) return `tick ${t}: organisms [${gotIds}] != expected [${expIds}]`;
  for (let i = 0; i < exp.orgs.length; i++) {
    const d = firstDiff(got.orgs[i], exp.orgs[i], `org ${exp.orgs[i]!.id}`);
    if (d) return `tick ${t}: ${d}`;
  }
  const d = firstDiff(got.cells, exp.cells, 'cells');
  return d ? `tick ${t}: ${d}` : null;
}

type Loader = (dir: string, file: string, shape: number[], toroidal: boolean) => PlaceableProgram;

/** Places the reference's own compiled layouts (expected.json): tests the runtime alone. */
const fromExpectedLayout: Loader = (dir, file) =>
  programFromLayoutJson(JSON.parse(readFileSync(join(dir, file.replace(/\.evo$/, '.expected.json')), 'utf8')));

/** Compiles the case's .evo with our compiler: tests compiler + runtime end to end. */
const fromOurCompiler: Loader = (dir, file, shape, toroidal) =>
  programFromArtifact(compileFileOrThrow(join(dir, file), { world: { shape, toroidal } }));

function runCase(name: string, loader: Loader, threading: SimulationThreading = {}): void {
  const dir = join(ROOT, name);
  const spec = parseRunSpec(JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')));
  const toroidal = String(spec.topology).toUpperCase() === 'TORUS';
  const sim = simulationFromSpec(spec, (file) => loader(dir, file, spec.shape, toroidal), {}, threading);
  try {
    compareWithTrace(name, sim, dir, spec);
  } finally {
    sim.close();
  }
}

function compareWithTrace(name: string, sim: Simulation, dir: string, spec: RunSpec): void {
  const lines = gunzipSync(readFileSync(join(dir, spec.trace ?? 'trace.jsonl.gz')))
    .toString('utf8')
    .trim()
    .split('\n');
  const rec = new TraceRecorder(sim);
  const init = rec.initLine();
  const d0 = firstDiff(init, JSON.parse(lines[0]!), 'init');
  expect(d0, `${name} init`).toBeNull();
  let mismatch: string | null = null;
  let compared = 0;
  for (let k = 1; k < lines.length && mismatch === null; k++) {
    sim.step();
    const got = rec.tickLine();
    const exp = JSON.parse(lines[k]!);
    if (got.seed !== exp.seed) mismatch = `tick ${exp.t}: seed ${got.seed} != ${exp.seed}`;
    else mismatch = compareLine(got, exp, String(exp.t));
    sim.pruneDead();
    compared++;
  }
  expect(mismatch, `${name}: first mismatch`).toBeNull();
  expect(compared).toBe(spec.ticks);
}

// No silent skip: without ../shared/conformance the suite fails here.
it('finds the reference cases in ../shared/conformance/runtime', () => {
  expect(cases.length, '../shared/conformance/runtime is missing or empty').toBeGreaterThan(0);
});

describe('runtime conformance (reference traces, reference layouts)', () => {
  for (const name of cases) it(name, () => runCase(name, fromExpectedLayout));
});

describe('runtime conformance (reference traces, our compiler)', () => {
  for (const name of cases) it(name, () => runCase(name, fromOurCompiler));
});

describe('runtime conformance with 2 and 3 planning threads (every tick through the plan workers)', () => {
  for (const threads of [2, 3])
    for (const name of cases)
      it(`${name}, ${threads} threads`, () =>
        runCase(name, fromExpectedLayout, { threads, minOrganismsPerThread: 1, ownerPlans: false }));
});
