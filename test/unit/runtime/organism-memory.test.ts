import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { OrganismMemory } from '../../../src/runtime/organism-memory.js';
import { Organism, organismBlockBytes } from '../../../src/runtime/organism.js';
import {
  Simulation,
  programFromArtifact,
  resolveRuntimeOptions,
  restoreCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../../../src/runtime/index.js';
import { stateHash } from '../../../src/runtime/state-hash.js';

describe('OrganismMemory', () => {
  it('hands out zeroed blocks side by side, reuses released ones cleared, and refuses odd sizes', () => {
    const m = new OrganismMemory(128, 4);
    const blocks = [0, 1, 2, 3, 4].map(() => m.allocate());
    expect(blocks).toEqual([0, 1, 2, 3, 4]);
    expect(m.bufferOf(3)).toBe(m.bufferOf(0));
    expect(m.bufferOf(4)).not.toBe(m.bufferOf(0)); // a second page
    expect(m.offsetOf(2)).toBe(256);
    new Uint8Array(m.bufferOf(2), m.offsetOf(2), 128).fill(7);
    m.release(2);
    expect(m.blocksInUse).toBe(4);
    expect(m.allocate()).toBe(2);
    expect(new Uint8Array(m.bufferOf(2), m.offsetOf(2), 128).every((b) => b === 0)).toBe(true);
    expect(() => new OrganismMemory(100)).toThrow(RangeError);
  });

  it("keeps each organism's views inside its own block", () => {
    const m = new OrganismMemory(organismBlockBytes(2), 2);
    const a = new Organism(1, [3, 4], 100, 0, m);
    const b = new Organism(2, [5, 6], 100, 0, m);
    a.regVec.fill(-1);
    a.decodeStore.fill(-1);
    expect(Array.from(b.ip)).toEqual([5, 6]);
    expect(b.regVec.every((v) => v === 0)).toBe(true);
    expect(b.decodeStore.every((v) => v === 0)).toBe(true);
    expect(a.decodeStore.byteOffset + a.decodeStore.byteLength).toBeLessThanOrEqual(m.blockBytes);
    expect(() => new Organism(3, [1, 2, 3], 100, 0, m)).toThrow(RangeError);
  });
});

describe('Simulation with reused organism memory', () => {
  it('runs the default world identically after its organisms move to other blocks (births and deaths reuse them)', () => {
    // A checkpoint restored mid-run puts the same organisms in fresh blocks, in another order than the original's
    // reused ones; both must give the same state from there on.
    const shape = [512, 512];
    const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
    const program = programFromArtifact(compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'r.evo'));
    const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 42n }));
    sim.placeProgram(program, [100, 100], 100_000);
    const run = (s: Simulation, ticks: number): void => {
      for (let t = 0; t < ticks; t++) {
        s.step();
        s.pruneDead();
      }
    };
    run(sim, 30_000);
    const copy = restoreCheckpoint(JSON.parse(JSON.stringify(saveCheckpoint(sim))) as Checkpoint);
    const deathsBefore = sim.totalDeaths;
    for (let k = 0; k < 20; k++) {
      run(sim, 500);
      run(copy, 500);
      expect(stateHash(copy)).toBe(stateHash(sim));
    }
    // Blocks were reused: more organisms lived than blocks were handed out.
    expect(sim.totalDeaths).toBeGreaterThan(deathsBefore);
    expect(sim.memory.blocksInUse).toBe(sim.organisms.length);
    expect(sim.nextOrganismId - 1).toBeGreaterThan(sim.memory.blocksInUse + sim.totalDeaths / 2);
  });
});
