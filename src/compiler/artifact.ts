/**
 * `ProgramArtifact`: what the compiler produces and the runtime places in the world. Plain JSON data (no
 * Maps, no classes), so `JSON.stringify(artifact)` is its serialised form and `JSON.parse` gives it back.
 *
 * Coordinates are relative to the program origin; the runtime adds the placement position. A cell's
 * linear address is its index in `machineCodeLayout` (the order the compiler laid the cells out).
 */

export const ARTIFACT_FORMAT_VERSION = 1;

export interface CodeCell {
  /** Relative coordinate, one entry per world dimension. */
  readonly coord: readonly number[];
  /** Packed molecule (signed int32; see src/isa/molecule.ts). Explicit NOPs are 0. */
  readonly molecule: number;
}

export interface WorldObject {
  readonly coord: readonly number[];
  readonly molecule: number;
  /** Unpacked for convenience: type id (CODE 0 … REGISTER 6), signed value, marker. */
  readonly type: number;
  readonly value: number;
  readonly marker: number;
}

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface LabelInfo {
  readonly name: string;
  readonly value: number;
  readonly coord: readonly number[];
  readonly address: number;
}

export interface ProcParamInfo {
  readonly name: string;
  readonly type: 'REF' | 'VAL' | 'LREF' | 'LVAL';
}

export interface ProgramArtifact {
  readonly formatVersion: number;
  /** Hex hash of the code layout and world objects; equal programs have equal ids. */
  readonly programId: string;
  readonly world: { readonly shape: readonly number[]; readonly toroidal: boolean };
  readonly mainFile: string;
  /** Every cell the program occupies, in linear-address order (index = address). */
  readonly machineCodeLayout: readonly CodeCell[];
  /** `.PLACE` molecules, written after the code at load time (they win on overlap). */
  readonly initialWorldObjects: readonly WorldObject[];
  /** Linear address → where the cell came from (synthetic marshalling code points at its CALL/.PROC). */
  readonly sourceMap: readonly SourceLocation[];
  readonly labels: readonly LabelInfo[];
  /** Qualified label name (`START`, `W.WALK`) → label value (the hash stored in LABEL/LABELREF molecules). */
  readonly labelNameToValue: Readonly<Record<string, number>>;
  /** Label value (decimal string) → qualified name. */
  readonly labelValueToName: Readonly<Record<string, string>>;
  /** `.REG` aliases (upper-case, with `%`) → register id. */
  readonly registerAliasMap: Readonly<Record<string, number>>;
  /** Qualified procedure name → parameters in register order. */
  readonly procNameToParamNames: Readonly<Record<string, readonly ProcParamInfo[]>>;
  /** File (as shown in diagnostics) → its lines, for debuggers. */
  readonly sources: Readonly<Record<string, readonly string[]>>;
}

/** 64-bit FNV-1a over the cells, as 16 hex digits. Stable across runs and platforms. */
export function computeProgramId(code: readonly CodeCell[], objects: readonly WorldObject[]): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0xcbf29ce4 | 0;
  const mix = (n: number): void => {
    for (let k = 0; k < 4; k++) {
      const byte = (n >>> (k * 8)) & 0xff;
      h1 = Math.imul(h1 ^ byte, 0x01000193);
      h2 = Math.imul(h2 ^ byte ^ (h1 >>> 13), 0x01000193);
    }
  };
  const cells = (list: readonly { coord: readonly number[]; molecule: number }[], tag: number): void => {
    const sorted = [...list].sort((a, b) => compareCoords(a.coord, b.coord));
    mix(tag);
    mix(sorted.length);
    for (const c of sorted) {
      mix(c.coord.length);
      for (const x of c.coord) mix(x);
      mix(c.molecule);
    }
  };
  cells(code, 1);
  cells(objects, 2);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

export function compareCoords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
