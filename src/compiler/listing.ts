/**
 * A compact disassembly of an artifact's code, in address order: `LABEL:START SETI %DR0 DATA:5 JMPI START`.
 * Used by tests and for a quick look at what a program compiled to.
 */
import { formatMolecule, MoleculeType, moleculeType, moleculeValue, OPCODES, registerName } from '../isa/index.js';
import type { ProgramArtifact } from './artifact.js';

const MNEMONIC = new Map(OPCODES.map((o) => [o.opcode, o.name]));

export function disassembleCell(molecule: number, labelNames: ReadonlyMap<number, string>): string {
  const type = moleculeType(molecule);
  const value = moleculeValue(molecule);
  switch (type) {
    case MoleculeType.CODE:
      return molecule === 0 ? 'NOP' : (MNEMONIC.get(value) ?? formatMolecule(molecule));
    case MoleculeType.LABEL:
      return `LABEL:${labelNames.get(value) ?? value}`;
    case MoleculeType.LABELREF:
      return labelNames.get(value) ?? formatMolecule(molecule);
    case MoleculeType.REGISTER:
      return registerName(value);
    default:
      return formatMolecule(molecule);
  }
}

export function listing(a: ProgramArtifact): string {
  const names = new Map(Object.entries(a.labelValueToName).map(([v, n]) => [Number(v), n]));
  return a.machineCodeLayout.map((c) => disassembleCell(c.molecule, names)).join(' ');
}
