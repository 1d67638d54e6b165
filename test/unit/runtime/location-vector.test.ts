import { describe, expect, it } from 'vitest';
import { DATA, load, run } from './helpers.js';

describe('location family', () => {
  it('saves and restores the DP via the location stack and registers', () => {
    const t = run('DPLS\nSEKI 0|1\nDPLR %LR1\nSKLS\nLRDR %DR0 %LR1\nCRLR %LR1', 6);
    expect(Array.from(t.org.dps.subarray(0, 2))).toEqual([2, 2]);
    expect(t.reg('%DR0')).toEqual([2, 3]);
    expect(t.reg('%LR1')).toEqual([0, 0]);
  });

  it('SKLS on an empty stack fails', () => {
    expect(run('SKLS', 1).org.failureReason).toBe('SKLS on empty LS');
  });

  it('SKJI moves the DP to a label; LRLI loads its position', () => {
    const t = run('SKJI HERE\nLRLI %LR0 HERE\nNOP\nHERE:\nNOP', 2);
    expect(Array.from(t.org.dps.subarray(0, 2))).toEqual([8, 2]);
    expect(t.reg('%LR0')).toEqual([8, 2]);
  });
});

describe('vector family', () => {
  it('gets/sets components, converts masks and rotates', () => {
    const t = run(
      `SETV %DR0 5|-3
       VGTI %DR1 %DR0 DATA:1
       VSTI %DR0 DATA:0 DATA:9
       B2VI %DR2 DATA:8
       SETV %DR3 -1|0
       V2BR %DR4 %DR3
       SETV %DR5 1|0
       RTRI %DR5 DATA:0 DATA:1`,
      8,
    );
    expect(t.reg('%DR1')).toBe(DATA(-3));
    expect(t.reg('%DR0')).toEqual([9, -3]);
    expect(t.reg('%DR2')).toEqual([0, -1]);
    expect(t.reg('%DR4')).toBe(DATA(2));
    expect(t.reg('%DR5')).toEqual([0, -1]);
  });

  it('fails on bad masks, non-unit vectors, equal axes and out-of-range indices', () => {
    expect(run('B2VI %DR0 DATA:6', 1).org.failureReason).toBe('B2V requires a single-bit direction mask.');
    expect(run('SETV %DR0 2|0\nV2BR %DR1 %DR0', 2).org.failureReason).toBe(
      'V2B requires a unit vector with single non-zero component of magnitude 1.',
    );
    expect(run('SETV %DR0 1|0\nRTRI %DR0 DATA:1 DATA:1', 2).org.failureReason).toBe('Axes must be distinct.');
    expect(run('SETV %DR0 1|0\nVGTI %DR1 %DR0 DATA:2', 2).org.failureReason).toBe('Vector index out of bounds: 2');
  });

  it('VBLD builds from the stack with component 0 on top', () => {
    const t = run('PUSI DATA:4\nPUSI DATA:8\nVBLD %DR0', 3);
    expect(t.reg('%DR0')).toEqual([8, 4]);
    void load;
  });
});
