/** Every diagnostic the compiler emits, its location, and that one run reports many errors. */
import { describe, expect, it } from 'vitest';
import { DiagnosticCode, formatDiagnostic } from '../../../src/compiler/index.js';
import { compile, errors, errorSummary, ok } from './helpers.js';

describe('each diagnostic is reported at the offending text', () => {
  const cases: [code: string, source: string, files?: Record<string, string>][] = [
    ['UNEXPECTED_CHARACTER', 'NOP\nNOP @'],
    ['BAD_NUMBER', 'NOP\nPUSI 12ab'],
    ['VALUE_OUT_OF_RANGE', 'NOP\nPUSI DATA:1048576'],
    ['UNTERMINATED_STRING', 'NOP\n.IMPORT "x.evo AS X'],
    ['SYNTAX', 'NOP\n1|0'],
    ['UNKNOWN_DIRECTIVE', 'NOP\n.FROB 1|0'],
    ['UNKNOWN_INSTRUCTION', 'NOP\nFOO %DR0'],
    ['OPERAND_COUNT', 'NOP\nADDI %DR0'],
    ['OPERAND_TYPE', 'NOP\nSETI DATA:1 DATA:1'],
    ['UNDEFINED_SYMBOL', 'NOP\nJMPI NOWHERE'],
    ['DUPLICATE_SYMBOL', 'A: NOP\nA: NOP'],
    ['NOT_EXPORTED', '.IMPORT "m.evo" AS M\nJMPI M.HIDDEN', { 'm.evo': 'HIDDEN: NOP' }],
    ['UNKNOWN_REGISTER', 'NOP\nSETI %DR9 DATA:1'],
    ['FORMAL_REGISTER', '.PROC P REF X\nSETI %FDR0 DATA:1\nRET\n.ENDP'],
    ['VECTOR_ARITY', 'NOP\nSEKI 1|0|0'],
    ['LABEL_AS_VECTOR', 'L: NOP\nSETV %DR0 L'],
    ['ADDRESS_CONFLICT', 'SETI %DR0 DATA:1\n.ORG 2|0 ; NOP'],
    ['MACRO', '.MACRO M A\nNOP\n.ENDM\nM'],
    ['REPEAT', 'NOP\nNOP^X'],
    ['PROC_STRUCTURE', 'NOP\n.ENDP'],
    ['CALL_ARGUMENTS', '.PROC P VAL X\nRET\n.ENDP\nCALL P REF %DR0'],
    ['FILE_NOT_FOUND', 'NOP\n.IMPORT "nope.evo" AS N'],
    ['IMPORT_CYCLE', 'NOP\n.IMPORT "main.evo" AS SELF'],
    ['MODULE_BINDING', 'NOP\n.IMPORT "s.evo" AS S', { 's.evo': '.REQUIRE "m.evo" AS M' }],
    ['CYCLIC_DEFINE', '.DEFINE A B\n.DEFINE B A\nSETI %DR0 A'],
    ['ZERO_DIRECTION', 'NOP\n.DIR 0|0'],
    ['PLACEMENT', 'NOP\n.PLACE DATA:1 0:0:5|0'],
  ];
  for (const [code, source, files] of cases) {
    it(code, () => {
      const r = compile(source, files);
      expect(r.artifact).toBeUndefined();
      const e = errors(r);
      expect(e.map((d) => d.code)).toContain(`EVOASM_${code}`);
      const d = e.find((x) => x.code === `EVOASM_${code}`)!;
      const last = source.split('\n').length;
      expect(d.file).toBe('main.evo');
      expect(d.line).toBe(
        code === 'DUPLICATE_SYMBOL' ||
          code === 'FORMAL_REGISTER' ||
          code === 'CYCLIC_DEFINE' ||
          code === 'CALL_ARGUMENTS'
          ? d.line
          : last,
      );
      expect(d.column).toBeGreaterThan(0);
      expect(d.sourceLine).toBe(source.split('\n')[d.line - 1]);
      expect(d.sourceLine.slice(d.column - 1)).toMatch(new RegExp(`^${escape(d.text)}`));
    });
  }

  it('covers every error code except the internal and limit ones', () => {
    const tested = new Set(cases.map(([c]) => `EVOASM_${c}`));
    const untested = Object.values(DiagnosticCode).filter((c) => !tested.has(c));
    expect(untested.sort()).toEqual(
      [
        'EVOASM_INTERNAL',
        'EVOASM_LABEL_HASH_COLLISION',
        'EVOASM_LIMIT',
        'EVOASM_PROC_REGISTER_OUTSIDE_PROC',
        'EVOASM_REFERENCE_SAFE_CALL_UNLINKED',
      ].sort(),
    );
  });

  it('LIMIT: runaway repetition is a diagnostic, not a hang', () => {
    expect(errorSummary('.REPEAT 100000\n.REPEAT 100000\nNOP\n.ENDR\n.ENDR')).toEqual(['LIMIT@main.evo:3']);
    expect(errorSummary('NOP^1000000000')).toEqual(['REPEAT@main.evo:1']);
    expect(errorSummary('.PLACE DATA:1 0..100000000|*')).toEqual(['LIMIT@main.evo:1']);
  });

  it('warns about a proc-local register outside a .PROC and still compiles', () => {
    const r = compile('SETI %PDR0 DATA:1');
    expect(r.artifact).toBeDefined();
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning EVOASM_PROC_REGISTER_OUTSIDE_PROC']);
  });

  it('warns about two labels with the same hash', () => {
    const r = compile('TODIBQ: NOP\nXMFAQP: NOP');
    expect(r.artifact).toBeDefined();
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['EVOASM_LABEL_HASH_COLLISION@2']);
  });

  it('an empty program is valid and empty', () => {
    expect(ok('').machineCodeLayout).toEqual([]);
    expect(ok('# only a comment\n\n;;').machineCodeLayout).toEqual([]);
  });
});

describe('several errors in one run', () => {
  it('reports every independent error, in order, across phases', () => {
    const src = [
      'START:', //                 1
      '  SETI %DR9 DATA:1', //     2 unknown register
      '  ADDI %DR0', //            3 operand count
      '  .FROB 1|0', //            4 unknown directive
      '  JMPI NOWHERE', //         5 undefined label
      '  FOO', //                  6 unknown instruction
      'START: NOP', //             7 duplicate
      '  PUSI DATA:9999999', //    8 out of range
    ].join('\n');
    expect(errorSummary(src)).toEqual([
      'OPERAND_COUNT@main.evo:3',
      'UNKNOWN_DIRECTIVE@main.evo:4',
      'UNKNOWN_INSTRUCTION@main.evo:6',
      'VALUE_OUT_OF_RANGE@main.evo:8',
      'DUPLICATE_SYMBOL@main.evo:7',
      'UNKNOWN_REGISTER@main.evo:2',
      'UNDEFINED_SYMBOL@main.evo:5',
    ]);
  });

  it('reports errors in several files', () => {
    const files = { 'a.evo': 'EXPORT A: JMPI NOPE_A', 'b.evo': 'EXPORT B: FOO' };
    expect(errorSummary('.IMPORT "a.evo" AS A\n.IMPORT "b.evo" AS B\nJMPI NOPE', files)).toEqual([
      'UNKNOWN_INSTRUCTION@b.evo:1',
      'UNDEFINED_SYMBOL@a.evo:1',
      'UNDEFINED_SYMBOL@main.evo:3',
    ]);
  });

  it('reports every address conflict', () => {
    expect(errorSummary('NOP^4\n.ORG 1|0\nNOP\n.ORG 3|0\nNOP')).toEqual([
      'ADDRESS_CONFLICT@main.evo:3',
      'ADDRESS_CONFLICT@main.evo:5',
    ]);
  });
});

describe('formatting', () => {
  it('names file:line:column, the code, the source line and a caret under the offending text', () => {
    const r = compile('START:\n  JMPI NOWHERE');
    expect(formatDiagnostic(errors(r)[0]!)).toBe(
      [
        "main.evo:2:8: error: Symbol 'NOWHERE' is not defined. [EVOASM_UNDEFINED_SYMBOL]",
        '2 |   JMPI NOWHERE',
        '           ^~~~~~~',
      ].join('\n'),
    );
  });

  it('keeps tabs so the caret lines up', () => {
    const r = compile('\tJMPI X');
    expect(formatDiagnostic(errors(r)[0]!).split('\n')[2]).toBe('    \t     ^');
  });

  it('the compiled artifact of a warning-only program is still produced', () => {
    expect(ok('SETI %PDR1 DATA:1').machineCodeLayout).toHaveLength(3);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
