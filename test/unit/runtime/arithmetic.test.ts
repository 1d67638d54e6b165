import { describe, expect, it } from 'vitest';
import { DATA, ENERGY, run } from './helpers.js';

describe('arithmetic family', () => {
  it('adds, subtracts, multiplies, divides and takes remainders like Java ints', () => {
    const t = run(
      `SETI %DR0 DATA:17
       ADDI %DR0 DATA:5
       SUBI %DR0 DATA:30
       SETI %DR1 %DR0
       MULI %DR0 DATA:-3
       SETI %DR2 DATA:-7
       DIVI %DR2 DATA:2
       SETI %DR3 DATA:-7
       MODI %DR3 DATA:3`.replace('SETI %DR1 %DR0', 'SETR %DR1 %DR0'),
      9,
    );
    expect(t.reg('%DR1')).toBe(DATA(-8));
    expect(t.reg('%DR0')).toBe(DATA(24));
    expect(t.reg('%DR2')).toBe(DATA(-3));
    expect(t.reg('%DR3')).toBe(DATA(-1));
  });

  it('wraps results to 20 bits', () => {
    const t = run('SETI %DR0 DATA:524287\nINCR %DR0\nSETI %DR1 DATA:1000\nMULI %DR1 DATA:1000', 4);
    expect(t.reg('%DR0')).toBe(DATA(-524288));
    expect(t.reg('%DR1')).toBe(DATA(1000000 - 2 ** 20));
  });

  it('fails on division and modulo by zero and charges the error penalty', () => {
    const t = run('SETI %DR0 DATA:5\nDIVI %DR0 DATA:0', 2, { energy: 1000 });
    expect(t.org.failed).toBe(true);
    expect(t.org.failureReason).toBe('Division by zero.');
    expect(t.org.er).toBe(1000 - 2 - 100);
    expect(t.reg('%DR0')).toBe(DATA(5));
    const m = run('SETI %DR0 DATA:5\nSETI %DR1 DATA:0\nMODR %DR0 %DR1', 3);
    expect(m.org.failureReason).toBe('Modulo by zero.');
  });

  it('enforces strict typing on R-R forms and re-types immediates', () => {
    const t = run('SETI %DR0 DATA:1\nSETI %DR1 ENERGY:5\nADDR %DR0 %DR1', 3);
    expect(t.org.failureReason).toBe('Operand types must match in strict mode.');
    const i = run('SETI %DR0 ENERGY:5\nADDI %DR0 DATA:7', 2);
    expect(i.org.failed).toBe(false);
    expect(i.reg('%DR0')).toBe(ENERGY(12));
  });

  it('adds vectors component-wise and refuses vector multiplication', () => {
    const t = run('SETV %DR0 3|-2\nSETV %DR1 1|1\nADDR %DR0 %DR1', 3);
    expect(t.reg('%DR0')).toEqual([4, -1]);
    const m = run('SETV %DR0 3|-2\nSETV %DR1 1|1\nMULR %DR0 %DR1', 3);
    expect(m.org.failureReason).toBe('Unsupported vector operation: MULR');
    const mix = run('SETV %DR0 3|-2\nSETI %DR1 DATA:1\nADDR %DR0 %DR1', 3);
    expect(mix.org.failureReason).toBe('Mismatched or invalid operand types for arithmetic operation.');
  });

  it('computes unary ops, min/max, dot and cross products', () => {
    const t = run(
      `SETI %DR0 DATA:-9
       ABSR %DR0
       SETI %DR1 DATA:-4
       SGNR %DR1
       SETI %DR2 DATA:3
       MAXI %DR2 DATA:8
       SETV %DR3 2|3
       SETV %DR4 4|-1
       DOTR %DR5 %DR3 %DR4
       CRSR %DR6 %DR3 %DR4`,
      10,
    );
    expect(t.reg('%DR0')).toBe(DATA(9));
    expect(t.reg('%DR1')).toBe(DATA(-1));
    expect(t.reg('%DR2')).toBe(DATA(8));
    expect(t.reg('%DR5')).toBe(DATA(5));
    expect(t.reg('%DR6')).toBe(DATA(2 * -1 - 3 * 4));
  });

  it('stack forms use the top as the first operand (SUBS = top - second)', () => {
    const t = run('PUSI DATA:3\nPUSI DATA:10\nSUBS\nPOP %DR0', 4);
    expect(t.reg('%DR0')).toBe(DATA(7));
  });

  it('a binary stack op with one operand fails and still pops it', () => {
    const t = run('PUSI DATA:4\nADDS', 2);
    expect(t.org.failureReason).toBe('Invalid operand count for arithmetic operation.');
    expect(t.org.dsLen).toBe(0);
  });
});
