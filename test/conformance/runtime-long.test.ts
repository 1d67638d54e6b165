import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileFileOrThrow } from '../../src/compiler/index.js';
import { Simulation, programFromArtifact } from '../../src/runtime/index.js';

const MINI = resolve(__dirname, '../../../shared/programs/mini.evo');

describe('mini.evo (reference replicator) with the default plugins', () => {
  it('reproduces and keeps a population alive in a 512x512 torus (200k ticks)', () => {
    expect(existsSync(MINI), `${MINI} is missing (../shared/programs)`).toBe(true);
    const world = { shape: [512, 512], toroidal: true };
    const sim = new Simulation({ shape: world.shape, seed: 42n });
    sim.placeProgram(programFromArtifact(compileFileOrThrow(MINI, { world })), [100, 100], 100000);
    let firstBirth = -1;
    for (let t = 0; t < 200_000; t++) {
      sim.step();
      if (firstBirth < 0 && sim.lastTick.births > 0) firstBirth = t;
      sim.pruneDead();
    }
    // Reference (Java, same plugins, own RNG stream): first birth at 2,559; ~55 alive at 200k.
    expect(firstBirth).toBeGreaterThan(1000);
    expect(firstBirth).toBeLessThan(6000);
    expect(sim.totalBirths).toBeGreaterThan(100);
    expect(sim.organisms.length).toBeGreaterThan(20);
  });
});
