import { describe, expect, it } from 'vitest';
import { DATA, ENERGY, run } from './helpers.js';

describe('bitwise family', () => {
  it('computes and/or/xor/nand/shift forms', () => {
    const t = run(
      `SETI %DR0 DATA:0b1100
       ANDI %DR0 DATA:0b1010
       SETI %DR1 DATA:0b1100
       ORI %DR1 DATA:0b0011
       SETI %DR2 DATA:-20
       SHRI %DR2 DATA:2
       SETI %DR3 DATA:3
       SHLI %DR3 DATA:4
       SETI %DR4 DATA:5
       NOT %DR4`,
      10,
    );
    expect(t.reg('%DR0')).toBe(DATA(0b1000));
    expect(t.reg('%DR1')).toBe(DATA(0b1111));
    expect(t.reg('%DR2')).toBe(DATA(-5));
    expect(t.reg('%DR3')).toBe(DATA(48));
    expect(t.reg('%DR4')).toBe(DATA(~5));
  });

  it('rotates within the 20 value bits, counts bits and scans for the n-th set bit', () => {
    const t = run(
      `SETI %DR0 DATA:0x80001
       ROTI %DR0 DATA:1
       SETI %DR1 DATA:0b101101
       PCNR %DR2 %DR1
       BSNI %DR3 %DR1 DATA:2
       BSNI %DR4 %DR1 DATA:-1`,
      6,
    );
    expect(t.reg('%DR0')).toBe(DATA(0x00003));
    expect(t.reg('%DR2')).toBe(DATA(4));
    expect(t.reg('%DR3')).toBe(DATA(0b100));
    expect(t.reg('%DR4')).toBe(DATA(0b100000));
  });

  it('BSN with n = 0 fails and writes 0', () => {
    const t = run('SETI %DR1 DATA:7\nSETI %DR3 DATA:9\nBSNI %DR3 %DR1 DATA:0', 3);
    expect(t.org.failureReason).toBe('BSN failed: invalid N or not enough set bits.');
    expect(t.reg('%DR3')).toBe(DATA(0));
  });

  it('R-R forms are strictly typed; S-S forms re-type the second operand', () => {
    const t = run('SETI %DR0 DATA:1\nSETI %DR1 ENERGY:2\nSHLR %DR0 %DR1', 3);
    expect(t.org.failureReason).toBe('Operand types must match in strict mode for bitwise operations.');
    const s = run('PUSI DATA:6\nPUSI ENERGY:3\nANDS\nPOP %DR0', 4);
    expect(s.org.failed).toBe(false);
    expect(s.reg('%DR0')).toBe(ENERGY(2));
  });
});
