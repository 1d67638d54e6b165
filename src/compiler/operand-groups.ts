/**
 * Splits the tokens after a mnemonic or macro name into operands. Operands are separated by whitespace or
 * commas; the connectors `|`, `:` and `..` glue neighbours into one operand (`1|0`, `DATA:5`, `-1..4|0`).
 */
import type { Token } from './tokens.js';

const CONNECTORS = new Set(['pipe', 'colon', 'dotdot']);

export function splitOperands(tokens: readonly Token[]): Token[][] {
  const groups: Token[][] = [];
  let current: Token[] = [];
  let prev: Token | undefined;
  for (const t of tokens) {
    if (t.kind === 'comma') {
      if (current.length > 0) groups.push(current);
      current = [];
      prev = undefined;
      continue;
    }
    const glued = prev !== undefined && (CONNECTORS.has(prev.kind) || CONNECTORS.has(t.kind));
    if (!glued && current.length > 0) {
      groups.push(current);
      current = [];
    }
    current.push(t);
    prev = t;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
