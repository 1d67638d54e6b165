/**
 * The EvoASM instruction set: one row per opcode.
 *
 * An opcode value is `family * 4096 + operation * 64 + variant`; the variant encodes the operand shape so that
 * a mutation of the operation keeps the instruction length. Shared by the compiler (mnemonics, operand
 * kinds) and the runtime (dispatch, wave). Kept as data so both read one truth.
 */

/** Where an operand comes from. `LR` is a location-register id, `S` is taken from the data stack (no cell). */
export type OperandSource = 'R' | 'LR' | 'I' | 'V' | 'L' | 'S';

/** Wave 1 instructions run in parallel; wave 2 (world writes, FORK, CMR) run after conflict resolution. */
export type Wave = 1 | 2;

export interface OpcodeInfo {
  readonly opcode: number;
  readonly name: string;
  /** Operation class used for grouping in tooling (Arithmetic, Bitwise, …). */
  readonly group: string;
  readonly operands: readonly OperandSource[];
  readonly wave: Wave;
}

type Row = readonly [opcode: number, name: string, group: string, operands: string, wave: Wave];

// prettier-ignore
const ROWS: readonly Row[] = [
  [0, 'NOP', 'Nop', '', 1],
  [64, 'WAIT', 'Nop', '', 1],
  [4128, 'ADDR', 'Arithmetic', 'R,R', 1],
  [4129, 'ADDI', 'Arithmetic', 'R,I', 1],
  [4133, 'ADDS', 'Arithmetic', 'S,S', 1],
  [4192, 'SUBR', 'Arithmetic', 'R,R', 1],
  [4193, 'SUBI', 'Arithmetic', 'R,I', 1],
  [4197, 'SUBS', 'Arithmetic', 'S,S', 1],
  [4256, 'MULR', 'Arithmetic', 'R,R', 1],
  [4257, 'MULI', 'Arithmetic', 'R,I', 1],
  [4261, 'MULS', 'Arithmetic', 'S,S', 1],
  [4320, 'DIVR', 'Arithmetic', 'R,R', 1],
  [4321, 'DIVI', 'Arithmetic', 'R,I', 1],
  [4325, 'DIVS', 'Arithmetic', 'S,S', 1],
  [4384, 'MODR', 'Arithmetic', 'R,R', 1],
  [4385, 'MODI', 'Arithmetic', 'R,I', 1],
  [4389, 'MODS', 'Arithmetic', 'S,S', 1],
  [4432, 'NEGR', 'Arithmetic', 'R', 1],
  [4434, 'NEGS', 'Arithmetic', 'S', 1],
  [4496, 'ABSR', 'Arithmetic', 'R', 1],
  [4498, 'ABSS', 'Arithmetic', 'S', 1],
  [4560, 'INCR', 'Arithmetic', 'R', 1],
  [4562, 'INCS', 'Arithmetic', 'S', 1],
  [4624, 'DECR', 'Arithmetic', 'R', 1],
  [4626, 'DECS', 'Arithmetic', 'S', 1],
  [4704, 'MINR', 'Arithmetic', 'R,R', 1],
  [4705, 'MINI', 'Arithmetic', 'R,I', 1],
  [4709, 'MINS', 'Arithmetic', 'S,S', 1],
  [4768, 'MAXR', 'Arithmetic', 'R,R', 1],
  [4769, 'MAXI', 'Arithmetic', 'R,I', 1],
  [4773, 'MAXS', 'Arithmetic', 'S,S', 1],
  [4816, 'SGNR', 'Arithmetic', 'R', 1],
  [4818, 'SGNS', 'Arithmetic', 'S', 1],
  [4901, 'DOTS', 'Arithmetic', 'S,S', 1],
  [4912, 'DOTR', 'Arithmetic', 'R,R,R', 1],
  [4965, 'CRSS', 'Arithmetic', 'S,S', 1],
  [4976, 'CRSR', 'Arithmetic', 'R,R,R', 1],
  [8224, 'ANDR', 'Bitwise', 'R,R', 1],
  [8225, 'ANDI', 'Bitwise', 'R,I', 1],
  [8229, 'ANDS', 'Bitwise', 'S,S', 1],
  [8288, 'ORR', 'Bitwise', 'R,R', 1],
  [8289, 'ORI', 'Bitwise', 'R,I', 1],
  [8293, 'ORS', 'Bitwise', 'S,S', 1],
  [8352, 'XORR', 'Bitwise', 'R,R', 1],
  [8353, 'XORI', 'Bitwise', 'R,I', 1],
  [8357, 'XORS', 'Bitwise', 'S,S', 1],
  [8416, 'NADR', 'Bitwise', 'R,R', 1],
  [8417, 'NADI', 'Bitwise', 'R,I', 1],
  [8421, 'NADS', 'Bitwise', 'S,S', 1],
  [8480, 'NORR', 'Bitwise', 'R,R', 1],
  [8481, 'NORI', 'Bitwise', 'R,I', 1],
  [8485, 'NORS', 'Bitwise', 'S,S', 1],
  [8544, 'EQUR', 'Bitwise', 'R,R', 1],
  [8545, 'EQUI', 'Bitwise', 'R,I', 1],
  [8549, 'EQUS', 'Bitwise', 'S,S', 1],
  [8608, 'ADNR', 'Bitwise', 'R,R', 1],
  [8609, 'ADNI', 'Bitwise', 'R,I', 1],
  [8613, 'ADNS', 'Bitwise', 'S,S', 1],
  [8672, 'ORNR', 'Bitwise', 'R,R', 1],
  [8673, 'ORNI', 'Bitwise', 'R,I', 1],
  [8677, 'ORNS', 'Bitwise', 'S,S', 1],
  [8720, 'NOT', 'Bitwise', 'R', 1],
  [8722, 'NOTS', 'Bitwise', 'S', 1],
  [8800, 'SHLR', 'Bitwise', 'R,R', 1],
  [8801, 'SHLI', 'Bitwise', 'R,I', 1],
  [8805, 'SHLS', 'Bitwise', 'S,S', 1],
  [8864, 'SHRR', 'Bitwise', 'R,R', 1],
  [8865, 'SHRI', 'Bitwise', 'R,I', 1],
  [8869, 'SHRS', 'Bitwise', 'S,S', 1],
  [8928, 'ROTR', 'Bitwise', 'R,R', 1],
  [8929, 'ROTI', 'Bitwise', 'R,I', 1],
  [8933, 'ROTS', 'Bitwise', 'S,S', 1],
  [8978, 'PCNS', 'Bitwise', 'S', 1],
  [8992, 'PCNR', 'Bitwise', 'R,R', 1],
  [9061, 'BSNS', 'Bitwise', 'S,S', 1],
  [9072, 'BSNR', 'Bitwise', 'R,R,R', 1],
  [9073, 'BSNI', 'Bitwise', 'R,R,I', 1],
  [12320, 'SETR', 'Data', 'R,R', 1],
  [12321, 'SETI', 'Data', 'R,I', 1],
  [12323, 'SETV', 'Data', 'R,V', 1],
  [12368, 'PUSH', 'Data', 'R', 1],
  [12369, 'PUSI', 'Data', 'I', 1],
  [12371, 'PUSV', 'Data', 'V', 1],
  [12432, 'POP', 'Data', 'R', 1],
  [12480, 'DUP', 'Stack', '', 1],
  [12544, 'SWAP', 'Stack', '', 1],
  [12608, 'DROP', 'Stack', '', 1],
  [12672, 'ROT', 'Stack', '', 1],
  [12768, 'XCHG', 'Data', 'R,R', 1],
  [16416, 'IFR', 'Conditional', 'R,R', 1],
  [16417, 'IFI', 'Conditional', 'R,I', 1],
  [16421, 'IFS', 'Conditional', 'S,S', 1],
  [16480, 'INR', 'Conditional', 'R,R', 1],
  [16481, 'INI', 'Conditional', 'R,I', 1],
  [16485, 'INS', 'Conditional', 'S,S', 1],
  [16544, 'LTR', 'Conditional', 'R,R', 1],
  [16545, 'LTI', 'Conditional', 'R,I', 1],
  [16549, 'LTS', 'Conditional', 'S,S', 1],
  [16608, 'GTR', 'Conditional', 'R,R', 1],
  [16609, 'GTI', 'Conditional', 'R,I', 1],
  [16613, 'GTS', 'Conditional', 'S,S', 1],
  [16672, 'LETR', 'Conditional', 'R,R', 1],
  [16673, 'LETI', 'Conditional', 'R,I', 1],
  [16677, 'LETS', 'Conditional', 'S,S', 1],
  [16736, 'GETR', 'Conditional', 'R,R', 1],
  [16737, 'GETI', 'Conditional', 'R,I', 1],
  [16741, 'GETS', 'Conditional', 'S,S', 1],
  [16800, 'IFTR', 'Conditional', 'R,R', 1],
  [16801, 'IFTI', 'Conditional', 'R,I', 1],
  [16805, 'IFTS', 'Conditional', 'S,S', 1],
  [16864, 'INTR', 'Conditional', 'R,R', 1],
  [16865, 'INTI', 'Conditional', 'R,I', 1],
  [16869, 'INTS', 'Conditional', 'S,S', 1],
  [16912, 'IFMR', 'Conditional', 'R', 1],
  [16914, 'IFMS', 'Conditional', 'S', 1],
  [16915, 'IFMI', 'Conditional', 'V', 1],
  [16976, 'INMR', 'Conditional', 'R', 1],
  [16978, 'INMS', 'Conditional', 'S', 1],
  [16979, 'INMI', 'Conditional', 'V', 1],
  [17040, 'IFPR', 'Conditional', 'R', 1],
  [17042, 'IFPS', 'Conditional', 'S', 1],
  [17043, 'IFPI', 'Conditional', 'V', 1],
  [17104, 'INPR', 'Conditional', 'R', 1],
  [17106, 'INPS', 'Conditional', 'S', 1],
  [17107, 'INPI', 'Conditional', 'V', 1],
  [17168, 'IFFR', 'Conditional', 'R', 1],
  [17170, 'IFFS', 'Conditional', 'S', 1],
  [17171, 'IFFI', 'Conditional', 'V', 1],
  [17232, 'INFR', 'Conditional', 'R', 1],
  [17234, 'INFS', 'Conditional', 'S', 1],
  [17235, 'INFI', 'Conditional', 'V', 1],
  [17296, 'IFVR', 'Conditional', 'R', 1],
  [17298, 'IFVS', 'Conditional', 'S', 1],
  [17299, 'IFVI', 'Conditional', 'V', 1],
  [17360, 'INVR', 'Conditional', 'R', 1],
  [17362, 'INVS', 'Conditional', 'S', 1],
  [17363, 'INVI', 'Conditional', 'V', 1],
  [17408, 'IFER', 'Conditional', '', 1],
  [17472, 'INER', 'Conditional', '', 1],
  [20496, 'JMPR', 'ControlFlow', 'R', 1],
  [20498, 'JMPS', 'ControlFlow', 'S', 1],
  [20500, 'JMPI', 'ControlFlow', 'L', 1],
  [20564, 'CALL', 'ControlFlow', 'L', 1],
  [20608, 'RET', 'ControlFlow', '', 1],
  [24594, 'PEKS', 'EnvironmentInteraction', 'S', 2],
  [24608, 'PEEK', 'EnvironmentInteraction', 'R,R', 2],
  [24611, 'PEKI', 'EnvironmentInteraction', 'R,V', 2],
  [24672, 'POKE', 'EnvironmentInteraction', 'R,R', 2],
  [24675, 'POKI', 'EnvironmentInteraction', 'R,V', 2],
  [24677, 'POKS', 'EnvironmentInteraction', 'S,S', 2],
  [24736, 'PPKR', 'EnvironmentInteraction', 'R,R', 2],
  [24739, 'PPKI', 'EnvironmentInteraction', 'R,V', 2],
  [24741, 'PPKS', 'EnvironmentInteraction', 'S,S', 2],
  [28690, 'SCNS', 'State', 'S', 1],
  [28704, 'SCAN', 'State', 'R,R', 1],
  [28707, 'SCNI', 'State', 'R,V', 1],
  [28752, 'SEEK', 'State', 'R', 1],
  [28754, 'SEKS', 'State', 'S', 1],
  [28755, 'SEKI', 'State', 'V', 1],
  [28816, 'TURN', 'State', 'R', 1],
  [28818, 'TRNS', 'State', 'S', 1],
  [28819, 'TRNI', 'State', 'V', 1],
  [28864, 'SYNC', 'State', '', 1],
  [28928, 'NRGS', 'State', '', 1],
  [28944, 'NRG', 'State', 'R', 1],
  [28992, 'NTRS', 'State', '', 1],
  [29008, 'NTR', 'State', 'R', 1],
  [29056, 'DIFS', 'State', '', 1],
  [29072, 'DIFF', 'State', 'R', 1],
  [29120, 'POSS', 'State', '', 1],
  [29136, 'POS', 'State', 'R', 1],
  [29200, 'RAND', 'State', 'R', 1],
  [29202, 'RNDS', 'State', 'S', 1],
  [29296, 'FORK', 'State', 'R,R,R', 2],
  [29299, 'FRKS', 'State', 'S,S,S', 2],
  [29300, 'FRKI', 'State', 'V,I,V', 2],
  [29328, 'ADPR', 'State', 'R', 1],
  [29329, 'ADPI', 'State', 'I', 1],
  [29330, 'ADPS', 'State', 'S', 1],
  [29376, 'SPNS', 'State', '', 1],
  [29392, 'SPNR', 'State', 'R', 1],
  [29458, 'SNTS', 'State', 'S', 1],
  [29472, 'SNTR', 'State', 'R,R', 1],
  [29473, 'SNTI', 'State', 'R,I', 1],
  [29522, 'RBIS', 'State', 'S', 1],
  [29536, 'RBIR', 'State', 'R,R', 1],
  [29537, 'RBII', 'State', 'R,I', 1],
  [29568, 'GDVS', 'State', '', 1],
  [29584, 'GDVR', 'State', 'R', 1],
  [29648, 'SMR', 'State', 'R', 1],
  [29649, 'SMRI', 'State', 'I', 1],
  [29650, 'SMRS', 'State', 'S', 1],
  [29696, 'GMRS', 'State', '', 1],
  [29712, 'GMR', 'State', 'R', 1],
  [29776, 'CMR', 'State', 'R', 2],
  [29777, 'CMRI', 'State', 'I', 2],
  [29778, 'CMRS', 'State', 'S', 2],
  [32786, 'DPLS', 'Location', '', 1],
  [32788, 'DPLR', 'Location', 'LR', 1],
  [32850, 'SKLS', 'Location', '', 1],
  [32852, 'SKLR', 'Location', 'LR', 1],
  [32916, 'LRDS', 'Location', 'LR', 1],
  [32932, 'LRDR', 'Location', 'R,LR', 1],
  [32960, 'LSDS', 'Location', '', 1],
  [32976, 'LSDR', 'Location', 'R', 1],
  [33044, 'PUSL', 'Location', 'LR', 1],
  [33108, 'POPL', 'Location', 'LR', 1],
  [33152, 'DUPL', 'Location', '', 1],
  [33216, 'SWPL', 'Location', '', 1],
  [33280, 'DRPL', 'Location', '', 1],
  [33344, 'ROTL', 'Location', '', 1],
  [33428, 'CRLR', 'Location', 'LR', 1],
  [33511, 'LRLR', 'Location', 'LR,LR', 1],
  [33552, 'SKJR', 'Location', 'R', 1],
  [33554, 'SKJS', 'Location', 'S', 1],
  [33556, 'SKJI', 'Location', 'L', 1],
  [33620, 'PSLI', 'Location', 'L', 1],
  [33703, 'LRLI', 'Location', 'LR,L', 1],
  [36901, 'VGTS', 'Vector', 'S,S', 1],
  [36912, 'VGTR', 'Vector', 'R,R,R', 1],
  [36913, 'VGTI', 'Vector', 'R,R,I', 1],
  [36976, 'VSTR', 'Vector', 'R,R,R', 1],
  [36978, 'VSTI', 'Vector', 'R,I,I', 1],
  [36979, 'VSTS', 'Vector', 'S,S,S', 1],
  [36992, 'VBLS', 'Vector', '', 1],
  [37008, 'VBLD', 'Vector', 'R', 1],
  [37074, 'B2VS', 'Vector', 'S', 1],
  [37088, 'B2VR', 'Vector', 'R,R', 1],
  [37089, 'B2VI', 'Vector', 'R,I', 1],
  [37138, 'V2BS', 'Vector', 'S', 1],
  [37152, 'V2BR', 'Vector', 'R,R', 1],
  [37155, 'V2BI', 'Vector', 'R,V', 1],
  [37232, 'RTRR', 'Vector', 'R,R,R', 1],
  [37234, 'RTRI', 'Vector', 'R,I,I', 1],
  [37235, 'RTRS', 'Vector', 'S,S,S', 1],
];

export const FAMILY_NAMES = [
  'SPECIAL',
  'ARITHMETIC',
  'BITWISE',
  'DATA',
  'CONDITIONAL',
  'CONTROL',
  'ENVIRONMENT',
  'STATE',
  'LOCATION',
  'VECTOR',
] as const;

export const OPCODES: readonly OpcodeInfo[] = ROWS.map(([opcode, name, group, operands, wave]) => ({
  opcode,
  name,
  group,
  operands: operands === '' ? [] : (operands.split(',') as OperandSource[]),
  wave,
}));

const byName = new Map<string, OpcodeInfo>(OPCODES.map((o) => [o.name, o]));
const byOpcode = new Map<number, OpcodeInfo>(OPCODES.map((o) => [o.opcode, o]));

export function opcodeByName(name: string): OpcodeInfo | undefined {
  return byName.get(name.toUpperCase());
}

export function opcodeInfo(opcode: number): OpcodeInfo | undefined {
  return byOpcode.get(opcode);
}

export function familyOf(opcode: number): number {
  return Math.floor(opcode / 4096);
}

export function operationOf(opcode: number): number {
  return Math.floor(opcode / 64) % 64;
}

export function variantOf(opcode: number): number {
  return opcode % 64;
}

/** Cells an instruction occupies in a world with `dims` dimensions (opcode cell included). */
export function instructionLength(info: OpcodeInfo, dims: number): number {
  let len = 1;
  for (const src of info.operands) {
    if (src === 'V') len += dims;
    else if (src !== 'S') len += 1;
  }
  return len;
}
