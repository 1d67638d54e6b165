/**
 * Emitter and linker: turns laid-out cells into packed molecules. Labels become `LABEL:hash`, label
 * references `LABELREF:hash`, opcodes CODE molecules, registers `REGISTER:id`, vectors one DATA cell per
 * component, immediates keep their type.
 */
import { MoleculeType, moleculeMarker, moleculeType, moleculeValue, packMolecule } from '../isa/index.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import { labelHash } from './label-hash.js';
import type { LaidOutCell, Layout } from './layout.js';
import type { CodeCell, LabelInfo, SourceLocation, WorldObject } from './artifact.js';

export interface Emitted {
  readonly code: CodeCell[];
  readonly sourceMap: SourceLocation[];
  readonly objects: WorldObject[];
  readonly labels: LabelInfo[];
}

function operandMolecules(cells: readonly LaidOutCell[]): number[] {
  const out: number[] = [];
  for (const cell of cells) {
    const c = cell.content;
    if (c.kind === 'opcode') out.push(packMolecule(MoleculeType.CODE, c.opcode));
    else if (c.kind === 'label') out.push(packMolecule(MoleculeType.LABEL, labelHash(c.label)));
    else {
      const o = c.operand;
      if (o.kind === 'register') out.push(packMolecule(MoleculeType.REGISTER, o.id));
      else if (o.kind === 'immediate') out.push(o.packed);
      else if (o.kind === 'vector') out.push(packMolecule(MoleculeType.DATA, o.components[c.component] ?? 0));
      else if (o.kind === 'labelref') out.push(packMolecule(MoleculeType.LABELREF, labelHash(o.label)));
      // Reference mode: a label as a vector operand emits ONE LABELREF for the n reserved cells.
      else if (c.component === 0) out.push(packMolecule(MoleculeType.LABELREF, labelHash(o.label)));
    }
  }
  return out;
}

export function emit(layout: Layout, diags: DiagnosticBag): Emitted {
  const code: CodeCell[] = [];
  const sourceMap: SourceLocation[] = [];
  const labels: LabelInfo[] = [];
  const byHash = new Map<number, string>();
  const cells = layout.cells;
  // Molecules are written at an emission pointer that labels re-align to their own cell. Normally it always
  // equals the cell index; only the reference-mode label-as-vector shortfall makes it lag (the reference's
  // shifted layout with a gap before the next label).
  const written = new Map<number, number>();
  let ptr = 0;
  for (let i = 0; i < cells.length;) {
    let j = i;
    while (j < cells.length && cells[j]!.item === cells[i]!.item) j++;
    const group = cells.slice(i, j);
    const first = group[0]!;
    if (first.content.kind === 'label') {
      ptr = i;
      const name = first.content.label;
      const value = labelHash(name);
      const clash = byHash.get(value);
      if (clash !== undefined && clash !== name) {
        diags.warning(
          DiagnosticCode.LABEL_HASH_COLLISION,
          `Labels '${clash}' and '${name}' have the same hash ${value}; jumps to either may land on both.`,
          first.at,
        );
      }
      byHash.set(value, name);
      labels.push({ name, value, coord: first.coord, address: i });
    }
    for (const m of operandMolecules(group)) written.set(ptr++, m);
    i = j;
  }
  cells.forEach((cell, address) => {
    const m = written.get(address);
    if (m === undefined) return;
    code.push({ coord: cell.coord, molecule: m });
    sourceMap.push({ file: cell.at.file, line: cell.at.line, column: cell.at.column });
  });
  const objects: WorldObject[] = layout.objects.map((o) => ({
    coord: o.coord,
    molecule: o.packed,
    type: moleculeType(o.packed),
    value: moleculeValue(o.packed),
    marker: moleculeMarker(o.packed),
  }));
  return { code, sourceMap, objects, labels };
}
