import { describe, expect, it } from 'vitest';
import type { Simulation } from '../../../src/runtime/simulation.js';
import { randomWorld } from './random-world.js';

/**
 * Random genomes (random opcodes with random operand molecules) in every world kind: the VM must never
 * throw, and the world's invariants must hold (CODE:0 unowned, label index = LABEL cells, owner index =
 * owner array).
 */
function checkInvariants(sim: Simulation): void {
  const w = sim.world;
  let labels = 0;
  for (let i = 0; i < w.size; i++) {
    if (w.cells[i] === 0) expect(w.owners[i]).toBe(0);
    if (((w.cells[i]! >>> 20) & 0xff) === 4) {
      labels++;
      expect(w.labels.get(w.cells[i]! & 0xfffff)).toContain(i);
    }
  }
  expect(w.labels.size).toBe(labels);
  for (const o of sim.organisms) {
    for (const idx of w.ownedCellsSorted(o.id)) expect(w.owners[idx]).toBe(o.id);
  }
}

describe('VM robustness on random genomes', () => {
  const cases: [number[], boolean, 'reference' | 'fixed'][] = [
    [[48, 48], true, 'reference'],
    [[48, 48], false, 'fixed'],
    [[16, 16, 6], true, 'fixed'],
    [[16, 16, 6], false, 'reference'],
  ];
  for (const [shape, toroidal, quirks] of cases) {
    it(`${shape.join('x')} ${toroidal ? 'torus' : 'bounded'} ${quirks}`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const sim = randomWorld(shape, toroidal, quirks, seed);
        expect(() => sim.run(1500)).not.toThrow();
        checkInvariants(sim);
      }
    });
  }
});

describe('checkpoints of random worlds', () => {
  it('written as JSON text directly equal JSON.stringify of the checkpoint (without the world arrays)', async () => {
    const { saveCheckpoint, checkpointJsonWithoutWorld } = await import('../../../src/runtime/checkpoint.js');
    let frames = 0;
    let banks = 0;
    let stacks = 0;
    let failures = 0;
    for (const [shape, toroidal, seed] of [
      [[40, 40], true, 3],
      [[12, 12, 5], false, 4],
      [[30, 30], false, 11],
    ] as [number[], boolean, number][]) {
      const sim = randomWorld(shape, toroidal, 'fixed', seed);
      for (let t = 0; t < 300; t++) {
        sim.step();
        if (t % 25 === 0) {
          const { cells: _cells, owners: _owners, ...want } = saveCheckpoint(sim);
          expect(Buffer.from(checkpointJsonWithoutWorld(sim)).toString('utf8')).toBe(JSON.stringify(want));
          for (const o of sim.organisms) {
            frames += o.csLen;
            banks += o.staticBanks.size;
            stacks += o.dsLen + o.lsLen;
            if (o.failureReason !== null) failures++;
          }
        }
        sim.pruneDead();
      }
    }
    // Call frames, static banks and both stacks: a program that stays two procedures deep.
    const { load } = await import('./helpers.js');
    const deep = load(
      `SETI %DR0 DATA:1
       PUSI DATA:3
       CALL SUB
       SUB:
       SETI %SDR0 DATA:7
       SETI %PDR1 DATA:2
       CALL SUB2
       SUB2:
       SETI %SDR1 DATA:8
       PUSI DATA:4
       LOOP:
       ADDI %DR0 DATA:1
       JMPI LOOP`,
      { energy: 10_000 },
    );
    for (let t = 0; t < 30; t++) {
      deep.step();
      const { cells: _cells, owners: _owners, ...want } = saveCheckpoint(deep.sim);
      expect(Buffer.from(checkpointJsonWithoutWorld(deep.sim)).toString('utf8')).toBe(JSON.stringify(want));
      frames += deep.org.csLen;
      banks += deep.org.staticBanks.size;
    }
    // The random genomes and that program reached what the text writer spells out by hand.
    expect(frames).toBeGreaterThan(0);
    expect(banks).toBeGreaterThan(0);
    expect(stacks).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(0);
  });

  it('restore + continue equals an uninterrupted run', async () => {
    const { saveCheckpoint, restoreCheckpoint } = await import('../../../src/runtime/checkpoint.js');
    const { stateHash } = await import('../../../src/runtime/state-hash.js');
    for (const [shape, toroidal] of [
      [[40, 40], true],
      [[12, 12, 5], false],
    ] as [number[], boolean][]) {
      const a = randomWorld(shape, toroidal, 'fixed', 9);
      a.run(900);
      const b = randomWorld(shape, toroidal, 'fixed', 9);
      b.run(400);
      const c = restoreCheckpoint(JSON.parse(JSON.stringify(saveCheckpoint(b))));
      c.run(500);
      expect(stateHash(c)).toBe(stateHash(a));
    }
  });
});
