import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFileOrThrow } from '../../../src/compiler/index.js';
import { restoreCheckpoint, saveCheckpoint } from '../../../src/runtime/checkpoint.js';
import { defaultPlugins } from '../../../src/runtime/config.js';
import { RuntimeConfigError } from '../../../src/runtime/errors.js';
import { programFromArtifact } from '../../../src/runtime/program.js';
import { Simulation, type SimulationThreading } from '../../../src/runtime/simulation.js';
import { stateHash } from '../../../src/runtime/state-hash.js';
import { randomWorld } from './random-world.js';

const REPLICATOR = resolve(__dirname, '../../../assembly/replicator.evo');
/** Every tick through the plan workers, however few organisms (the default waits for hundreds per thread). */
const always = (threads: number): SimulationThreading => ({ threads, minOrganismsPerThread: 1 });
/** Every plan on a worker (this thread only executes). */
const workersOnly = (threads: number): SimulationThreading => ({
  threads,
  minOrganismsPerThread: 1,
  ownerPlans: false,
});

const open: Simulation[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function track(sim: Simulation): Simulation {
  open.push(sim);
  return sim;
}

/** 48 replicators in rows (they give birth from about tick 2,500 on). */
function replicatorWorld(seed: bigint, threading: SimulationThreading): Simulation {
  const world = { shape: [256, 256], toroidal: true };
  const sim = track(new Simulation({ shape: world.shape, seed, plugins: defaultPlugins() }, threading));
  const program = programFromArtifact(compileFileOrThrow(REPLICATOR, { world }));
  for (let k = 0; k < 48; k++) sim.placeProgram(program, [(k % 2) * 128 + 2, Math.floor(k / 2) * 10 + 3], 100_000);
  return sim;
}

/** Steps all simulations together and expects one state hash among them after every `every` ticks. */
function expectSameEveryTick(sims: Simulation[], ticks: number, every = 1): void {
  for (let t = 1; t <= ticks; t++) {
    const hashes = new Set<string>();
    for (const s of sims) {
      s.step();
      s.pruneDead();
      if (t % every === 0) hashes.add(stateHash(s));
    }
    if (t % every !== 0) continue;
    expect(hashes.size, `tick ${sims[0]!.tick}: state hashes differ between thread counts`).toBe(1);
  }
}

describe('multi-threaded planning (runtime/threads)', () => {
  it('gives the same state every tick with 1, 2 and 3 threads: random genomes (every instruction, stack operands, failures, deaths)', () => {
    for (const [shape, toroidal] of [
      [[48, 40], true],
      [[30, 30], false],
      [[12, 10, 8], true],
    ] as const) {
      const sims = [
        track(randomWorld([...shape], toroidal, 'fixed', 17, 160, always(1))),
        track(randomWorld([...shape], toroidal, 'fixed', 17, 160, always(2))),
        track(randomWorld([...shape], toroidal, 'fixed', 17, 160, workersOnly(3))),
      ];
      expectSameEveryTick(sims, 150);
      expect(sims[0]!.totalInstructions).toBeGreaterThan(150 * 50);
      expect(sims[0]!.totalDeaths).toBeGreaterThan(0);
    }
  });

  it('gives the same state with 1, 2 and 4 threads: our replicator with every plugin (births, mutation)', () => {
    const sims = [1, 2, 4].map((threads) => replicatorWorld(3n, always(threads)));
    expectSameEveryTick(sims, 3500, 25);
    expect(sims[0]!.totalBirths).toBeGreaterThan(0);
  });

  it('resumes a checkpoint into a threaded simulation exactly', () => {
    const straight = replicatorWorld(5n, {});
    straight.run(3200);
    const first = replicatorWorld(5n, always(2));
    first.run(1500);
    const resumed = track(restoreCheckpoint(JSON.parse(JSON.stringify(saveCheckpoint(first))), always(2)));
    resumed.run(1700);
    expect(straight.totalBirths).toBeGreaterThan(0);
    expect(stateHash(resumed)).toBe(stateHash(straight));
  });

  it('runs on one thread after close, with the same result', () => {
    const a = replicatorWorld(9n, always(2));
    const b = replicatorWorld(9n, {});
    a.run(200);
    a.close();
    a.run(200);
    b.run(400);
    expect(stateHash(a)).toBe(stateHash(b));
  });

  it('refuses a thread count that is not a whole number from 1 to 256', () => {
    expect(() => new Simulation({ shape: [8, 8] }, { threads: 0 })).toThrow(RuntimeConfigError);
    expect(() => new Simulation({ shape: [8, 8] }, { threads: 1.5 })).toThrow(/threads must be a whole number/);
  });
});
