import { describe, expect, it } from 'vitest';
import { Generations, type ParentLink } from '../../../src/visualizer/generations.js';

// A tree: 1 and 2 founders; 3 ← 1; 4 ← 3; 5 ← 4; 6 ← 2; 7 ← 5.
const TREE: Record<number, number | null> = { 1: null, 2: null, 3: 1, 4: 3, 5: 4, 6: 2, 7: 5 };

function index(): { rows: (ids: readonly number[]) => Promise<ParentLink[]>; asked: number[][] } {
  const asked: number[][] = [];
  return {
    asked,
    rows: async (ids) => {
      asked.push([...ids].sort((a, b) => a - b));
      return ids.filter((id) => id in TREE).map((id) => ({ organismId: id, parentId: TREE[id]! }));
    },
  };
}

const at = (...ids: number[]): ParentLink[] => ids.map((id) => ({ organismId: id, parentId: TREE[id]! }));

describe('Generations', () => {
  it('counts founders 0 and a child its parent’s + 1, looking up only the ancestors not at the tick', async () => {
    const idx = index();
    const g = new Generations();
    const gens = await g.of(at(7, 6, 2), idx.rows);
    expect(Object.fromEntries(gens)).toEqual({ 7: 4, 6: 1, 2: 0 });
    // One look-up per generation up: 5, then 4, then 3, then 1 (2 is at the tick itself).
    expect(idx.asked).toEqual([[5], [4], [3], [1]]);
  });

  it('remembers what it found: a later tick asks nothing about known ancestors', async () => {
    const idx = index();
    const g = new Generations();
    await g.of(at(5), idx.rows);
    idx.asked.length = 0;
    const gens = await g.of(at(7, 4), idx.rows);
    expect(Object.fromEntries(gens)).toEqual({ 7: 4, 4: 2 });
    expect(idx.asked).toEqual([]);
  });

  it('ends a chain at an ancestor missing from the index, and ignores a parent id not below the child’s', async () => {
    const g = new Generations();
    const gens = await g.of(
      [
        { organismId: 20, parentId: 15 }, // 15 is not in the index: counted as a founder
        { organismId: 30, parentId: 30 }, // damaged: its own parent
        { organismId: 31, parentId: 40 }, // damaged: a parent born later
      ],
      index().rows,
    );
    expect(Object.fromEntries(gens)).toEqual({ 20: 1, 30: 0, 31: 0 });
  });

  it('forgets past its bound and finds the generations again', async () => {
    const idx = index();
    const g = new Generations(2);
    await g.of(at(7), idx.rows);
    idx.asked.length = 0;
    expect((await g.of(at(7), idx.rows)).get(7)).toBe(4);
    expect(idx.asked.length).toBe(4);
  });
});
