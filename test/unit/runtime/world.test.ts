import { describe, expect, it } from 'vitest';
import { World } from '../../../src/runtime/world.js';
import { PolicyTable } from '../../../src/runtime/thermodynamics/policy-table.js';
import { referenceThermodynamics } from '../../../src/runtime/config.js';
import { opcodeByName } from '../../../src/isa/opcodes.js';

describe('world', () => {
  it('uses row-major flat indices with the last dimension fastest and wraps on a torus', () => {
    const w = new World([8, 4, 2], true);
    expect(Array.from(w.strides)).toEqual([8, 2, 1]);
    expect(w.indexOf([1, 2, 1])).toBe(1 * 8 + 2 * 2 + 1);
    expect(w.indexOf([-1, 0, 0])).toBe(7 * 8);
    expect(w.coordsArray(13)).toEqual([1, 2, 1]);
    const b = new World([8, 8], false);
    expect(b.indexOf([8, 0])).toBe(-1);
  });

  it('keeps CODE:0 unowned, tracks owners, labels and changed cells', () => {
    const w = new World([16, 16], true);
    w.setCell(5, 0, 3);
    expect(w.owners[5]).toBe(0);
    w.setCell(5, (4 << 20) | 77, 3);
    w.setCell(9, (1 << 20) | 1, 3);
    expect(w.labels.get(77)).toEqual([5]);
    expect(Array.from(w.ownedCellsSorted(3))).toEqual([5, 9]);
    expect(Array.from(w.peekChanged())).toEqual([5, 9]);
    const seen: number[] = [];
    w.drainChanged((i) => seen.push(i));
    expect(seen.sort((a, b) => a - b)).toEqual([5, 9]);
    expect(w.changedCellCount).toBe(0);
    w.setCell(5, 0, 0);
    expect(w.labels.get(77)).toBeUndefined();
    w.clearOwnership(3);
    expect(w.owners[9]).toBe(0);
    expect(w.cells[9]).toBe((1 << 20) | 1);
  });
});

describe('thermodynamic policy tables', () => {
  const t = new PolicyTable(referenceThermodynamics());
  const op = (n: string): number => opcodeByName(n)!.opcode;

  it('charges base 1/1 for ordinary instructions', () => {
    expect(t.baseEnergy[op('ADDR')]).toBe(1);
    expect(t.baseEntropy[op('JMPI')]).toBe(1);
    expect(t.hasRules(op('ADDR'))).toBe(false);
    expect(t.hasRules(op('PEEK'))).toBe(true);
  });

  it('applies read rules by ownership and type, and write rules by type with value overrides', () => {
    // eat unowned ENERGY:700 → gain 700, entropy 0
    t.evaluate(op('PEEK'), true, (2 << 20) | 700, 1, false, 0, true);
    expect([t.energy, t.entropy]).toEqual([-700, 0]);
    // foreign STRUCTURE:7 → 70 / 70
    t.evaluate(op('PEEK'), true, (3 << 20) | 7, 2, false, 0, true);
    expect([t.energy, t.entropy]).toEqual([70, 70]);
    // write DATA into an empty cell → 5 / -500; CODE:0 is free
    t.evaluate(op('POKE'), true, 0, 1, true, (1 << 20) | 3, true);
    expect([t.energy, t.entropy]).toEqual([5, -500]);
    t.evaluate(op('POKE'), true, 0, 1, true, 0, true);
    expect([t.energy, t.entropy]).toEqual([0, 0]);
  });
});

describe('changed-cell views', () => {
  it('exposes the changed indices without copying and resets them', () => {
    const w = new World([8, 8], true);
    w.setCell(3, (1 << 20) | 1, 0);
    w.setCell(7, (1 << 20) | 2, 0);
    w.setCell(3, (1 << 20) | 5, 0);
    expect(Array.from(w.changedIndicesView()).sort()).toEqual([3, 7]);
    w.resetChanged();
    expect(w.changedIndicesView().length).toBe(0);
  });
});

describe('policy overrides', () => {
  it('instruction overrides beat family overrides, which beat the default', async () => {
    const { run } = await import('./helpers.js');
    const thermodynamics = {
      default: { baseEnergy: 1, baseEntropy: 1 },
      families: { ARITHMETIC: { baseEnergy: 3, baseEntropy: 0 } },
      instructions: { 'SUBI, MULI': { baseEnergy: 7, baseEntropy: 2 } },
    };
    const t = run('SETI %DR0 DATA:1\nADDI %DR0 DATA:1\nSUBI %DR0 DATA:1', 3, {
      energy: 1000,
      options: { thermodynamics },
    });
    expect(t.org.er).toBe(1000 - 1 - 3 - 7);
    expect(t.org.sr).toBe(1 + 0 + 2);
  });

  it('rejects invalid options with a stable error code', async () => {
    const { resolveRuntimeOptions } = await import('../../../src/runtime/config.js');
    expect(() => resolveRuntimeOptions({ organism: { maxEnergy: -1 } })).toThrow(
      expect.objectContaining({ code: 'RUNTIME_CONFIG' }),
    );
    expect(() => resolveRuntimeOptions({ quirks: 'odd' as 'fixed' })).toThrow(
      expect.objectContaining({ code: 'RUNTIME_CONFIG' }),
    );
    const { World } = await import('../../../src/runtime/world.js');
    expect(() => new World([0, 4])).toThrow(expect.objectContaining({ code: 'RUNTIME_WORLD_SHAPE' }));
  });
});
