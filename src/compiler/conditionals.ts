/** Negation of conditional instructions, for the safe-call rewrite ("skip the whole CALL sequence"). */
import { OPCODES, opcodeByName, type OpcodeInfo } from '../isa/index.js';

const PAIRS: readonly (readonly [string, string])[] = [
  ['IF', 'IN'],
  ['LT', 'GET'],
  ['GT', 'LET'],
  ['IFT', 'INT'],
  ['IFM', 'INM'],
  ['IFP', 'INP'],
  ['IFF', 'INF'],
  ['IFV', 'INV'],
  ['IFE', 'INE'],
];

const NEGATION = new Map<string, OpcodeInfo>();
for (const [a, b] of PAIRS) {
  for (const suffix of ['R', 'I', 'S']) {
    const x = opcodeByName(a + suffix);
    const y = opcodeByName(b + suffix);
    if (x && y) {
      NEGATION.set(x.name, y);
      NEGATION.set(y.name, x);
    }
  }
}

export function isConditional(info: OpcodeInfo): boolean {
  return info.group === 'Conditional';
}

/** The conditional that executes the next instruction exactly when `info` would skip it. */
export function negateConditional(info: OpcodeInfo): OpcodeInfo | undefined {
  return NEGATION.get(info.name);
}

/** Every conditional has a negation (checked by a unit test). */
export const CONDITIONALS: readonly OpcodeInfo[] = OPCODES.filter(isConditional);
