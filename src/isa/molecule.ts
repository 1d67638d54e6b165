/**
 * Molecule encoding: one 32-bit integer per world cell.
 *
 * bits 0–19 value (two's complement, sign-extended on read), 20–27 type, 28–31 marker.
 * CODE:0 with marker 0 is exactly 0, so an all-zero typed array is an empty world.
 */

export const MoleculeType = {
  CODE: 0,
  DATA: 1,
  ENERGY: 2,
  STRUCTURE: 3,
  LABEL: 4,
  LABELREF: 5,
  REGISTER: 6,
} as const;
export type MoleculeType = (typeof MoleculeType)[keyof typeof MoleculeType];

export const MOLECULE_TYPE_NAMES = ['CODE', 'DATA', 'ENERGY', 'STRUCTURE', 'LABEL', 'LABELREF', 'REGISTER'] as const;

export const VALUE_BITS = 20;
export const VALUE_MASK = 0xfffff;
export const TYPE_SHIFT = 20;
export const TYPE_MASK = 0xff;
export const MARKER_SHIFT = 28;
export const MARKER_MASK = 0xf;
export const VALUE_MIN = -(1 << (VALUE_BITS - 1));
export const VALUE_MAX = (1 << (VALUE_BITS - 1)) - 1;

/** Packs a molecule; the result is a signed int32 (marker bit 31 makes it negative). */
export function packMolecule(type: number, value: number, marker = 0): number {
  if (type === MoleculeType.CODE && value === 0 && marker === 0) return 0;
  return ((marker & MARKER_MASK) << MARKER_SHIFT) | ((type & TYPE_MASK) << TYPE_SHIFT) | (value & VALUE_MASK);
}

export function moleculeValue(packed: number): number {
  return (packed << (32 - VALUE_BITS)) >> (32 - VALUE_BITS);
}

export function moleculeType(packed: number): number {
  return (packed >>> TYPE_SHIFT) & TYPE_MASK;
}

export function moleculeMarker(packed: number): number {
  return (packed >>> MARKER_SHIFT) & MARKER_MASK;
}

export function moleculeTypeName(type: number): string {
  return MOLECULE_TYPE_NAMES[type] ?? `TYPE${type}`;
}

export function moleculeTypeByName(name: string): number | undefined {
  const i = (MOLECULE_TYPE_NAMES as readonly string[]).indexOf(name.toUpperCase());
  return i < 0 ? undefined : i;
}

/** `DATA:5`, `CODE:0`, with `@m` appended when a marker is set. */
export function formatMolecule(packed: number): string {
  const m = moleculeMarker(packed);
  const base = `${moleculeTypeName(moleculeType(packed))}:${moleculeValue(packed)}`;
  return m === 0 ? base : `${base}@${m}`;
}
