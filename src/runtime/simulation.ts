import { resolveRuntimeOptions, type RuntimeOptions, type RuntimeOptionsInput } from './config.js';
import { RuntimeConfigError, WorldShapeError } from './errors.js';
import { LabelMatcher } from './labels/label-matcher.js';
import { Organism, organismBlockBytes } from './organism.js';
import { OrganismMemory } from './organism-memory.js';
import { computeGenomeHash } from './genome-hash.js';
import { PluginRandom } from './rng/plugin-random.js';
import { tickSeedOf, toSigned64 } from './rng/splitmix64.js';
import * as S from './rng/splitmix64-32.js';
import { PolicyTable } from './thermodynamics/policy-table.js';
import { buildHandlerTable } from './vm/handlers/index.js';
import { VirtualMachine, type VmHost } from './vm/vm.js';
import { World } from './world.js';
import { PlanPool } from './threads/plan-pool.js';
import { DEFAULT_MIN_ORGANISMS_PER_THREAD } from './threads/plan-protocol.js';
import {
  createPlugins,
  type BirthHandler,
  type DeathHandler,
  type PluginSet,
  type TickPlugin,
} from './plugins/registry.js';

/** A program placed into the world: relative code cells and extra world objects (both relative coords). */
export interface PlaceableProgram {
  /** [coords..., packed molecule]: every layout cell, explicit NOPs as 0. */
  code: ReadonlyArray<readonly number[]>;
  /** [coords..., typeId, value, marker]: `.PLACE` objects; written after the code, marker dropped. */
  objects?: ReadonlyArray<readonly number[]>;
  programId?: string;
}

export { DEFAULT_MIN_ORGANISMS_PER_THREAD };

/** How a simulation uses threads (never what it computes: any setting gives the same run). */
export interface SimulationThreading {
  /** Threads that plan each tick's instructions, this one included (1: no workers). Default 1. */
  threads?: number;
  /** Fewer living organisms than this per thread are planned on this thread alone (workers cost a hand-off). */
  minOrganismsPerThread?: number;
  /**
   * Whether this thread plans chunks too while it waits for the workers (default true). False routes every plan
   * through a worker: the tests use it, as small worlds are otherwise planned here before a worker wakes.
   */
  ownerPlans?: boolean;
}

/** Per-tick counters (reset at the start of every tick). */
export interface TickStats {
  births: number;
  deaths: number;
  instructions: number;
}

const handlerTable = buildHandlerTable();

/**
 * The simulation: world + organisms + VM + plugins, advanced one tick at a time in the reference order
 * (tick plugins → plan/wave 1 → conflict resolution/wave 2 → deaths → births). Deterministic for a given
 * seed and configuration; `tick()` may be called in any rhythm (pausing changes nothing).
 */
export class Simulation implements VmHost {
  readonly options: RuntimeOptions;
  readonly world: World;
  readonly vm: VirtualMachine;
  readonly pluginRandom: PluginRandom;
  readonly plugins: PluginSet;
  /** Living organisms (plus those that died this tick, until `pruneDead`). Creation order. */
  organisms: Organism[] = [];
  /** Where the organisms' hot state lives (blocks of pruned organisms are reused: see pruneDead). */
  readonly memory: OrganismMemory;
  tick = 0;
  nextOrganismId = 1;
  totalBirths = 0;
  totalDeaths = 0;
  /** Most organisms alive after any tick (or placement), and the first tick after which none was (-1: none yet). */
  peakAlive = 0;
  extinctionTick = -1;
  totalInstructions = 0;
  readonly lastTick: TickStats = { births: 0, deaths: 0, instructions: 0 };
  private newborns: Organism[] = [];
  private tickSeedCache: bigint | null = null;
  private readonly seedU: bigint;
  /** The seed's unsigned halves (the tick seed is computed from them without BigInts). */
  private readonly seedHi: number;
  private readonly seedLo: number;
  private wave2: Organism[] = [];
  private diedWave1: Organism[] = [];
  /** How this simulation plans each tick (see SimulationThreading; a fork takes it over). */
  readonly threading: Required<SimulationThreading>;
  private readonly minParallel: number;
  /** The plan workers (started at the first tick that uses them). */
  private planPool: PlanPool | null = null;
  /** The organism array the pool's block list describes, and how many of its first organisms it lists. */
  private listed: Organism[] | null = null;
  private listedCount = 0;
  private closed = false;

  constructor(input: RuntimeOptionsInput | RuntimeOptions = {}, threading: SimulationThreading = {}) {
    this.options = resolveRuntimeOptions(input as RuntimeOptionsInput);
    const o = this.options;
    const threads = threading.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256)
      throw new RuntimeConfigError(`threads must be a whole number from 1 to 256, got ${threads}`);
    const perThread = threading.minOrganismsPerThread ?? DEFAULT_MIN_ORGANISMS_PER_THREAD;
    this.threading = { threads, minOrganismsPerThread: perThread, ownerPlans: threading.ownerPlans ?? true };
    this.minParallel = threads * perThread;
    const shared = threads > 1;
    this.world = new World(o.shape, o.toroidal, shared ? 'shared' : 'local');
    this.memory = new OrganismMemory(organismBlockBytes(this.world.dims), undefined, shared);
    this.seedU = BigInt.asUintN(64, o.seed);
    S.fromBigInt(this.seedU);
    this.seedHi = S.H;
    this.seedLo = S.L;
    const policy = new PolicyTable(o.thermodynamics);
    const matcher = new LabelMatcher(this.world, o.labelMatching);
    this.vm = new VirtualMachine(this.world, policy, o.organism, o.quirks, matcher, this, handlerTable);
    this.pluginRandom = new PluginRandom(o.seed);
    this.plugins = createPlugins(o.plugins);
  }

  /** `mix(seed ^ mix(tick))` of the current tick (computed once per tick, on demand). */
  tickSeed(): bigint {
    if (this.tickSeedCache === null) {
      S.tickSeed(this.seedHi, this.seedLo, this.tick);
      this.tickSeedCache = S.toBigInt(S.H, S.L);
    }
    return this.tickSeedCache;
  }

  /** Signed tick seed of any tick (as the conformance traces print it). */
  tickSeedOfTick(tick: number): bigint {
    return toSigned64(tickSeedOf(this.seedU, tick));
  }

  // ------------------------------------------------------------------ placement

  /** Creates an organism at `position` with `energy`; it acts from the next tick. */
  createOrganism(position: readonly number[], energy: number): Organism {
    if (position.length !== this.world.dims) {
      throw new WorldShapeError(`position has ${position.length} coordinates, the world has ${this.world.dims}`);
    }
    const p = Int32Array.from(position);
    this.world.normalize(p);
    const org = new Organism(this.nextOrganismId++, p, energy, this.tick, this.memory);
    this.organisms.push(org);
    return org;
  }

  /**
   * Places a compiled program: creates the organism, writes its layout (owned, CODE:0 unowned), then its
   * world objects (marker dropped). Returns the organism.
   */
  placeProgram(program: PlaceableProgram, position: readonly number[], energy: number): Organism {
    const org = this.createOrganism(position, energy);
    org.programId = program.programId ?? '';
    const dims = this.world.dims;
    const c = new Int32Array(dims);
    for (const cell of program.code) {
      for (let d = 0; d < dims; d++) c[d] = position[d]! + cell[d]!;
      const idx = this.world.indexOf(c);
      const mol = cell[dims]! | 0;
      this.world.setCell(idx, mol, mol === 0 ? 0 : org.id);
    }
    for (const obj of program.objects ?? []) {
      for (let d = 0; d < dims; d++) c[d] = position[d]! + obj[d]!;
      const idx = this.world.indexOf(c);
      const type = obj[dims]!;
      const value = obj[dims + 1]!;
      const mol = type === 0 && value === 0 ? 0 : ((type & 0xff) << 20) | (value & 0xfffff);
      this.world.setCell(idx, mol, mol === 0 ? 0 : org.id);
    }
    org.genomeHash = computeGenomeHash(this.world, org);
    // Placement happens between ticks, after the dead were pruned: every listed organism is alive.
    this.peakAlive = Math.max(this.peakAlive, this.organisms.length);
    return org;
  }

  /** Writes an unowned molecule unless the cell is non-empty or owned. Returns whether it was placed. */
  placeUnowned(coords: readonly number[], molecule: number): boolean {
    const idx = this.world.indexOf(coords);
    if (idx < 0 || this.world.cells[idx] !== 0 || this.world.owners[idx] !== 0) return false;
    this.world.setCell(idx, molecule, 0);
    return true;
  }

  // ------------------------------------------------------------------ VmHost

  spawnChild(parent: Organism, childIp: Int32Array, energy: number, dv: Int32Array): Organism {
    const child = new Organism(this.nextOrganismId++, childIp, energy, this.tick, this.memory);
    child.parentId = parent.id;
    child.programId = parent.programId;
    child.dv.set(dv);
    child.dvBefore.set(dv);
    child.dvDirty = true;
    this.newborns.push(child);
    return child;
  }

  // ------------------------------------------------------------------ the tick

  step(): void {
    const vm = this.vm;
    const stats = this.lastTick;
    stats.births = 0;
    stats.deaths = 0;
    stats.instructions = 0;
    this.tickSeedCache = null;
    if (this.newborns.length !== 0) this.newborns.length = 0;

    for (const p of this.plugins.tick) p.onTick(this);

    const wave2 = this.wave2;
    if (wave2.length !== 0) wave2.length = 0; // (setting an array's length is a runtime call)
    const diedWave1 = this.diedWave1;
    if (diedWave1.length !== 0) diedWave1.length = 0;
    const orgs = this.organisms;
    let executed = 0;
    if (this.threads > 1 && !this.closed && orgs.length >= this.minParallel) executed = this.firstWaveThreaded();
    else
      for (let i = 0; i < orgs.length; i++) {
        // firstWave inlined by hand: this loop is the single-threaded tick (a call and a counter field cost ~3 %).
        const o = orgs[i]!;
        if (o.dead) continue;
        vm.plan(o);
        if (o.plannedWave2) {
          wave2.push(o);
          continue;
        }
        vm.run(o);
        executed++;
        if (o.dead) diedWave1.push(o);
      }

    if (wave2.length > 0) {
      this.resolveConflicts(wave2);
      for (let i = 0; i < wave2.length; i++) {
        const o = wave2[i]!;
        if (o.plannedTarget === -3) {
          vm.executeLoser(o);
          if (!o.dead) vm.skipChargingStall(o);
        } else vm.run(o);
        executed++;
      }
    }

    for (const o of diedWave1) this.handleDeath(o);
    for (const o of wave2) if (o.dead) this.handleDeath(o);

    for (const child of this.newborns) {
      for (const h of this.plugins.birth) h.onBirth(this, child);
      child.genomeHash = computeGenomeHash(this.world, child);
      this.organisms.push(child);
      stats.births++;
    }
    this.totalBirths += stats.births;
    this.totalDeaths += stats.deaths;
    stats.instructions = executed;
    this.totalInstructions += executed;
    if (this.newborns.length !== 0) this.newborns.length = 0;
    this.tick++;
    // The population only changes with a birth or a death (counting is O(organisms), so only then).
    if (stats.births !== 0 || stats.deaths !== 0) {
      const alive = this.aliveCount;
      if (alive > this.peakAlive) this.peakAlive = alive;
      else if (alive === 0 && this.extinctionTick < 0) this.extinctionTick = this.tick;
    }
  }

  /**
   * Wave 1 with plan workers: planned on all threads, chunk by chunk, executed here in list order (a world writer
   * waits for wave 2, as in `step`'s single-threaded loop). Returns the organisms executed.
   */
  private firstWaveThreaded(): number {
    const vm = this.vm;
    const orgs = this.organisms;
    const pool = (this.planPool ??= new PlanPool(
      this.options,
      this.world,
      this.memory,
      this.threads,
      this.threading.ownerPlans,
    ));
    this.listBlocks(pool);
    const n = orgs.length;
    for (let i = 0; i < n; i++) orgs[i]!.sharePlanInputs();
    pool.begin(n);
    let planned = 0;
    let here = false;
    let executed = 0;
    for (let i = 0; i < n; i++) {
      if (i === planned) {
        planned = pool.planned(vm, orgs, i);
        here = pool.chunkPlannedHere;
      }
      const o = orgs[i]!;
      if (o.dead) continue;
      if (!here) {
        o.takePlanOutputs();
        if (!o.randomBound) vm.bindRandom(o);
        if (o.planDeferred) vm.resolveDeferred(o);
      }
      if (o.plannedWave2) {
        this.wave2.push(o);
        continue;
      }
      vm.run(o);
      executed++;
      if (o.dead) this.diedWave1.push(o);
    }
    pool.finish();
    return executed;
  }

  /** Runs `n` ticks, pruning dead organisms after each (no per-tick observers). */
  run(n: number): void {
    for (let i = 0; i < n; i++) {
      this.step();
      this.pruneDead();
    }
  }

  /**
   * Per contested cell the organism with the smallest per-tick stream seed (signed 64-bit) wins, ties to
   * the lower id; losers are marked with plannedTarget = -3. Priorities are only computed when a cell is
   * actually contested. Claims go into a reused open-addressing table (typed arrays, generation-stamped):
   * no allocation and no Map traffic per tick.
   */
  private resolveConflicts(wave2: Organism[]): void {
    const vm = this.vm;
    const n = wave2.length;
    if (this.claimNext.length < n) this.claimNext = new Int32Array(Math.max(n, this.claimNext.length * 2));
    let cap = this.claimKey.length;
    if (cap < n * 2) {
      while (cap < n * 2) cap *= 2;
      this.claimKey = new Int32Array(cap);
      this.claimGen = new Int32Array(cap);
      this.claimFirst = new Int32Array(cap);
      this.claimLast = new Int32Array(cap);
      this.claimContested = new Int32Array(cap);
      this.claimGeneration = 0;
    }
    if (++this.claimGeneration === 0x7fffffff) {
      this.claimGen.fill(0);
      this.claimGeneration = 1;
    }
    const g = this.claimGeneration;
    const key = this.claimKey;
    const stamp = this.claimGen;
    const first = this.claimFirst;
    const last = this.claimLast;
    const next = this.claimNext;
    const contested = this.claimContested;
    const mask = cap - 1;
    let nContested = 0;
    for (let i = 0; i < n; i++) {
      const o = wave2[i]!;
      const t = vm.unitTarget(o);
      if (t < 0) continue;
      o.plannedTarget = t;
      next[i] = -1;
      let h = Math.imul(t, 0x9e3779b1) & mask;
      for (;;) {
        if (stamp[h] !== g) {
          stamp[h] = g;
          key[h] = t;
          first[h] = i;
          last[h] = i;
          break;
        }
        if (key[h] === t) {
          if (first[h] === last[h]) contested[nContested++] = h;
          next[last[h]!] = i;
          last[h] = i;
          break;
        }
        h = (h + 1) & mask;
      }
    }
    for (let c = 0; c < nContested; c++) {
      const h = contested[c]!;
      let winner = wave2[first[h]!]!;
      for (let i = next[first[h]!]!; i >= 0; i = next[i]!) {
        const o = wave2[i]!;
        // The lowest signed seed wins, the lower id on a tie.
        if (o.random.seedBelow(winner.random) || (o.id < winner.id && o.random.seedEquals(winner.random))) winner = o;
      }
      for (let i = first[h]!; i >= 0; i = next[i]!) {
        const o = wave2[i]!;
        if (o !== winner) o.plannedTarget = -3;
      }
    }
  }

  /** Reused claim table of `resolveConflicts` (capacity: power of two, at least twice the wave-2 size). */
  private claimKey = new Int32Array(64);
  private claimGen = new Int32Array(64);
  private claimFirst = new Int32Array(64);
  private claimLast = new Int32Array(64);
  private claimContested = new Int32Array(64);
  private claimNext = new Int32Array(32);
  private claimGeneration = 0;

  private handleDeath(o: Organism): void {
    for (const h of this.plugins.death) h.onDeath(this, o);
    this.world.clearOwnership(o.id);
    this.lastTick.deaths++;
  }

  /** Drops organisms that died (call after observing the tick). */
  /**
   * Removes the dead from `organisms`. Their memory blocks go to the next births: a pruned Organism's typed arrays
   * must not be read afterwards (nothing in the runtime keeps one; plugins get organisms only while they live).
   */
  pruneDead(): void {
    let w = 0;
    const orgs = this.organisms;
    // The plan pool's block list follows the compaction (its listed prefix: the organisms kept from it stay first).
    const list = this.listed === orgs && this.planPool !== null ? this.planPool.blockList : null;
    const listed = this.listedCount;
    let keptListed = 0;
    for (let i = 0; i < orgs.length; i++) {
      const o = orgs[i]!;
      if (!o.dead) {
        if (list !== null && i < listed) list[keptListed++] = list[i]!;
        orgs[w++] = o;
      } else if (o.memoryBlock >= 0) {
        this.memory.release(o.memoryBlock);
        o.memoryBlock = -1;
      }
    }
    if (w !== orgs.length) orgs.length = w;
    if (list !== null) this.listedCount = keptListed;
  }

  /** Brings the plan pool's block list up to date with `organisms` (appends; the whole list for a new array). */
  private listBlocks(pool: PlanPool): void {
    const orgs = this.organisms;
    const n = orgs.length;
    const list = pool.ensureListCapacity(n);
    if (this.listed !== orgs || this.listedCount > n) {
      this.listed = orgs;
      this.listedCount = 0;
    }
    for (let i = this.listedCount; i < n; i++) list[i] = orgs[i]!.memoryBlock;
    this.listedCount = n;
  }

  /** Threads planning each tick. */
  get threads(): number {
    return this.threading.threads;
  }

  /** Stops the plan workers: a simulation with threads > 1 should be closed when done (later steps use one thread). */
  close(): void {
    this.closed = true;
    this.planPool?.close();
    this.planPool = null;
    this.listed = null;
  }

  get aliveCount(): number {
    let n = 0;
    for (const o of this.organisms) if (!o.dead) n++;
    return n;
  }
}

export type { TickPlugin, BirthHandler, DeathHandler };
