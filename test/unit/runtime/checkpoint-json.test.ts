import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { OPCODES } from '../../../src/isa/opcodes.js';
import { compileFileOrThrow } from '../../../src/compiler/index.js';
import { programFromArtifact } from '../../../src/runtime/program.js';
import { Simulation } from '../../../src/runtime/simulation.js';
import { defaultPlugins } from '../../../src/runtime/config.js';
import { PluginRandom } from '../../../src/runtime/rng/plugin-random.js';
import { checkpointJson, saveCheckpoint, type Checkpoint } from '../../../src/runtime/checkpoint.js';
import { load } from './helpers.js';

/**
 * checkpointJson writes a checkpoint's JSON text by hand (the engine takes one at every snapshot); it must be
 * JSON.stringify(saveCheckpoint(sim)) character for character, or stored snapshots would change with it.
 */
const REPLICATOR = resolve(__dirname, '../../../assembly/replicator.evo');

/** Random genomes: calls, returns, stacks and procedure banks come up in them, which the replicator lacks. */
function randomWorld(seed: number): Simulation {
  const sim = new Simulation({ shape: [40, 40], toroidal: true, seed: BigInt(seed), plugins: defaultPlugins() });
  const rng = new PluginRandom(seed * 7 + 1);
  for (let k = 0; k < 16; k++) {
    const pos = [rng.nextInt(40), rng.nextInt(40)];
    const org = sim.createOrganism(pos, 2000 + rng.nextInt(5000));
    const c = [...pos];
    for (let i = 0; i < 40; i++) {
      const r = rng.nextInt(10);
      let mol: number;
      if (r < 5) mol = OPCODES[rng.nextInt(OPCODES.length)]!.opcode;
      else if (r < 7) mol = (6 << 20) | [0, 1, 2, 256, 257, 512, 1024, 1536, 1792, 9999][rng.nextInt(10)]!;
      else if (r < 8) mol = (1 << 20) | ((rng.nextInt(7) - 3) & 0xfffff);
      else mol = (rng.nextInt(4) << 20) | rng.nextInt(100);
      sim.world.setCell(sim.world.indexOf(c), mol, org.id);
      c[0] = (c[0]! + 1) % 40;
    }
  }
  return sim;
}

function withoutWorld(cp: Checkpoint): Omit<Checkpoint, 'cells' | 'owners'> {
  const { cells: _cells, owners: _owners, ...rest } = cp;
  return rest;
}

describe('checkpointJson', () => {
  it('equals JSON.stringify(saveCheckpoint) with and without the world, tick after tick', () => {
    const seen = { frames: 0, banks: 0, dataStack: 0, locationStack: 0, failed: 0 };
    // Call frames and procedure banks: random genomes rarely find a label to call, so one organism calls a
    // procedure over and over.
    const caller = load('START:\nSETI %SDR0 DATA:5\nCALL SUB\nJMPI START\nSUB:\nPUSI DATA:3\nRET');
    for (let t = 0; t < 12; t++) {
      caller.step();
      const cp = saveCheckpoint(caller.sim);
      expect(checkpointJson(caller.sim)).toBe(JSON.stringify(cp));
      seen.frames += cp.organisms[0]!.callStack.length;
      seen.banks += cp.organisms[0]!.staticBanks.length;
    }
    for (const seed of [3, 9, 21]) {
      const sim = randomWorld(seed);
      for (let t = 0; t < 400; t++) {
        sim.step();
        sim.pruneDead();
        if (t % 20 !== 0) continue;
        const cp = saveCheckpoint(sim);
        expect(checkpointJson(sim)).toBe(JSON.stringify(cp));
        expect(checkpointJson(sim, false)).toBe(JSON.stringify(withoutWorld(cp)));
        for (const o of cp.organisms) {
          if (o.callStack.length > 0) seen.frames++;
          if (o.staticBanks.length > 0) seen.banks++;
          if (o.ds.isVec.length > 0) seen.dataStack++;
          if (o.ls.length > 0) seen.locationStack++;
          if (o.failed) seen.failed++;
        }
      }
    }
    // The comparison covered every kind of organism state the hand-written text has a branch for.
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
  });

  it('equals it for the replicator world, a 3-D world and a world without organisms', () => {
    const sim = new Simulation({ shape: [128, 128], toroidal: true, seed: 5n, plugins: defaultPlugins() });
    sim.placeProgram(
      programFromArtifact(compileFileOrThrow(REPLICATOR, { world: { shape: [128, 128], toroidal: true } })),
      [10, 10],
      100000,
    );
    sim.run(1500);
    expect(checkpointJson(sim, false)).toBe(JSON.stringify(withoutWorld(saveCheckpoint(sim))));
    const cube = new Simulation({ shape: [6, 6, 4], toroidal: false, seed: 1n, plugins: [] });
    cube.createOrganism([1, 2, 3], 500);
    cube.run(3);
    expect(checkpointJson(cube)).toBe(JSON.stringify(saveCheckpoint(cube)));
    const empty = new Simulation({ shape: [8, 8], seed: 2n, plugins: [] });
    expect(checkpointJson(empty)).toBe(JSON.stringify(saveCheckpoint(empty)));
  });
});
