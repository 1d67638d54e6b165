/**
 * How a cell looks: the colour rules the web visualizer (served as /visualizer/cell-colors.js, importing
 * /isa/molecule.js) and `evochora video` share, so a video looks like the page. A cell is coloured by its
 * molecule type; an owned cell gets its owner's hue (golden-angle steps, so neighbouring ids differ), drawn as
 * an outline when cells are large and as a tint when they are a few pixels or less. Coloured by lineage, an owner
 * takes its genome's hue instead (`lineageHues`).
 */
import { moleculeType } from '../isa/molecule.js';

/** Per molecule type: CODE, DATA, ENERGY, STRUCTURE, LABEL, LABELREF, REGISTER. */
export const TYPE_COLORS: readonly string[] = [
  '#3d7bd9',
  '#e0c341',
  '#3fbf5f',
  '#8a8f98',
  '#a66be0',
  '#e06bb2',
  '#e08a3d',
];
/** An owned cell holding nothing (CODE 0). */
export const EMPTY_CODE_COLOR = '#1a2a44';
/** Where no cell is. */
export const BACKGROUND_COLOR = '#06080a';
/** How strongly an owner's hue tints a small cell. */
export const OWNER_TINT = 0.35;

export function ownerHue(id: number): number {
  return (id * 137.508) % 360;
}

export function hueColor(hue: number, alpha = 1): string {
  return `hsla(${hue.toFixed(1)}, 75%, 58%, ${alpha})`;
}

export function ownerColor(id: number, alpha = 1): string {
  return hueColor(ownerHue(id), alpha);
}

/** A genotype and the genotype it arose from (null for a founder). */
export interface GenomeOrigin {
  readonly genomeHash: string;
  readonly parentGenome: string | null;
}

/**
 * Hues by lineage: founders step around the colour wheel as owners do; a genotype that arose from another takes
 * its parent's hue turned by 10–30° (direction and size from its own hash), so a lineage keeps to one region of
 * the wheel and its branches drift apart step by step. `origins` in order of first appearance (parents first).
 */
export function lineageHues(origins: readonly GenomeOrigin[]): Map<string, number> {
  const hues = new Map<string, number>();
  let founders = 0;
  for (const g of origins) {
    if (hues.has(g.genomeHash)) continue;
    const parent = g.parentGenome === null ? undefined : hues.get(g.parentGenome);
    if (parent === undefined) {
      hues.set(g.genomeHash, ownerHue(++founders));
      continue;
    }
    const n = Number.parseInt(g.genomeHash.slice(0, 6), 16) || 0;
    const turn = 10 + (n % 21);
    hues.set(g.genomeHash, (parent + ((n >> 4) & 1 ? turn : -turn) + 360) % 360);
  }
  return hues;
}

/** `#rrggbb` → [r, g, b]. */
export function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** HSL (0..360, 0..1, 0..1) → [r, g, b] 0..255. */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/**
 * The colour of a cell a few pixels wide or less (type colour, tinted by its owner's hue); `hue` picks the tint
 * (a lineage hue) instead of the owner's own.
 */
export function smallCellRgb(molecule: number, owner: number, hue?: number): [number, number, number] {
  const base = rgbOf(molecule === 0 ? EMPTY_CODE_COLOR : (TYPE_COLORS[moleculeType(molecule)] ?? '#ffffff'));
  if (owner === 0) return base;
  const o = hslToRgb(hue ?? ownerHue(owner), 0.75, 0.58);
  return [
    Math.round(base[0] * (1 - OWNER_TINT) + o[0] * OWNER_TINT),
    Math.round(base[1] * (1 - OWNER_TINT) + o[1] * OWNER_TINT),
    Math.round(base[2] * (1 - OWNER_TINT) + o[2] * OWNER_TINT),
  ];
}
