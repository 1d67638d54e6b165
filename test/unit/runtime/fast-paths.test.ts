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
    const sim = new Simulation({
      shape: world.shape,
      seed: 1n,
      plugins: [],
      thermodynamics: referenceThermodynamics(),
    });
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
    const sim = new Simulation({
      shape: world.shape,
      seed: 7n,
      plugins: [],
      thermodynamics: referenceThermodynamics(),
      quirks: 'reference',
    });
    const poke = (v: number, dy: number): ReturnType<typeof programFromArtifact> =>
      programFromArtifact(compileSourceOrThrow(`SETI %DR0 DATA:${v}\nPOKI %DR0 0|${dy}`, { world }));
    // cell (5,20): from (5,19) +1, (5,21) -1 and g (below); cell (40,20): from (40,19), (40,21)
    const a = sim.placeProgram(poke(1, 1), [5, 19], 1000);
    const b = sim.placeProgram(poke(2, -1), [5, 21], 1000);
    const c = sim.placeProgram(poke(3, 1), [40, 19], 1000);
    const d = sim.placeProgram(poke(4, -1), [40, 21], 1000);
    const e = sim.placeProgram(poke(5, 1), [20, 30], 1000); // uncontested
    const g = sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('SETI %DR0 DATA:7\nPOKI %DR0 1|0', { world })),
      [30, 40],
      1000,
    );
    g.dps.set([4, 20], 0); // g's DP0 sits left of (5,20): a third claimant
    sim.step();
    sim.step(); // tick 1: every POKI runs
    const ts = tickSeedOf(7n, 1);
    const prio = (id: number): bigint => toSigned64(mix64(ts ^ mix64(BigInt(id))));
    const win = (xs: (typeof a)[]): typeof a =>
      xs.reduce((w, x) => (prio(x.id) < prio(w.id) || (prio(x.id) === prio(w.id) && x.id < w.id) ? x : w));
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

  describe('decoded-instruction cache', () => {
    const world = { shape: [32, 32], toroidal: true };
    const loop = (): { sim: Simulation; o: ReturnType<Simulation['placeProgram']> } => {
      const sim = new Simulation({
        shape: world.shape,
        seed: 3n,
        plugins: [],
        thermodynamics: referenceThermodynamics(),
      });
      const o = sim.placeProgram(
        programFromArtifact(compileSourceOrThrow('L:\nADDI %DR0 DATA:1\nJMPI L', { world })),
        [4, 4],
        100000,
      );
      return { sim, o };
    };
    // layout from x=4: LABEL, ADDI, %DR0, DATA:1, JMPI, L  (one instruction per tick)
    const addiCell = 5 * 32 + 4;
    const immCell = 7 * 32 + 4;

    it('a write to a cached operand cell is seen on the next execution', () => {
      const { sim, o } = loop();
      for (let i = 0; i < 11; i++) sim.step(); // the NOP-cost label, then ADDI, JMPI, ADDI, …
      const before = o.regScalar[0]! & 0xfffff;
      expect(before).toBeGreaterThan(2);
      sim.world.setCell(immCell, DATA(10), o.id);
      for (let i = 0; i < 4; i++) sim.step();
      expect(o.regScalar[0]! & 0xfffff).toBe(before + 20);
    });

    it('a write to a cached opcode cell changes the instruction', () => {
      const { sim, o } = loop();
      for (let i = 0; i < 11; i++) sim.step();
      const before = o.regScalar[0]! & 0xfffff;
      sim.world.setCell(addiCell, op('SUBI'), o.id);
      for (let i = 0; i < 4; i++) sim.step();
      expect(o.regScalar[0]! & 0xfffff).toBe(before - 2);
    });

    it('another organism swapping a cached operand (PPKI) is seen, and marker-only changes reach lastMolecule', () => {
      const { sim, o } = loop();
      const b = sim.placeProgram(
        programFromArtifact(compileSourceOrThrow('SETI %DR2 DATA:3\nPPKI %DR2 1|0\nJMPI X\nX:\nJMPI X', { world })),
        [10, 20],
        100000,
      );
      b.dps.set([6, 4], 0); // DP0 + 1|0 = (7,4): the ADDI immediate of `o`
      for (let i = 0; i < 30; i++) sim.step();
      expect(sim.world.cells[immCell]).toBe(DATA(3));
      const v = o.regScalar[0]! & 0xfffff;
      sim.step();
      sim.step();
      expect(o.regScalar[0]! & 0xfffff).toBe(v + 3);
      // a marker-only change of the opcode cell: the reported molecule must follow
      sim.world.setCell(addiCell, sim.world.cells[addiCell]! | (1 << 28), o.id);
      let seen = 0;
      for (let i = 0; i < 3; i++) {
        sim.step();
        if (o.lastName === 'ADDI') seen = o.lastMolecule;
      }
      expect(seen >>> 28).toBe(1);
      expect(seen & 0xfffff).toBe(op('ADDI'));
    });

    it('an epoch wrap drops every cache (no stale hit from before the wrap)', () => {
      const { sim, o } = loop();
      for (let i = 0; i < 11; i++) sim.step();
      const generation = sim.world.codeGeneration;
      sim.world.codeEpoch = 0x7fffffff - 1;
      sim.world.setCell(immCell, DATA(2), o.id); // epoch → max
      for (let i = 0; i < 4; i++) sim.step();
      sim.world.setCell(immCell, DATA(4), o.id); // wraps: epoch 1, next generation
      expect(sim.world.codeGeneration).toBe(generation + 1);
      expect(sim.world.codeEpoch).toBe(1);
      const before = o.regScalar[0]! & 0xfffff;
      for (let i = 0; i < 4; i++) sim.step();
      expect(o.regScalar[0]! & 0xfffff).toBe(before + 8);
    });

    it('the same code run along the other axis is decoded for that direction', () => {
      const sim = new Simulation({ shape: [16, 16], seed: 1n, plugins: [], thermodynamics: referenceThermodynamics() });
      const o = sim.createOrganism([3, 3], 1000);
      // ADDI at (3,3): along +x its operands are (4,3)=DR0, (5,3)=DATA:1; along +y (3,4)=DR1, (3,5)=DATA:2
      sim.world.setCell(3 * 16 + 3, op('ADDI'), o.id);
      sim.world.setCell(4 * 16 + 3, 0, 0);
      sim.world.setCell(5 * 16 + 3, DATA(1), o.id);
      sim.world.setCell(3 * 16 + 4, 1, o.id);
      sim.world.setCell(3 * 16 + 5, DATA(2), o.id);
      sim.step();
      expect(o.regScalar[0]).toBe(1); // CODE:0 + 1 keeps the register's type
      o.ip.set([3, 3]);
      o.dv.set([0, 1]);
      o.dvDirty = true;
      sim.step();
      expect(o.regScalar[1]).toBe(2);
      expect(o.regScalar[0]).toBe(1);
    });
  });
  it('a failed-condition skip outcome is cached per instruction and follows changes of the cells it passed', () => {
    const world = { shape: [32, 32], toroidal: true };
    const sim = new Simulation({
      shape: world.shape,
      seed: 5n,
      plugins: [],
      thermodynamics: referenceThermodynamics(),
    });
    const src = 'L:\nIFI %DR0 DATA:5\nSETI %DR1 DATA:1\nADDI %DR2 DATA:1\nJMPI L';
    const o = sim.placeProgram(programFromArtifact(compileSourceOrThrow(src, { world })), [0, 6], 1000000);
    // x: 0 LABEL, 1 IFI %DR0 DATA:5, 4 SETI %DR1 DATA:1, 7 ADDI %DR2 DATA:1, 10 JMPI L
    const cell = (x: number): number => x * 32 + 6;
    const dr2 = (): number => o.regScalar[2]! & 0xfffff;
    for (let i = 0; i < 31; i++) sim.step();
    expect(o.failed).toBe(false);
    expect(o.regScalar[1]).toBe(0); // SETI is always skipped
    const n = dr2();
    expect(n).toBeGreaterThan(5);
    // SETI removed: the skip now passes the gap and skips ADDI instead
    const saved = [4, 5, 6].map((x) => sim.world.cells[cell(x)]!);
    for (const x of [4, 5, 6]) sim.world.setCell(cell(x), 0, 0);
    for (let i = 0; i < 6; i++) sim.step();
    const m = dr2();
    for (let i = 0; i < 30; i++) sim.step();
    expect(dr2()).toBe(m);
    // the gap filled again (a write to cells the cached skip passed): ADDI runs again
    [4, 5, 6].forEach((x, k) => sim.world.setCell(cell(x), saved[k]!, o.id));
    for (let i = 0; i < 30; i++) sim.step();
    expect(dr2()).toBeGreaterThan(m + 5);
    expect(o.regScalar[1]).toBe(0);
  });
  it('a cached JMPI target follows changes of the label index (a nearer label with the same value)', () => {
    const world = { shape: [32, 32], toroidal: true };
    const sim = new Simulation({
      shape: world.shape,
      seed: 5n,
      plugins: [],
      thermodynamics: referenceThermodynamics(),
      labelMatching: { selectionSpread: 0 },
    });
    const o = sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('L:\nADDI %DR0 DATA:1\nJMPI L', { world })),
      [2, 6],
      1000000,
    );
    // x: 2 LABEL, 3 ADDI %DR0 DATA:1, 6 JMPI L
    const cell = (x: number, y: number): number => x * 32 + y;
    for (let i = 0; i < 21; i++) sim.step();
    expect(o.ip[1]).toBe(6);
    // a second own label with the same value, nearer to the JMPI (distance 2 instead of 4), then ADDI
    sim.world.setCell(cell(6, 8), sim.world.cells[cell(2, 6)]!, o.id);
    for (let x = 0; x < 3; x++) sim.world.setCell(cell(7 + x, 8), sim.world.cells[cell(3 + x, 6)]!, o.id);
    for (let i = 0; i < 4; i++) sim.step();
    expect(o.ip[1]).toBe(8);
    expect(o.failed).toBe(false);
  });
});
