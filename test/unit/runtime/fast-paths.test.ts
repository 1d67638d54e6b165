import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { opcodeByName } from '../../../src/isa/opcodes.js';
import { programFromArtifact } from '../../../src/runtime/program.js';
import { Simulation } from '../../../src/runtime/simulation.js';
import { referenceThermodynamics } from '../../../src/runtime/config.js';
import { mix64, tickSeedOf, toSigned64 } from '../../../src/runtime/rng/splitmix64.js';
import { DATA } from './helpers.js';

/** The runtime's fast paths (IP advance, instant skip, conflict table) against the plain rules. */
describe('runtime fast paths', () => {
  const op = (name: string): number => opcodeByName(name)!.opcode;

  it('a non-unit DV advances the IP with the per-step wrap (a long step lands on the edge cell)', () => {
    const sim = new Simulation({ shape: [8, 8], seed: 1n, plugins: [], thermodynamics: referenceThermodynamics() });
    const o = sim.createOrganism([7, 0], 1000);
    o.dv.set([2, 0]);
    o.dvDirty = true;
    // NRG %DR0 at x=7: its operand is fetched at x=0 (7+2 wraps to 0), the IP moves 7 → 0 → 2.
    sim.world.setCell(7 * 8, op('NRG'), o.id);
    sim.world.setCell(2 * 8, op('NRG'), o.id);
    sim.step();
    expect(Array.from(o.ip)).toEqual([2, 0]);
    expect(o.failed).toBe(false);
  });

  it('a unit DV wraps around the torus backwards, and the instant skip walks the wrapped line', () => {
    const sim = new Simulation({ shape: [16, 16], seed: 1n, plugins: [], thermodynamics: referenceThermodynamics() });
    const o = sim.createOrganism([1, 0], 1000);
    o.dv.set([-1, 0]);
    o.dvDirty = true;
    sim.world.setCell(1 * 16, op('NRG'), o.id); // operand at x=0
    sim.world.setCell(15 * 16, op('NTR'), o.id); // operand at x=14
    sim.step();
    expect(Array.from(o.ip)).toEqual([15, 0]);
    sim.step(); // x=13 … 2 are empty: the skip passes them and stops on x=1
    expect(Array.from(o.ip)).toEqual([1, 0]);
    expect(o.failed).toBe(false);
  });

  it('a failed conditional skips the next instruction and the following one runs at once', () => {
    const world = { shape: [32, 32], toroidal: true };
    const sim = new Simulation({ shape: world.shape, seed: 1n, plugins: [], thermodynamics: referenceThermodynamics() });
    const o = sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('IFI %DR0 DATA:5\n  SETI %DR1 DATA:1\nSETI %DR2 DATA:2', { world })),
      [3, 3],
      1000,
    );
    sim.step();
    expect(o.ip[0]).toBe(3 + 3 + 3); // IFI (3 cells) and SETI (3 cells) passed
    sim.step();
    expect(o.regScalar[1]).toBe(0);
    expect(o.regScalar[2]).toBe(DATA(2));
  });

  it('three claimants on one cell and two on another: one winner per cell by stream seed', () => {
    const world = { shape: [64, 64], toroidal: true };
    const sim = new Simulation({ shape: world.shape, seed: 7n, plugins: [], thermodynamics: referenceThermodynamics(), quirks: 'reference' });
    const poke = (v: number, dy: number): ReturnType<typeof programFromArtifact> =>
      programFromArtifact(compileSourceOrThrow(`SETI %DR0 DATA:${v}\nPOKI %DR0 0|${dy}`, { world }));
    // cell (5,20): from (5,19) +1, (5,21) -1 and g (below); cell (40,20): from (40,19), (40,21)
    const a = sim.placeProgram(poke(1, 1), [5, 19], 1000);
    const b = sim.placeProgram(poke(2, -1), [5, 21], 1000);
    const c = sim.placeProgram(poke(3, 1), [40, 19], 1000);
    const d = sim.placeProgram(poke(4, -1), [40, 21], 1000);
    const e = sim.placeProgram(poke(5, 1), [20, 30], 1000); // uncontested
    const g = sim.placeProgram(programFromArtifact(compileSourceOrThrow('SETI %DR0 DATA:7\nPOKI %DR0 1|0', { world })), [30, 40], 1000);
    g.dps.set([4, 20], 0); // g's DP0 sits left of (5,20): a third claimant
    sim.step();
    sim.step(); // tick 1: every POKI runs
    const ts = tickSeedOf(7n, 1);
    const prio = (id: number): bigint => toSigned64(mix64(ts ^ mix64(BigInt(id))));
    const win = (xs: typeof a[]): typeof a => xs.reduce((w, x) => (prio(x.id) < prio(w.id) || (prio(x.id) === prio(w.id) && x.id < w.id) ? x : w));
    const w1 = win([a, b, g]);
    const w2 = win([c, d]);
    expect(sim.world.cells[5 * 64 + 20]).toBe(DATA(w1 === a ? 1 : w1 === b ? 2 : 7));
    expect(sim.world.cells[40 * 64 + 20]).toBe(DATA(w2 === c ? 3 : 4));
    expect(sim.world.cells[20 * 64 + 31]).toBe(DATA(5));
    for (const x of [a, b, c, d, g]) {
      const won = x === w1 || x === w2;
      expect(x.failed).toBe(!won);
      if (!won) expect(x.failureReason).toBe('Lost write conflict');
    }
    expect(e.failed).toBe(false);
  });
});
