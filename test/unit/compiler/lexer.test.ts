import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/compiler/diagnostics.js';
import { lex } from '../../../src/compiler/lexer.js';

function tokens(text: string, referenceCompatible = false) {
  const bag = new DiagnosticBag(() => '');
  const toks = lex(text, { file: 'f.evo', sourced: false, referenceCompatible }, bag);
  return { toks: toks.map((t) => `${t.kind}:${t.kind === 'number' ? t.num : t.text}`), diags: bag.all };
}

describe('lexer', () => {
  it('lexes numbers in every base, with signs', () => {
    expect(tokens('10 -3 +4 0x1f 0X1F 0b101 0o17 -0x10').toks).toEqual([
      'number:10',
      'number:-3',
      'number:4',
      'number:31',
      'number:31',
      'number:5',
      'number:15',
      'number:-16',
    ]);
  });

  it('knows only 0x/0b in reference-compatible mode (0o17 is 0 then o17)', () => {
    expect(tokens('0o17', true).toks).toEqual(['number:0', 'ident:o17']);
  });

  it('reports malformed numbers once, as one token', () => {
    const r = tokens('12ab 0x');
    expect(r.toks).toEqual(['number:0', 'number:0']);
    expect(r.diags.map((d) => d.code)).toEqual(['EVOASM_BAD_NUMBER', 'EVOASM_BAD_NUMBER']);
  });

  it('drops comments, splits statements at newlines and semicolons', () => {
    expect(tokens('NOP # c ; not a separator\nNOP;NOP').toks).toEqual([
      'ident:NOP',
      'eol:\n',
      'ident:NOP',
      'eol:;',
      'ident:NOP',
    ]);
  });

  it('lexes directives, registers, qualified names, vectors, ranges, strings', () => {
    expect(tokens('.ORG %dr0 W.STEPS 1|-2 -1..4 10:2:16 * ^ , "lib/a.evo"').toks).toEqual([
      'directive:.ORG',
      'register:%dr0',
      'ident:W.STEPS',
      'number:1',
      'pipe:|',
      'number:-2',
      'number:-1',
      'dotdot:..',
      'number:4',
      'number:10',
      'colon::',
      'number:2',
      'colon::',
      'number:16',
      'star:*',
      'caret:^',
      'comma:,',
      'string:"lib/a.evo"',
    ]);
  });

  it('tracks lines and columns', () => {
    const bag = new DiagnosticBag(() => '');
    const t = lex('NOP\n  JMPI X', { file: 'f.evo', sourced: false, referenceCompatible: false }, bag);
    expect(t.filter((x) => x.kind !== 'eol').map((x) => `${x.text}@${x.line}:${x.column}`)).toEqual([
      'NOP@1:1',
      'JMPI@2:3',
      'X@2:8',
    ]);
  });

  it('reports unexpected characters and unterminated strings without stopping', () => {
    const r = tokens('NOP @ $ "open\nNOP');
    expect(r.diags.map((d) => d.code)).toEqual([
      'EVOASM_UNEXPECTED_CHARACTER',
      'EVOASM_UNEXPECTED_CHARACTER',
      'EVOASM_UNTERMINATED_STRING',
    ]);
    expect(r.toks.at(-1)).toBe('ident:NOP');
  });
});
