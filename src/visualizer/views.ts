/** Turns stored OrganismStates into the JSON views the visualizer API returns. */
import { formatMolecule, moleculeMarker, moleculeType, moleculeTypeName, moleculeValue } from '../isa/molecule.js';
import { instructionLength, opcodeInfo } from '../isa/opcodes.js';
import { REGISTER_BANKS, registerName } from '../isa/registers.js';
import type { OrganismState, RegisterValue } from '../pipeline/contracts/index.js';
import type { OrganismBrief } from '../pipeline/contracts/organism-brief.js';
import type { OrganismRow } from '../pipeline/api/index-database.js';

export type Vec = number[];

export interface MoleculeView {
  readonly kind: 'MOLECULE';
  readonly raw: number;
  readonly type: string;
  readonly value: number;
  readonly marker: number;
  readonly text: string;
}
export interface VectorView {
  readonly kind: 'VECTOR';
  readonly vector: Vec;
  readonly text: string;
}
export type ValueView = MoleculeView | VectorView;

export function vec(v: { components?: readonly number[] | null } | null | undefined): Vec {
  return [...(v?.components ?? [])];
}

export function moleculeView(raw: number): MoleculeView {
  return {
    kind: 'MOLECULE',
    raw,
    type: moleculeTypeName(moleculeType(raw)),
    value: moleculeValue(raw),
    marker: moleculeMarker(raw),
    text: formatMolecule(raw),
  };
}

export function valueView(r: RegisterValue): ValueView {
  if (r.vector) {
    const v = vec(r.vector);
    return { kind: 'VECTOR', vector: v, text: `[${v.join('|')}]` };
  }
  return moleculeView(r.scalar ?? 0);
}

export interface OrganismSummary {
  readonly organismId: number;
  readonly parentId: number | null;
  readonly birthTick: number;
  readonly programId: string;
  readonly energy: number;
  readonly entropy: number;
  readonly ip: Vec;
  readonly dv: Vec;
  readonly dataPointers: Vec[];
  readonly activeDpIndex: number;
  readonly genomeHash: string;
  readonly isDead: boolean;
  readonly deathTick: number;
}

/** The summary of an organism from its brief (or its full state, which has the brief's fields). */
export function summaryOf(s: OrganismBrief | OrganismState): OrganismSummary {
  return {
    organismId: s.organismId,
    parentId: s.parentId < 0 ? null : s.parentId,
    birthTick: Number(s.birthTick),
    programId: s.programId,
    energy: s.energy,
    entropy: s.entropyRegister,
    ip: vec(s.ip),
    dv: vec(s.dv),
    dataPointers: s.dataPointers.map(vec),
    activeDpIndex: s.activeDpIndex,
    genomeHash: s.genomeHash,
    isDead: s.isDead,
    deathTick: s.isDead ? Number(s.deathTick) : -1,
  };
}

export interface RegisterBankView {
  readonly bank: string;
  readonly registers: Array<{ name: string; id: number; value: ValueView | null }>;
}

export function registerBanks(s: OrganismState): RegisterBankView[] {
  let k = 0;
  return REGISTER_BANKS.map((b) => {
    const registers = [];
    for (let i = 0; i < b.count; i++) {
      const r = s.registers[k++];
      registers.push({
        name: registerName(b.base + i),
        id: b.base + i,
        value: r ? valueView(r as RegisterValue) : null,
      });
    }
    return { bank: b.name, registers };
  });
}

export interface ProgramInfo {
  readonly labelValueToName: Readonly<Record<string, string>>;
  readonly machineCodeLayout: ReadonlyArray<{ coord: readonly number[] }>;
  readonly sourceMap: ReadonlyArray<{ file: string; line: number; column: number }>;
}

export interface ArgumentView {
  readonly source: string;
  readonly text: string;
  readonly raw?: number | Vec;
  readonly registerValue?: ValueView | null;
}

export interface InstructionView {
  readonly opcodeId: number;
  readonly opcodeName: string;
  readonly text: string;
  readonly arguments: ArgumentView[];
  readonly energyDelta?: number;
  readonly entropyDelta?: number;
  readonly failed?: boolean;
  readonly failureReason?: string;
}

export function lastInstruction(s: OrganismState): InstructionView | null {
  if (s.lastOpcodeId < 0) return null;
  const info = opcodeInfo(s.lastOpcodeId);
  const name = info?.name ?? `OP${s.lastOpcodeId}`;
  return {
    opcodeId: s.lastOpcodeId,
    opcodeName: name,
    text: name,
    arguments: [],
    energyDelta: s.lastEnergyDelta,
    entropyDelta: s.lastEntropyDelta,
    failed: s.instructionFailed,
    failureReason: s.failureReason,
  };
}

/** World flat indices of the cells an instruction at `ip` moving along `dv` may occupy (opcode first). */
export function instructionCells(
  ip: Vec,
  dv: Vec,
  shape: readonly number[],
  toroidal: boolean,
  count: number,
): number[] {
  const out: number[] = [];
  const pos = [...ip];
  for (let k = 0; k < count; k++) {
    let flat = 0;
    let inside = true;
    for (let d = 0; d < shape.length; d++) {
      let c = pos[d] ?? 0;
      if (toroidal) c = ((c % shape[d]!) + shape[d]!) % shape[d]!;
      else if (c < 0 || c >= shape[d]!) inside = false;
      flat = flat * shape[d]! + c;
    }
    if (!inside) break;
    out.push(flat);
    for (let d = 0; d < pos.length; d++) pos[d] = pos[d]! + (dv[d] ?? 0);
  }
  return out;
}

/** Decodes the instruction whose cells (opcode first) hold `molecules`. */
export function nextInstruction(
  molecules: readonly number[],
  s: OrganismState,
  dims: number,
  program: ProgramInfo | undefined,
): InstructionView | null {
  const first = molecules[0];
  if (first === undefined) return null;
  if (moleculeType(first) !== 0)
    return {
      opcodeId: -1,
      opcodeName: formatMolecule(first),
      text: `(not code: ${formatMolecule(first)})`,
      arguments: [],
    };
  const opcode = moleculeValue(first);
  const info = opcodeInfo(opcode);
  if (!info) return { opcodeId: opcode, opcodeName: `OP${opcode}`, text: `(unknown opcode ${opcode})`, arguments: [] };
  const args: ArgumentView[] = [];
  let k = 1;
  const regs = registerValueById(s);
  for (const src of info.operands) {
    if (src === 'S') {
      args.push({ source: 'STACK', text: '(stack)' });
      continue;
    }
    if (src === 'V') {
      const v: number[] = [];
      for (let d = 0; d < dims; d++) v.push(moleculeValue(molecules[k++] ?? 0));
      args.push({ source: 'VECTOR', text: v.join('|'), raw: v });
      continue;
    }
    const m = molecules[k++] ?? 0;
    const value = moleculeValue(m);
    if (src === 'R' || src === 'LR') {
      args.push({ source: 'REGISTER', text: registerName(value), raw: value, registerValue: regs(value) });
    } else if (src === 'L') {
      const name = program?.labelValueToName[String(value)];
      args.push({ source: 'LABEL', text: name ?? `#${value}`, raw: value });
    } else {
      args.push({ source: 'IMMEDIATE', text: formatMolecule(m), raw: m });
    }
  }
  return {
    opcodeId: opcode,
    opcodeName: info.name,
    text: [info.name, ...args.map((a) => a.text)].join(' '),
    arguments: args,
  };
}

export function nextInstructionLength(firstMolecule: number, dims: number): number {
  const info = moleculeType(firstMolecule) === 0 ? opcodeInfo(moleculeValue(firstMolecule)) : undefined;
  return info ? instructionLength(info, dims) : 1;
}

function registerValueById(s: OrganismState): (id: number) => ValueView | null {
  const offsets = new Map<number, number>();
  let k = 0;
  for (const b of REGISTER_BANKS) for (let i = 0; i < b.count; i++) offsets.set(b.base + i, k++);
  return (id) => {
    const off = offsets.get(id);
    const r = off === undefined ? undefined : s.registers[off];
    return r ? valueView(r as RegisterValue) : null;
  };
}

/** Where the IP is in the program's source, when the organism runs code laid out from its initial position. */
export function sourceLocationOf(
  ip: Vec,
  origin: Vec,
  shape: readonly number[],
  toroidal: boolean,
  program: ProgramInfo | undefined,
  index: Map<string, number> | undefined,
): { file: string; line: number; column: number; address: number } | null {
  if (!program || !index) return null;
  const rel = ip.map((c, d) => {
    const r = c - (origin[d] ?? 0);
    return toroidal ? ((r % shape[d]!) + shape[d]!) % shape[d]! : r;
  });
  let address = index.get(rel.join(','));
  if (address === undefined && toroidal) {
    // Negative relative coordinates wrap; try the negative representative too.
    address = index.get(rel.map((r, d) => (r > shape[d]! / 2 ? r - shape[d]! : r)).join(','));
  }
  if (address === undefined) return null;
  const loc = program.sourceMap[address];
  return loc ? { ...loc, address } : null;
}

export function staticInfo(
  row: OrganismRow | undefined,
  s: OrganismState,
): { parentId: number | null; birthTick: number; programId: string; initialPosition: Vec; genomeHash: string } {
  return {
    parentId: row ? row.parentId : s.parentId < 0 ? null : s.parentId,
    birthTick: row ? row.birthTick : Number(s.birthTick),
    programId: row ? row.programId : s.programId,
    initialPosition: row ? [...row.initialPosition] : vec(s.initialPosition),
    genomeHash: row ? row.genomeHash : s.genomeHash,
  };
}
