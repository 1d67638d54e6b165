import { describe, expect, it } from 'vitest';
import { DATA, load, run } from './helpers.js';

describe('control family', () => {
  it('JMPI lands after the label and passes padding for free', () => {
    const t = run('JMPI TARGET\nSETI %DR0 DATA:1\nNOP\nTARGET:\nNOP\nNOP\nSETI %DR1 DATA:2', 2, { energy: 1000 });
    expect(t.reg('%DR0')).toBe(0);
    expect(t.reg('%DR1')).toBe(DATA(2));
    expect(t.org.er).toBe(998);
  });

  it('CALL saves PDRs, RET restores them and returns after the CALL', () => {
    const t = run(
      `SETI %PDR0 DATA:5
       CALL SUB
       SETI %DR1 DATA:9
       JMPI END
       SUB:
       SETI %PDR0 DATA:99
       SETR %DR0 %PDR0
       RET
       END:
       NOP`,
      6,
    );
    expect(t.reg('%DR0')).toBe(DATA(99));
    expect(t.reg('%PDR0')).toBe(DATA(5));
    expect(t.reg('%DR1')).toBe(DATA(9));
    expect(t.org.csLen).toBe(0);
  });

  it('RET without CALL fails', () => {
    expect(run('RET', 1).org.failureReason).toBe('Call stack underflow (RET without CALL)');
  });

  it('a jump to an unknown label fails and the IP advances', () => {
    const t = load('JMPR %DR0\nSETI %DR1 DATA:1');
    t.step(2);
    expect(t.reg('%DR1')).toBe(DATA(1));
  });

  it('stalls after 100 empty cells: back to the birth position with the penalty', () => {
    // A jump into an empty region: the label sits alone in a row of nothing.
    const t = load('JMPI VOID\n.ORG 0|5\nVOID:', { shape: [200, 16], energy: 1000 });
    t.step(1);
    expect(t.org.failureReason).toBe('Max skips exceeded (100)');
    expect(Array.from(t.org.ip)).toEqual([2, 2]);
    expect(t.org.er).toBe(1000 - 1 - 100);
  });
});
