/**
 * Reference-compatible mode reproduces the reference compiler's quirks (docs/compiler.md); default mode
 * compiles the same programs as documented. Inline copies of the situations, so no ../shared is needed.
 */
import { describe, expect, it } from 'vitest';
import type { CompileOptions } from '../../../src/compiler/index.js';
import { code, compile, errors, ok } from './helpers.js';

const REF = { referenceCompatible: true } as const;

function firstError(src: string, files: Record<string, string> = {}, options: CompileOptions = REF): string {
  const r = compile(src, files, options);
  expect(r.artifact).toBeUndefined();
  const d = errors(r)[0]!;
  return `${d.file}:${d.line} ${d.message}`;
}

describe('reference quirks: rejected in reference mode, compiled by default', () => {
  it('0o octal literals', () => {
    expect(code('ORI %DR1 DATA:0o17')).toBe('ORI %DR1 DATA:15');
    expect(firstError('S:\n  ORI %DR1 DATA:0o17')).toBe(
      "main.evo:2 Instruction 'ORI' expects 2 argument(s), but got 3.",
    );
  });

  it('a vector .DEFINE as a vector operand', () => {
    const src = '.DEFINE STEP 1|0\nSETV %DR1 STEP';
    expect(code(src)).toBe('SETV %DR1 DATA:1 DATA:0');
    expect(firstError(src)).toBe(
      "main.evo:2 Argument 2 for instruction 'SETV' has the wrong type. Expected VECTOR, but got CONSTANT.",
    );
  });

  it('a label reference written inside a .SOURCE file', () => {
    const files = { 'loop.evo': 'SPIN:\n  JMPI SPIN' };
    expect(code('.SOURCE "loop.evo"\nJMPI SPIN', files)).toBe('LABEL:SPIN JMPI SPIN JMPI SPIN');
    expect(firstError('.SOURCE "loop.evo"\nJMPI SPIN', files)).toBe("loop.evo:2 Symbol 'SPIN' is not defined.");
  });

  it('but a label passed into a macro defined in a .SOURCE file resolves (the token comes from the includer)', () => {
    const files = { 'm.evo': '.MACRO J T\n  JMPI T\n.ENDM' };
    expect(code('.SOURCE "m.evo"\nL: J L', files, REF)).toBe('LABEL:L JMPI L');
  });

  it('the newline after .ENDR', () => {
    const src = 'S:\n.REPEAT 2\n  SWAP\n.ENDR\nJMPI S';
    expect(code(src)).toBe('LABEL:S SWAP SWAP JMPI S');
    expect(firstError(src)).toBe("main.evo:5 Instruction 'SWAP' expects 0 argument(s), but got 2.");
    expect(code('S:\n.REPEAT 2\n  SWAP\n.ENDR\n\nJMPI S', {}, REF)).toBe('LABEL:S SWAP SWAP JMPI S');
  });

  it('a module constant used above its .IMPORT', () => {
    const files = { 'w.evo': 'EXPORT .DEFINE STEPS DATA:4' };
    expect(code('SETI %DR0 W.STEPS\n.IMPORT "w.evo" AS W', files)).toBe('SETI %DR0 DATA:4');
    expect(firstError('SETI %DR0 W.STEPS\n.IMPORT "w.evo" AS W', files)).toBe(
      "main.evo:1 Symbol 'W.STEPS' is not defined.",
    );
  });

  it('the safe-call rewrite fails to link (also for a plain CALL and a parameterless RET)', () => {
    expect(firstError('GTI %DR0 DATA:3\nCALL P\n.PROC P\nRET\n.ENDP')).toMatch(
      /^main.evo:1 Internal error: IrLabelRef '_safe_call_0'/,
    );
    expect(firstError('.PROC P\nGTI %DR0 DATA:1\nRET\n.ENDP')).toMatch(
      /^main.evo:2 Internal error: IrLabelRef '_safe_ret_0'/,
    );
  });

  it('a wrong vector arity is reported at the next statement, as the reference does', () => {
    expect(firstError('S:\n  SEKI 1|0|0\n  JMPI S')).toMatch(/^main.evo:3 Vector/);
    expect(firstError('S:\n  SEKI 1|0|0\n  JMPI S', {}, { referenceCompatible: false })).toMatch(/^main.evo:2 Vector/);
  });

  it('a label as a vector operand: rejected by default, one LABELREF for n cells in reference mode', () => {
    const src = 'S: SETV %DR0 T\nJMPI S\nT: NOP';
    expect(firstError(src, {}, { referenceCompatible: false })).toMatch(
      /^main.evo:1 Argument 2 for instruction 'SETV' expects a vector, but 'T' is a label/,
    );
    const a = ok(src, {}, REF);
    // S SETV %DR0 <T> JMPI <S> are shifted back one cell; the gap sits before T.
    expect(a.machineCodeLayout.map((c) => c.coord[0])).toEqual([0, 1, 2, 3, 4, 5, 7, 8]);
  });

  it('proc-local registers outside a .PROC: accepted in both modes, warned about by default only', () => {
    expect(compile('SETI %PDR0 DATA:1').diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(compile('SETI %PDR0 DATA:1', {}, REF).diagnostics).toEqual([]);
  });
});
