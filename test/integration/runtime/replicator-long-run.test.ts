import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { compileFileOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact } from '../../../src/runtime/index.js';

const FILE = resolve(__dirname, '../../../assembly/replicator.evo');

describe('our default organism in the default world', () => {
  it('reproduces within a few thousand ticks and keeps a population alive (100k ticks, all plugins)', () => {
    const world = { shape: [512, 512], toroidal: true };
    const sim = new Simulation({ shape: world.shape, seed: 42n });
    sim.placeProgram(programFromArtifact(compileFileOrThrow(FILE, { world })), [100, 100], 100000);
    let firstBirth = -1;
    let minAliveAfter20k = Infinity;
    for (let t = 0; t < 100_000; t++) {
      sim.step();
      if (firstBirth < 0 && sim.lastTick.births > 0) firstBirth = t;
      sim.pruneDead();
      if (t >= 20_000) minAliveAfter20k = Math.min(minAliveAfter20k, sim.organisms.length);
    }
    expect(firstBirth).toBeGreaterThan(0);
    expect(firstBirth).toBeLessThan(5000);
    expect(sim.totalBirths).toBeGreaterThan(50);
    expect(minAliveAfter20k).toBeGreaterThan(5);
    expect(sim.organisms.length).toBeGreaterThan(10);
  });
});
