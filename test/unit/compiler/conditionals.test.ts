import { describe, expect, it } from 'vitest';
import { CONDITIONALS, negateConditional } from '../../../src/compiler/conditionals.js';
import { OPCODES } from '../../../src/isa/index.js';

describe('conditional negation (safe-call rewrite)', () => {
  it('covers every conditional opcode with one of the same operand shape, and is an involution', () => {
    expect(CONDITIONALS.length).toBe(OPCODES.filter((o) => o.group === 'Conditional').length);
    for (const c of CONDITIONALS) {
      const n = negateConditional(c);
      expect(n, c.name).toBeDefined();
      expect(n!.operands).toEqual(c.operands);
      expect(n!.name).not.toBe(c.name);
      expect(negateConditional(n!)).toBe(c);
    }
  });

  it('pairs the documented opposites', () => {
    const pairs = [
      'IFR:INR',
      'LTI:GETI',
      'GTI:LETI',
      'IFTS:INTS',
      'IFMI:INMI',
      'IFPR:INPR',
      'IFFS:INFS',
      'IFVR:INVR',
      'IFER:INER',
    ];
    for (const p of pairs) {
      const [a, b] = p.split(':') as [string, string];
      expect(negateConditional(CONDITIONALS.find((c) => c.name === a)!)!.name).toBe(b);
    }
  });
});
