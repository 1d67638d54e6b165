import { describe, expect, it } from 'vitest';
import { DATA, ENERGY, load, run } from './helpers.js';

describe('state family', () => {
  it("NRG/NTR read values after the instruction's own cost", () => {
    const t = run('NRG %DR0\nNTR %DR1', 2, { energy: 1000 });
    expect(t.reg('%DR0')).toBe(DATA(999));
    expect(t.reg('%DR1')).toBe(DATA(2));
  });

  it('SEEK moves the active DP through empty or own cells and refuses foreign/unowned molecules', () => {
    const t = load('SEKI 0|1\nSEKI 0|1', { energy: 1000 });
    t.sim.placeUnowned([2, 4], ENERGY(5));
    t.step(2);
    expect(Array.from(t.org.dps.subarray(0, 2))).toEqual([2, 3]);
    expect(t.org.failureReason).toBe('SEEK: Target cell is owned by another organism.');
  });

  it('SYNC, ADP, DIFF, POS, GDV, SMR/GMR', () => {
    const t = run('SEKI 0|1\nADPI DATA:1\nSEKI 0|-1\nDIFF %DR0\nPOS %DR1\nGDVR %DR2\nSMRI DATA:5\nGMR %DR3\nSYNC', 9);
    expect(t.org.activeDp).toBe(1);
    expect(t.reg('%DR0')).toEqual([-8, -1]);
    expect(t.reg('%DR1')).toEqual([10, 0]);
    expect(t.reg('%DR2')).toEqual([1, 0]);
    expect(t.reg('%DR3')).toBe(DATA(5));
    expect(Array.from(t.org.dps.subarray(2, 4))).toEqual([20, 2]);
  });

  it('SMRI needs DATA; RAND needs a positive bound', () => {
    expect(run('SMRI ENERGY:1', 1).org.failureReason).toBe('SMRI requires DATA type operand.');
    expect(run('SETI %DR0 DATA:0\nRAND %DR0', 2).org.failureReason).toBe('RAND upper bound must be > 0.');
    const r = run('SETI %DR0 DATA:10\nRAND %DR0', 2);
    const v = (r.reg('%DR0') as number) & 0xfffff;
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThan(10);
  });

  it('SPNR and SNTI build axis masks (bit 2d = +d, 2d+1 = -d)', () => {
    const t = load('SPNR %DR0\nSNTI %DR1 ENERGY:0');
    t.sim.placeUnowned([1, 2], ENERGY(3));
    t.step(2);
    // +x is our own code (passable), -x holds unowned energy (not passable), ±y empty
    expect(t.reg('%DR0')).toBe(DATA(0b1101));
    expect(t.reg('%DR1')).toBe(DATA(0b0010));
  });

  it('FORK creates a child from the marker cells and charges the parent', () => {
    const t = load(
      `SMRI DATA:1
       SETI %DR0 DATA:7
       POKI %DR0 0|1
       SEKI 0|1
       FRKI 0|1 DATA:300 1|0
       SMRI DATA:0`,
      { energy: 2000 },
    );
    t.step(5);
    const child = t.sim.organisms.find((o) => o.id === 2)!;
    expect(child).toBeDefined();
    expect(child.parentId).toBe(1);
    expect(child.er).toBe(300);
    expect(Array.from(child.ip)).toEqual([2, 4]);
    expect(t.sim.world.owners[2 * 32 + 3]).toBe(2);
    expect(t.sim.world.cells[2 * 32 + 3]).toBe(DATA(7));
    expect(t.org.er).toBe(2000 - 1 - 1 - 5 - 1 - 1 - 300);
  });

  it('CMR deletes own cells with the given marker', () => {
    const t = load('SMRI DATA:2\nSETI %DR0 DATA:7\nPOKI %DR0 0|1\nCMRI DATA:2');
    t.step(4);
    expect(t.sim.world.cells[2 * 32 + 3]).toBe(0);
    expect(t.sim.world.owners[2 * 32 + 3]).toBe(0);
  });
});
