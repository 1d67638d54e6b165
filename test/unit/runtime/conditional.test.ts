import { describe, expect, it } from 'vitest';
import { DATA, run } from './helpers.js';

describe('conditional family', () => {
  it('skips the next instruction when the condition is false, across NOP padding', () => {
    const t = run(
      `SETI %DR0 DATA:5
       GTI %DR0 DATA:100
       NOP
       NOP
       SETI %DR1 DATA:1
       LTI %DR0 DATA:100
       SETI %DR2 DATA:1`,
      4,
    );
    expect(t.reg('%DR1')).toBe(0);
    expect(t.reg('%DR2')).toBe(DATA(1));
  });

  it('a type mismatch makes every value comparison false (IN included)', () => {
    const t = run(
      `SETI %DR0 DATA:5
       INI %DR0 ENERGY:5
       SETI %DR1 DATA:1
       IFTI %DR0 DATA:0
       SETI %DR2 DATA:1`,
      4,
    );
    expect(t.reg('%DR1')).toBe(0);
    expect(t.reg('%DR2')).toBe(DATA(1));
  });

  it('compares vectors for equality; vector vs scalar fails and stops on the next instruction', () => {
    const t = run('SETV %DR0 1|0\nSETV %DR1 1|0\nIFR %DR0 %DR1\nSETI %DR2 DATA:1', 4);
    expect(t.reg('%DR2')).toBe(DATA(1));
    // The reference flags the failure, and the failed skip leaves the IP on the next real instruction.
    const f = run('SETV %DR0 1|0\nSETI %DR1 DATA:1\nIFR %DR0 %DR1', 3);
    expect(f.org.failureReason).toBe('Mismatched operand types for comparison.');
    const g = run('SETV %DR0 1|0\nSETI %DR1 DATA:1\nIFR %DR0 %DR1\nSETI %DR2 DATA:1', 4);
    expect(g.reg('%DR2')).toBe(DATA(1));
  });

  it("IFER tests the previous tick's failure", () => {
    const t = run('DROP\nIFER\nSETI %DR0 DATA:1\nINER\nSETI %DR1 DATA:1', 5);
    expect(t.reg('%DR0')).toBe(DATA(1));
    expect(t.reg('%DR1')).toBe(DATA(1));
  });

  it('tests cells around the DP: vacant, mine, passable', () => {
    const t = run('IFVI 0|1\nSETI %DR0 DATA:1\nIFMI 1|0\nSETI %DR1 DATA:1\nINPI 0|1\nSETI %DR2 DATA:1', 6);
    expect(t.reg('%DR0')).toBe(DATA(1)); // below the start cell: empty, unowned
    expect(t.reg('%DR1')).toBe(DATA(1)); // the next cell of our own code
    expect(t.reg('%DR2')).toBe(0); // an empty cell is passable, so INPI is false
  });
});
