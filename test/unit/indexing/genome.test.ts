import { describe, expect, it } from 'vitest';
import { packMolecule } from '../../../src/isa/molecule.js';
import { alignAndDiff, genomeOf, sameMolecule } from '../../../src/visualizer/genome.js';

const CODE = 0;
const DATA = 1;
const LABEL = 4;
const LABELREF = 5;
const H = 16;

/** World columns (2-D, 32×16) from [x, y, molecule, owner] cells. */
function world(cells: Array<[number, number, number, number]>) {
  return {
    flatIndices: Int32Array.from(cells.map(([x, y]) => x * H + y)),
    molecules: Int32Array.from(cells.map(([, , m]) => m)),
    owners: Int32Array.from(cells.map(([, , , o]) => o)),
  };
}

/** A genome along one row: a label, code, a label reference and data. */
const program = (mask: number, data = 7): number[] => [
  packMolecule(LABEL, 100 ^ mask),
  packMolecule(CODE, 1),
  packMolecule(LABELREF, 100 ^ mask),
  packMolecule(DATA, data),
  packMolecule(CODE, 2),
];

describe('genomeOf', () => {
  it('takes the owner’s cells relative to its origin, nearest copy on a torus, sorted, cut at the limit', () => {
    const w = world([
      [31, 3, packMolecule(DATA, 1), 7],
      [1, 3, packMolecule(DATA, 2), 7],
      [0, 3, packMolecule(DATA, 3), 8],
      [0, 15, packMolecule(DATA, 4), 7],
    ]);
    const g = genomeOf(w, 7, [0, 3], [32, H], true, 10);
    expect(g.cells.map((c) => c.at)).toEqual([
      [-1, 0],
      [0, -4],
      [1, 0],
    ]);
    expect(g.cells[2]!.molecule).toMatchObject({ type: 'DATA', value: 2 });
    expect(genomeOf(w, 7, [0, 3], [32, H], true, 2)).toMatchObject({ ownedCells: 3, truncated: true });
    // Bounded: no wrapping.
    expect(genomeOf(w, 7, [0, 3], [32, H], false, 10).cells.map((c) => c.at)[2]).toEqual([31, 0]);
  });

  it('names the opcode of CODE molecules', () => {
    const g = genomeOf(world([[0, 0, packMolecule(CODE, 0), 1]]), 1, [0, 0], [32, H], true, 10);
    expect(g.cells[0]!.molecule.opcode).toBe('NOP');
  });
});

describe('alignAndDiff', () => {
  it('aligns a child whose entry point is one cell off, sees through the label rewrite and finds a mutation', () => {
    // Parent at x 2..6 (initial position 1: one cell before its genome), child at x 20..24 (entry point 20).
    const parentCells = program(0);
    const childCells = program(0x5a5a, 9); // rewritten labels, DATA 7 → 9
    const w = world([
      ...parentCells.map((m, i): [number, number, number, number] => [2 + i, 4, m, 1]),
      ...childCells.map((m, i): [number, number, number, number] => [20 + i, 4, m, 2]),
      [25, 4, packMolecule(CODE, 3), 2], // only the child owns this one
    ]);
    const child = genomeOf(w, 2, [20, 4], [32, H], true, 100);
    const parent = genomeOf(w, 1, [1, 4], [32, H], true, 100);
    const d = alignAndDiff(child, parent);
    expect(d).toMatchObject({ shift: [-1, 0], same: 4, changed: 1, childOnly: 1, parentOnly: 0, labelMask: 0x5a5a });
    expect(child.cells.map((c) => c.diff)).toEqual(['same', 'same', 'same', 'changed', 'same', 'childOnly']);
    expect(parent.cells.map((c) => c.at[0])).toEqual([0, 1, 2, 3, 4]);
    expect(parent.cells[3]!.diff).toBe('changed');
  });

  it('keeps the initial positions’ alignment when it is as good, and marks cells only the parent owns', () => {
    const w = world([
      [3, 4, packMolecule(DATA, 1), 1],
      [4, 4, packMolecule(DATA, 2), 1],
      [13, 4, packMolecule(DATA, 1), 2],
    ]);
    const child = genomeOf(w, 2, [13, 4], [32, H], true, 100);
    const parent = genomeOf(w, 1, [3, 4], [32, H], true, 100);
    expect(alignAndDiff(child, parent)).toMatchObject({ shift: [0, 0], same: 1, parentOnly: 1 });
    expect(parent.cells.map((c) => c.diff)).toEqual(['same', 'parentOnly']);
  });

  it('compares molecules without markers, labels only up to the mask', () => {
    expect(sameMolecule(packMolecule(DATA, 5, 3), packMolecule(DATA, 5, 0), 0)).toBe(true);
    expect(sameMolecule(packMolecule(LABEL, 5 ^ 9), packMolecule(LABEL, 5), 9)).toBe(true);
    expect(sameMolecule(packMolecule(LABEL, 5 ^ 8), packMolecule(LABEL, 5), 9)).toBe(false);
    expect(sameMolecule(packMolecule(DATA, 5 ^ 9), packMolecule(DATA, 5), 9)).toBe(false);
  });
});
