import type { RuntimeOptions } from './config.js';
import { CheckpointError } from './errors.js';
import { Organism, type DeathCause } from './organism.js';
import { JsonBytesWriter } from './json-bytes-writer.js';
import type { OrganismMemory } from './organism-memory.js';
import { Simulation, type SimulationThreading } from './simulation.js';

export const CHECKPOINT_VERSION = 1;

/** Saved register range (typed arrays as plain arrays so a checkpoint is JSON-serialisable). */
interface SnapshotState {
  isVec: number[];
  scalar: number[];
  vec: number[];
}

/** Everything that defines an organism, including per-tick flags that carry into the next tick. */
export interface OrganismState {
  id: number;
  parentId: number | null;
  birthTick: number;
  programId: string;
  genomeHash: string;
  ip: number[];
  dv: number[];
  dps: number[];
  activeDp: number;
  initialPosition: number[];
  er: number;
  sr: number;
  mr: number;
  regIsVec: number[];
  regScalar: number[];
  regVec: number[];
  ds: { isVec: number[]; scalar: number[]; vec: number[] };
  ls: number[];
  callStack: { label: number; returnIp: number[]; callIp: number[]; saved: SnapshotState }[];
  currentProc: number;
  staticBanks: [number, SnapshotState][];
  failed: boolean;
  failureReason: string | null;
  lastName: string | null;
  lastMolecule: number;
}

/** A full, JSON-serialisable simulation state. Restoring it and stepping gives the same run. */
export interface Checkpoint {
  version: number;
  options: Omit<RuntimeOptions, 'seed'> & { seed: string };
  tick: number;
  nextOrganismId: number;
  /** `peakAlive` and `extinctionTick` are absent in checkpoints written before they were kept. */
  totals: { births: number; deaths: number; instructions: number; peakAlive?: number; extinctionTick?: number };
  /** Base64 of the little-endian int32 cell and owner arrays. */
  cells: string;
  owners: string;
  pluginRandom: number[];
  /** Plugin-private state, index-aligned with `options.plugins`' tick plugins. */
  pluginStates: unknown[];
  organisms: OrganismState[];
}

/**
 * A typed array's values (from..to) as a plain array, for JSON: a loop, as Array.from walks the iterator
 * protocol (a checkpoint per snapshot copies ~15 arrays per organism; Array.from took most of its time).
 */
function numbers(a: Uint8Array | Int32Array, from = 0, to = a.length): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(a[i]!); // packed (new Array(n) is holey: JSON.stringify reads it slower)
  return out;
}

function snap(s: { isVec: Uint8Array; scalar: Int32Array; vec: Int32Array }): SnapshotState {
  return { isVec: numbers(s.isVec), scalar: numbers(s.scalar), vec: numbers(s.vec) };
}

function saveOrganism(o: Organism): OrganismState {
  const dims = o.dims;
  const callStack: OrganismState['callStack'] = [];
  for (let f = 0; f < o.csLen; f++) {
    callStack.push({
      label: o.csLabel[f]!,
      returnIp: numbers(o.csReturnIp, f * dims, f * dims + dims),
      callIp: numbers(o.csCallIp, f * dims, f * dims + dims),
      saved: snap(o.csSaved[f]!),
    });
  }
  return {
    id: o.id,
    parentId: o.parentId,
    birthTick: o.birthTick,
    programId: o.programId,
    genomeHash: o.genomeHash,
    ip: numbers(o.ip),
    dv: numbers(o.dv),
    dps: numbers(o.dps),
    activeDp: o.activeDp,
    initialPosition: numbers(o.initialPosition),
    er: o.er,
    sr: o.sr,
    mr: o.mr,
    regIsVec: numbers(o.regIsVec),
    regScalar: numbers(o.regScalar),
    regVec: numbers(o.regVec),
    ds: {
      isVec: numbers(o.dsIsVec, 0, o.dsLen),
      scalar: numbers(o.dsScalar, 0, o.dsLen),
      vec: numbers(o.dsVec, 0, o.dsLen * dims),
    },
    ls: numbers(o.ls, 0, o.lsLen * dims),
    callStack,
    currentProc: o.currentProc,
    staticBanks: [...o.staticBanks.entries()].map(([k, v]) => [k, snap(v)]),
    failed: o.failed,
    failureReason: o.failureReason,
    lastName: o.lastName,
    lastMolecule: o.lastMolecule,
  };
}

function loadOrganism(s: OrganismState, memory: OrganismMemory): Organism {
  const o = new Organism(s.id, s.initialPosition, s.er, s.birthTick, memory);
  const dims = o.dims;
  o.parentId = s.parentId;
  o.programId = s.programId;
  o.genomeHash = s.genomeHash;
  o.ip.set(s.ip);
  o.dv.set(s.dv);
  o.dps.set(s.dps);
  o.activeDp = s.activeDp;
  o.sr = s.sr;
  o.mr = s.mr;
  o.regIsVec.set(s.regIsVec);
  o.regScalar.set(s.regScalar);
  o.regVec.set(s.regVec);
  o.dsLen = s.ds.isVec.length;
  o.ensureDataStack(o.dsLen);
  o.dsIsVec.set(s.ds.isVec);
  o.dsScalar.set(s.ds.scalar);
  o.dsVec.set(s.ds.vec);
  o.lsLen = s.ls.length / dims;
  o.ls.set(s.ls);
  for (const f of s.callStack) {
    o.ensureCallStackCapacity();
    const i = o.csLen++;
    o.csLabel[i] = f.label;
    o.csReturnIp.set(f.returnIp, i * dims);
    o.csCallIp.set(f.callIp, i * dims);
    const dst = o.csSaved[i]!;
    dst.isVec.set(f.saved.isVec);
    dst.scalar.set(f.saved.scalar);
    dst.vec.set(f.saved.vec);
  }
  o.currentProc = s.currentProc;
  for (const [k, v] of s.staticBanks) {
    o.staticBanks.set(k, {
      isVec: Uint8Array.from(v.isVec),
      scalar: Int32Array.from(v.scalar),
      vec: Int32Array.from(v.vec),
    });
  }
  o.failed = s.failed;
  o.failureReason = s.failureReason;
  o.lastName = s.lastName;
  o.lastMolecule = s.lastMolecule;
  return o;
}

function toBase64(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string, size: number): Int32Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== size * 4)
    throw new CheckpointError(`world array has ${buf.byteLength / 4} cells, expected ${size}`);
  const out = new Int32Array(size);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** The options as a checkpoint holds them (JSON-safe: the seed as a decimal string). */
function checkpointOptions(sim: Simulation): Checkpoint['options'] {
  const { seed, ...rest } = sim.options;
  return { ...structuredClone(rest), seed: seed.toString() };
}

/**
 * Captures the state between two ticks (call after `pruneDead`). Dead organisms are not saved; the world's
 * changed-cell tracking is not part of a checkpoint (a restored run starts with no pending changes).
 */
export function saveCheckpoint(sim: Simulation): Checkpoint {
  return {
    version: CHECKPOINT_VERSION,
    options: checkpointOptions(sim),
    tick: sim.tick,
    nextOrganismId: sim.nextOrganismId,
    totals: {
      births: sim.totalBirths,
      deaths: sim.totalDeaths,
      instructions: sim.totalInstructions,
      peakAlive: sim.peakAlive,
      extinctionTick: sim.extinctionTick,
    },
    cells: toBase64(sim.world.cells),
    owners: toBase64(sim.world.owners),
    pluginRandom: sim.pluginRandom.getState(),
    pluginStates: sim.plugins.tick.map((p) => (p.saveState ? p.saveState() : null)),
    organisms: sim.organisms.filter((o) => !o.dead).map(saveOrganism),
  };
}

/**
 * The UTF-8 bytes of `JSON.stringify(saveCheckpoint(sim))` without the world arrays (`cells`, `owners`), written
 * directly: the engine stores one with every chunk, and building ~20 arrays per organism for JSON.stringify to
 * walk, then formatting ~10,000 numbers as strings, was most of that cost. The text is the same
 * (test/unit/runtime/fuzz.test.ts).
 */
export function checkpointJsonWithoutWorld(sim: Simulation): Uint8Array {
  const w = jsonWriter;
  w.reset();
  // saveCheckpoint's fields in its order (without cells and owners), with the options' JSON kept per options
  // object (they stay the same for a simulation's life; cloning and writing them was a third of the cost).
  w.ascii('{"version":');
  w.number(CHECKPOINT_VERSION);
  w.ascii(',"options":');
  w.text(optionsJson(sim));
  w.ascii(',"tick":');
  w.number(sim.tick);
  w.ascii(',"nextOrganismId":');
  w.number(sim.nextOrganismId);
  w.ascii(',"totals":{"births":');
  w.number(sim.totalBirths);
  w.ascii(',"deaths":');
  w.number(sim.totalDeaths);
  w.ascii(',"instructions":');
  w.number(sim.totalInstructions);
  w.ascii(',"peakAlive":');
  w.number(sim.peakAlive);
  w.ascii(',"extinctionTick":');
  w.number(sim.extinctionTick);
  w.ascii('},"pluginRandom":');
  w.text(JSON.stringify(sim.pluginRandom.getState()));
  w.ascii(',"pluginStates":');
  w.text(JSON.stringify(sim.plugins.tick.map((p) => (p.saveState ? p.saveState() : null))));
  w.ascii(',"organisms":[');
  let first = true;
  for (const o of sim.organisms) {
    if (o.dead) continue;
    if (!first) w.ascii(',');
    first = false;
    writeOrganismJson(w, o);
  }
  w.ascii(']}');
  return w.bytes();
}

/** Reused: one checkpoint is written at a time, and its bytes are copied out. */
const jsonWriter = new JsonBytesWriter();

/** The JSON of a simulation's options in a checkpoint, per options object (never changed after a simulation starts). */
const optionsJsonCache = new WeakMap<object, string>();
function optionsJson(sim: Simulation): string {
  let json = optionsJsonCache.get(sim.options);
  if (json === undefined) {
    json = JSON.stringify(checkpointOptions(sim));
    optionsJsonCache.set(sim.options, json);
  }
  return json;
}

function writeSnapshotJson(w: JsonBytesWriter, s: { isVec: Uint8Array; scalar: Int32Array; vec: Int32Array }): void {
  w.ascii('{"isVec":');
  w.ints(s.isVec);
  w.ascii(',"scalar":');
  w.ints(s.scalar);
  w.ascii(',"vec":');
  w.ints(s.vec);
  w.ascii('}');
}

/** `JSON.stringify(saveOrganism(o))`, field for field in the same order. */
function writeOrganismJson(w: JsonBytesWriter, o: Organism): void {
  const dims = o.dims;
  w.ascii('{"id":');
  w.number(o.id);
  w.ascii(',"parentId":');
  w.number(o.parentId);
  w.ascii(',"birthTick":');
  w.number(o.birthTick);
  w.ascii(',"programId":');
  w.string(o.programId);
  w.ascii(',"genomeHash":');
  w.string(o.genomeHash);
  w.ascii(',"ip":');
  w.ints(o.ip);
  w.ascii(',"dv":');
  w.ints(o.dv);
  w.ascii(',"dps":');
  w.ints(o.dps);
  w.ascii(',"activeDp":');
  w.number(o.activeDp);
  w.ascii(',"initialPosition":');
  w.ints(o.initialPosition);
  w.ascii(',"er":');
  w.number(o.er);
  w.ascii(',"sr":');
  w.number(o.sr);
  w.ascii(',"mr":');
  w.number(o.mr);
  w.ascii(',"regIsVec":');
  w.ints(o.regIsVec);
  w.ascii(',"regScalar":');
  w.ints(o.regScalar);
  w.ascii(',"regVec":');
  w.ints(o.regVec);
  w.ascii(',"ds":{"isVec":');
  w.ints(o.dsIsVec, 0, o.dsLen);
  w.ascii(',"scalar":');
  w.ints(o.dsScalar, 0, o.dsLen);
  w.ascii(',"vec":');
  w.ints(o.dsVec, 0, o.dsLen * dims);
  w.ascii('},"ls":');
  w.ints(o.ls, 0, o.lsLen * dims);
  w.ascii(',"callStack":[');
  for (let f = 0; f < o.csLen; f++) {
    w.ascii(f > 0 ? ',{"label":' : '{"label":');
    w.number(o.csLabel[f]!);
    w.ascii(',"returnIp":');
    w.ints(o.csReturnIp, f * dims, f * dims + dims);
    w.ascii(',"callIp":');
    w.ints(o.csCallIp, f * dims, f * dims + dims);
    w.ascii(',"saved":');
    writeSnapshotJson(w, o.csSaved[f]!);
    w.ascii('}');
  }
  w.ascii('],"currentProc":');
  w.number(o.currentProc);
  w.ascii(',"staticBanks":[');
  let firstBank = true;
  for (const [k, v] of o.staticBanks) {
    w.ascii(firstBank ? '[' : ',[');
    firstBank = false;
    w.number(k);
    w.ascii(',');
    writeSnapshotJson(w, v);
    w.ascii(']');
  }
  w.ascii('],"failed":');
  w.ascii(o.failed ? 'true' : 'false');
  w.ascii(',"failureReason":');
  w.string(o.failureReason);
  w.ascii(',"lastName":');
  w.string(o.lastName);
  w.ascii(',"lastMolecule":');
  w.number(o.lastMolecule);
  w.ascii('}');
}

/** Rebuilds a simulation from a checkpoint; stepping it continues the original run exactly. */
export function restoreCheckpoint(cp: Checkpoint, threading: SimulationThreading = {}): Simulation {
  if (cp.version !== CHECKPOINT_VERSION) throw new CheckpointError(`unsupported checkpoint version ${cp.version}`);
  const sim = new Simulation({ ...cp.options, seed: BigInt(cp.options.seed) }, threading);
  const world = sim.world;
  world.cells.set(fromBase64(cp.cells, world.size));
  world.owners.set(fromBase64(cp.owners, world.size));
  world.rebuildIndexes();
  world.drainChanged();
  sim.tick = cp.tick;
  sim.nextOrganismId = cp.nextOrganismId;
  sim.totalBirths = cp.totals.births;
  sim.totalDeaths = cp.totals.deaths;
  sim.totalInstructions = cp.totals.instructions;
  sim.pluginRandom.setState(cp.pluginRandom);
  sim.plugins.tick.forEach((p, i) => {
    if (i < cp.pluginStates.length) p.loadState?.(cp.pluginStates[i]);
  });
  sim.organisms = cp.organisms.map((s) => loadOrganism(s, sim.memory));
  sim.peakAlive = cp.totals.peakAlive ?? sim.organisms.length;
  sim.extinctionTick = cp.totals.extinctionTick ?? -1;
  return sim;
}

export type { DeathCause };
