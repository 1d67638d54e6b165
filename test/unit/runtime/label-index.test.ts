import { describe, expect, it } from 'vitest';
import { World } from '../../../src/runtime/world.js';

const LABEL = (v: number): number => (4 << 20) | v;

describe('label index by owner', () => {
  it('keeps each owner its own labels of a value, in flat-index order, through writes and owner changes', () => {
    const w = new World([32, 32], true);
    w.setCell(40, LABEL(7), 1);
    w.setCell(10, LABEL(7), 1);
    w.setCell(20, LABEL(7), 2);
    w.setCell(30, LABEL(8), 1);
    expect(w.labels.get(7)).toEqual([10, 20, 40]);
    expect(w.labels.getOwned(7, 1)).toEqual([10, 40]);
    expect(w.labels.getOwned(7, 2)).toEqual([20]);
    expect(w.labels.getOwned(8, 1)).toEqual([30]);
    // The same label changes hands (e.g. a dead organism's body taken over): it moves with its owner.
    w.setCell(40, LABEL(7), 2);
    expect(w.labels.getOwned(7, 1)).toEqual([10]);
    expect(w.labels.getOwned(7, 2)).toEqual([20, 40]);
    // Overwritten by another value, then cleared.
    w.setCell(10, LABEL(9), 1);
    expect(w.labels.getOwned(7, 1)).toBeUndefined();
    expect(w.labels.getOwned(9, 1)).toEqual([10]);
    w.setCell(20, 0, 0);
    expect(w.labels.getOwned(7, 2)).toEqual([40]);
    expect(w.labels.get(7)).toEqual([40]);
    // A rebuild (after a restore) gives the same index.
    const before = [7, 8, 9].map((v) => [w.labels.getOwned(v, 1), w.labels.getOwned(v, 2)]);
    w.rebuildIndexes();
    expect([7, 8, 9].map((v) => [w.labels.getOwned(v, 1), w.labels.getOwned(v, 2)])).toEqual(before);
  });
});
