/**
 * Organism.stateWrites is the recorder's cue: it compares an organism's DV, data pointers, active pointer, marker,
 * call frames, procedure, failure and death only when the count moved since the previous sample. So any change of
 * those must move the count. Random genomes run every instruction with every kind of operand; after every tick,
 * each organism whose state of that kind changed must have a new count.
 */
import { describe, expect, it } from 'vitest';
import type { Organism } from '../../../src/runtime/organism.js';
import { load } from './helpers.js';
import { randomWorld } from './random-world.js';

/** The state stateWrites covers, as one comparable string. */
function counted(o: Organism): string {
  return JSON.stringify([
    Array.from(o.dv),
    Array.from(o.dps),
    o.activeDp,
    o.mr,
    o.csLen,
    o.frameWrites,
    o.currentProc,
    o.failed,
    o.failureReason,
    o.dead,
    o.deathTick,
    o.deathCause,
  ]);
}

describe('Organism.stateWrites', () => {
  const cases: [number[], boolean, 'reference' | 'fixed'][] = [
    [[48, 48], true, 'reference'],
    [[48, 48], false, 'fixed'],
    [[16, 16, 6], true, 'fixed'],
  ];
  for (const [shape, toroidal, quirks] of cases)
    it(`moves with every change of the state it covers (${shape.join('x')}, ${toroidal ? 'torus' : 'bounded'})`, () => {
      let changes = 0;
      let checked = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const sim = randomWorld(shape, toroidal, quirks, seed);
        const before = new Map<Organism, [string, number]>();
        for (let t = 0; t < 400; t++) {
          for (const o of sim.organisms) before.set(o, [counted(o), o.stateWrites]);
          sim.step();
          for (const o of sim.organisms) {
            const was = before.get(o);
            if (!was) continue; // born this tick: recorded whole
            checked++;
            if (counted(o) === was[0]) continue;
            changes++;
            if (o.stateWrites === was[1])
              expect.fail(
                `tick ${sim.tick}, organism ${o.id} (last ${o.lastName}): ${was[0]} → ${counted(o)} without a count`,
              );
          }
          sim.pruneDead();
          before.clear();
        }
      }
      expect(checked).toBeGreaterThan(10_000);
      expect(changes).toBeGreaterThan(500);
    });

  it('moves with each instruction that writes that state (a program that uses them all)', () => {
    const t = load(
      [
        'DPLS',
        'SEKI 0|1',
        'DPLR %LR1',
        'SKLS',
        'SKLR %LR1',
        'SEKI 0|1',
        'ADPI DATA:1',
        'SEKI 0|-1',
        'ADPI DATA:0',
        'SMRI DATA:5',
        'SYNC',
        'SKJI HERE',
        'CALL SUB',
        'TRNI 0|1',
        'JMPI END',
        'SUB:',
        'NOP',
        'RET',
        'HERE:',
        'NOP',
        'END:',
        'NOP',
      ].join('\n'),
      { energy: 5000, shape: [128, 32] },
    );
    let changes = 0;
    for (let k = 0; k < 20; k++) {
      const was = counted(t.org);
      const count = t.org.stateWrites;
      t.step(1);
      if (counted(t.org) === was) continue;
      changes++;
      expect(t.org.stateWrites, `after ${t.org.lastName}: ${was} → ${counted(t.org)}`).not.toBe(count);
    }
    expect(changes).toBeGreaterThanOrEqual(10);
  });
});
