/**
 * An organism's genome as laid out in the world (the cells it owns, at coordinates relative to its initial
 * position) and its diff against another genome aligned on it (its parent's). Molecules are compared as
 * the genome hash compares them: markers dropped, and LABEL/LABELREF values up to the one XOR mask the label
 * rewrite at birth applies to all of a child's labels (found as the mask most aligned label pairs share).
 */
import { moleculeMarker, moleculeType, moleculeTypeName, moleculeValue } from '../isa/molecule.js';
import { opcodeInfo } from '../isa/opcodes.js';
import type { CellColumns } from './region.js';

/** The most cells a genome answer carries; larger ones are cut (in relative-coordinate order) and say so. */
export const GENOME_CELL_LIMIT = 20_000;

const CODE = 0;
const LABEL = 4;
const LABELREF = 5;

export interface GenomeMolecule {
  readonly raw: number;
  readonly type: string;
  readonly value: number;
  readonly marker: number;
  /** CODE molecules: the opcode's name (as the instruction views name it). */
  readonly opcode?: string;
}

export type DiffStatus = 'same' | 'changed' | 'childOnly' | 'parentOnly';

export interface GenomeCell {
  /**
   * Coordinates relative to the organism's initial position (on a torus the nearest copy: -n/2 ≤ r < n/2); a
   * parent's cells are moved into the child's coordinates by the alignment's shift.
   */
  at: number[];
  readonly molecule: GenomeMolecule;
  /** Against the other genome, when there is one. */
  diff?: DiffStatus;
}

export interface Genome {
  /** Cells the organism owns in the world (all of them, also when `cells` is cut). */
  readonly ownedCells: number;
  readonly truncated: boolean;
  readonly cells: GenomeCell[];
}

export interface GenomeDiffCounts {
  same: number;
  changed: number;
  childOnly: number;
  parentOnly: number;
  /** The XOR mask taken as the label rewrite between the two genomes (0: none). */
  labelMask: number;
}

export function genomeMolecule(raw: number): GenomeMolecule {
  const type = moleculeType(raw);
  const value = moleculeValue(raw);
  const base = { raw, type: moleculeTypeName(type), value, marker: moleculeMarker(raw) };
  if (type !== CODE) return base;
  return { ...base, opcode: opcodeInfo(value)?.name ?? `OP${value}` };
}

/**
 * The cells of `cells` (a reconstructed world, see regionAt) owned by `owner`, relative to `origin`, sorted by
 * relative coordinates and cut at `limit`.
 */
export function genomeOf(
  cells: CellColumns,
  owner: number,
  origin: readonly number[],
  shape: readonly number[],
  toroidal: boolean,
  limit: number,
): Genome {
  const { flatIndices, molecules, owners } = cells;
  const dims = shape.length;
  const found: GenomeCell[] = [];
  for (let i = 0; i < owners.length; i++) {
    if (owners[i] !== owner) continue;
    const at = new Array<number>(dims);
    let rest = flatIndices[i]!;
    for (let d = dims - 1; d >= 0; d--) {
      const n = shape[d]!;
      const c = rest % n;
      rest = Math.floor(rest / n);
      let r = c - (origin[d] ?? 0);
      if (toroidal) {
        r = ((r % n) + n) % n;
        if (r >= n / 2) r -= n;
      }
      at[d] = r;
    }
    found.push({ at, molecule: genomeMolecule(molecules[i]!) });
  }
  found.sort((a, b) => compareCoords(a.at, b.at));
  return { ownedCells: found.length, truncated: found.length > limit, cells: found.slice(0, limit) };
}

function compareCoords(a: readonly number[], b: readonly number[]): number {
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return a[d]! - b[d]!;
  return 0;
}

const isLabel = (raw: number): boolean => {
  const t = moleculeType(raw);
  return t === LABEL || t === LABELREF;
};
const VALUE_MASK = 0xfffff;

/**
 * Aligns the parent's genome on the child's and marks every cell of both with its diff status (same, changed,
 * only in the child, only in the parent). Both come relative to their own initial positions; a founder's initial
 * position is where its program was placed, a child's the entry point its parent forked it at, which need not
 * be the same cell of the genome, and a child may own more than its genome (a copy it is writing). So three
 * alignments are tried: the initial positions, the shift most runs of four cells (along the first dimension)
 * found once in each genome vote for, and the genomes' first corners; the one with the most equal cells wins
 * (ties: that order). The parent's cells are moved by that `shift` (their `at` become child coordinates).
 */
export function alignAndDiff(child: Genome, parent: Genome): GenomeDiffCounts & { shift: number[] } {
  const dims = child.cells[0]?.at.length ?? parent.cells[0]?.at.length ?? 0;
  const zero = new Array<number>(dims).fill(0);
  const candidates = [zero];
  if (child.cells.length > 0 && parent.cells.length > 0) {
    const voted = votedShift(child, parent);
    if (voted) candidates.push(voted);
    const corner = (g: Genome): number[] =>
      zero.map((_, d) => g.cells.reduce((m, c) => Math.min(m, c.at[d]!), Infinity));
    const c = corner(child);
    const p = corner(parent);
    candidates.push(zero.map((_, d) => c[d]! - p[d]!));
  }
  let best = zero;
  let bestSame = -1;
  const tried = new Set<string>();
  for (const shift of candidates) {
    if (tried.has(shift.join(','))) continue;
    tried.add(shift.join(','));
    const same = diffGenomes(child, parent, shift).same;
    if (same > bestSame) {
      best = shift;
      bestSame = same;
    }
  }
  const counts = diffGenomes(child, parent, best);
  for (const p of parent.cells) p.at = p.at.map((v, d) => v + best[d]!);
  return { ...counts, shift: best };
}

/** A molecule as alignment sees it: no marker, and labels by type only (their values differ by the rewrite). */
const alignKey = (raw: number): number => (isLabel(raw) ? raw & 0x0ff00000 : raw & 0x0fffffff);

/** Runs of four cells along the first dimension that occur once in each genome vote for the shift between them. */
function votedShift(child: Genome, parent: Genome): number[] | undefined {
  const runs = (g: Genome): Map<string, number[] | null> => {
    const at = new Map<string, number>();
    for (const c of g.cells) at.set(c.at.join(','), alignKey(c.molecule.raw));
    const out = new Map<string, number[] | null>();
    for (const c of g.cells) {
      const parts: Array<number | string> = [];
      for (let k = 0; k < 4; k++) {
        const p = c.at.map((v, d) => (d === 0 ? v + k : v));
        parts.push(at.get(p.join(',')) ?? '-');
      }
      const key = parts.join(':');
      out.set(key, out.has(key) ? null : c.at);
    }
    return out;
  };
  const inParent = runs(parent);
  const votes = new Map<string, number>();
  for (const [key, at] of runs(child)) {
    const p = inParent.get(key);
    if (!at || !p) continue;
    const shift = at.map((v, d) => v - p[d]!).join(',');
    votes.set(shift, (votes.get(shift) ?? 0) + 1);
  }
  let best: string | undefined;
  let n = 0;
  for (const [shift, v] of votes)
    if (v > n) {
      best = shift;
      n = v;
    }
  return best === undefined ? undefined : best.split(',').map(Number);
}

/**
 * Marks every cell of both genomes with its diff status, the parent's cell at `at` aligned with the child's at
 * `at + shift`, and counts them.
 */
export function diffGenomes(child: Genome, parent: Genome, shift: readonly number[]): GenomeDiffCounts {
  const byAt = new Map<string, GenomeCell>();
  for (const c of parent.cells) byAt.set(c.at.map((v, d) => v + (shift[d] ?? 0)).join(','), c);
  // The label rewrite XORs every label value of a child with one mask: the mask most aligned label pairs share.
  const masks = new Map<number, number>();
  for (const c of child.cells) {
    const p = byAt.get(c.at.join(','));
    if (!p || !isLabel(c.molecule.raw) || moleculeType(c.molecule.raw) !== moleculeType(p.molecule.raw)) continue;
    const m = (c.molecule.raw ^ p.molecule.raw) & VALUE_MASK;
    masks.set(m, (masks.get(m) ?? 0) + 1);
  }
  let labelMask = 0;
  let best = 0;
  for (const [m, n] of masks)
    if (n > best || (n === best && m < labelMask)) {
      labelMask = m;
      best = n;
    }
  const counts: GenomeDiffCounts = { same: 0, changed: 0, childOnly: 0, parentOnly: 0, labelMask };
  const seen = new Set<GenomeCell>();
  for (const c of child.cells) {
    const p = byAt.get(c.at.join(','));
    if (!p) {
      c.diff = 'childOnly';
      counts.childOnly++;
      continue;
    }
    seen.add(p);
    const status = sameMolecule(c.molecule.raw, p.molecule.raw, labelMask) ? 'same' : 'changed';
    c.diff = status;
    p.diff = status;
    counts[status]++;
  }
  for (const p of parent.cells) {
    if (seen.has(p)) continue;
    p.diff = 'parentOnly';
    counts.parentOnly++;
  }
  return counts;
}

/** Equal up to markers and (for labels) the rewrite mask. */
export function sameMolecule(child: number, parent: number, labelMask: number): boolean {
  const a = child & 0x0fffffff;
  const b = parent & 0x0fffffff;
  if (a === b) return true;
  return isLabel(a) && (a & ~VALUE_MASK) === (b & ~VALUE_MASK) && ((a ^ b) & VALUE_MASK) === labelMask;
}
