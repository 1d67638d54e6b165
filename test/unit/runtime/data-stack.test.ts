import { describe, expect, it } from 'vitest';
import { DATA, run } from './helpers.js';

describe('data and stack family', () => {
  it('pushes, pops, duplicates, swaps and rotates', () => {
    const t = run(
      `PUSI DATA:1
       PUSI DATA:2
       PUSI DATA:3
       ROT
       POP %DR0
       SWAP
       POP %DR1
       DUP
       POP %DR2
       POP %DR3`,
      10,
    );
    // [1,2,3] (top 3) → ROT → top-first [1,3,2]
    expect(t.reg('%DR0')).toBe(DATA(1));
    expect(t.reg('%DR1')).toBe(DATA(2));
    expect(t.reg('%DR2')).toBe(DATA(3));
    expect(t.reg('%DR3')).toBe(DATA(3));
    expect(t.org.dsLen).toBe(0);
  });

  it('keeps vectors on the stack and copies registers', () => {
    const t = run('PUSV 2|3\nPOP %DR0\nSETR %DR1 %DR0\nSETI %DR2 DATA:5\nXCHG %DR1 %DR2', 5);
    expect(t.reg('%DR0')).toEqual([2, 3]);
    expect(t.reg('%DR1')).toBe(DATA(5));
    expect(t.reg('%DR2')).toEqual([2, 3]);
  });

  it('fails on underflow', () => {
    expect(run('DROP', 1).org.failureReason).toBe('Stack Underflow for DROP.');
    expect(run('POP %DR0', 1).org.failureReason).toBe('Stack underflow during data operation.');
  });

  it('data registers start as CODE:0, not DATA:0', () => {
    const t = run('NOP\nIFI %DR0 DATA:0\nSETI %DR1 DATA:1\nSETI %DR2 DATA:2', 3);
    expect(t.reg('%DR1')).toBe(0);
    expect(t.reg('%DR2')).toBe(DATA(2));
  });
});

describe('data stack limits', () => {
  it('grows on demand up to 1024 entries, then PUSH fails', () => {
    const t = run('L:\nPUSI DATA:1\nJMPI L', 2 * 1024 + 1, { energy: 100000 });
    expect(t.org.dsLen).toBe(1024);
    expect(t.org.failed).toBe(false);
    t.step(); // the 1025th PUSI
    expect(t.org.dsLen).toBe(1024);
    expect(t.org.failureReason ?? '').toMatch(/overflow/i);
  });
});
