import { describe, expect, it } from 'vitest';
import { DATA, ENERGY, STRUCTURE, load } from './helpers.js';

/** Flat index of a 2-D coordinate in a 32x32 world. */
const at = (x: number, y: number): number => x * 32 + y;

describe('environment family (wave 2)', () => {
  it('PEEK eats unowned ENERGY: gain its value, cell emptied', () => {
    const t = load('PEKI %DR0 0|1', { energy: 1000 });
    t.sim.placeUnowned([2, 3], ENERGY(500));
    t.step();
    expect(t.org.er).toBe(1500);
    expect(t.reg('%DR0')).toBe(ENERGY(500));
    expect(t.sim.world.cells[at(2, 3)]).toBe(0);
    expect(t.sim.world.owners[at(2, 3)]).toBe(0);
  });

  it('PEEK of an empty cell fails', () => {
    const t = load('PEKI %DR0 0|1');
    t.step();
    expect(t.org.failureReason).toBe('PEEK: Target cell is empty.');
  });

  it('POKE writes into an empty cell with owner and marker, costs 5 and removes 500 entropy', () => {
    const t = load('SMRI DATA:3\nSETI %DR0 DATA:7\nPOKI %DR0 0|1', { energy: 1000 });
    t.step(3);
    expect(t.sim.world.cells[at(2, 3)]).toBe(DATA(7) | (3 << 28));
    expect(t.sim.world.owners[at(2, 3)]).toBe(t.org.id);
    expect(t.org.er).toBe(1000 - 2 - 5);
    expect(t.org.sr).toBe(0);
  });

  it('POKE onto an occupied cell fails; Q1 gains ENERGY only in reference mode', () => {
    for (const quirks of ['reference', 'fixed'] as const) {
      const t = load('SETI %DR0 DATA:7\nPOKI %DR0 0|1', { energy: 1000, options: { quirks } });
      t.sim.placeUnowned([2, 3], ENERGY(400));
      t.step(2);
      expect(t.org.failureReason).toBe('POKE: Target cell is not empty.');
      expect(t.sim.world.cells[at(2, 3)]).toBe(ENERGY(400));
      expect(t.org.er).toBe(quirks === 'reference' ? 1000 - 1 + 400 - 100 : 1000 - 1 - 100);
    }
  });

  it('PEEK charges the old register content as a write (Q3) only in reference mode', () => {
    for (const quirks of ['reference', 'fixed'] as const) {
      const t = load('SETI %DR0 DATA:1\nNTR %DR1\nPEKI %DR0 0|1', { energy: 1000, options: { quirks } });
      t.sim.placeUnowned([2, 3], STRUCTURE(4));
      t.step(3);
      // STRUCTURE:4 unowned: 4 energy, +5 entropy; Q3 adds the DATA write rule: -500 entropy (clamped at 0)
      expect(t.org.sr).toBe(quirks === 'reference' ? 0 : 2 + 5);
    }
  });

  it('PPK swaps the register molecule with the cell', () => {
    const t = load('SETI %DR0 DATA:9\nPPKI %DR0 0|1', { energy: 1000 });
    t.sim.placeUnowned([2, 3], DATA(4));
    t.step(2);
    expect(t.reg('%DR0')).toBe(DATA(4));
    expect(t.sim.world.cells[at(2, 3)]).toBe(DATA(9));
    expect(t.sim.world.owners[at(2, 3)]).toBe(t.org.id);
  });

  it('a non-unit vector is flagged as a failure but still reaches the distant cell', () => {
    const t = load('PEKI %DR0 0|2', { energy: 1000 });
    t.sim.placeUnowned([2, 4], DATA(6));
    t.step();
    expect(t.org.failureReason).toBe('Vector is not a unit vector (sum of abs components is 2)');
    expect(t.reg('%DR0')).toBe(DATA(6));
    expect(t.sim.world.cells[at(2, 4)]).toBe(0);
  });
});
