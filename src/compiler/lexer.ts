/**
 * Lexer: source text → tokens. Never throws; bad characters and malformed numbers become diagnostics and
 * are skipped, so the rest of the file is still checked.
 */
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Token, TokenKind } from './tokens.js';

export interface LexOptions {
  readonly file: string;
  readonly sourced: boolean;
  /** The reference lexer knows only 0x/0b; `0o17` becomes `0` followed by the identifier `o17`. */
  readonly referenceCompatible: boolean;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

export function lex(text: string, opts: LexOptions, diags: DiagnosticBag): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let spaced = true;

  const push = (kind: TokenKind, start: number, extra?: { num?: number; str?: string }): void => {
    const raw = text.slice(start, i);
    tokens.push({
      kind,
      text: raw,
      upper: raw.toUpperCase(),
      ...extra,
      file: opts.file,
      line,
      column: start - lineStart + 1,
      spaced,
      sourced: opts.sourced,
    });
    spaced = false;
  };
  const span = (start: number, len: number) => ({
    file: opts.file,
    line,
    column: start - lineStart + 1,
    text: text.slice(start, start + len),
  });

  while (i < text.length) {
    const ch = text[i]!;
    const start = i;
    if (ch === '\n') {
      i++;
      push('eol', start);
      line++;
      lineStart = i;
      spaced = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\uFEFF') {
      i++;
      spaced = true;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      spaced = true;
      continue;
    }
    if (ch === ';') {
      i++;
      push('eol', start);
      spaced = true;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i++;
      if (text[i] !== '"') {
        diags.error(DiagnosticCode.UNTERMINATED_STRING, 'Unterminated string literal.', span(start, i - start));
        push('string', start, { str: text.slice(start + 1, i) });
        continue;
      }
      i++;
      push('string', start, { str: text.slice(start + 1, i - 1) });
      continue;
    }
    const next = text[i + 1] ?? '';
    if (isDigit(ch) || ((ch === '-' || ch === '+') && isDigit(next))) {
      lexNumber(start);
      continue;
    }
    if (ch === '.') {
      if (next === '.') {
        i += 2;
        push('dotdot', start);
        continue;
      }
      if (IDENT_START.test(next)) {
        i++;
        while (i < text.length && IDENT_PART.test(text[i]!)) i++;
        push('directive', start);
        continue;
      }
    }
    if (ch === '%') {
      i++;
      while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      if (i === start + 1) {
        diags.error(DiagnosticCode.SYNTAX, "A register name is expected after '%'.", span(start, 1));
        continue;
      }
      push('register', start);
      continue;
    }
    if (IDENT_START.test(ch)) {
      lexIdentifier();
      continue;
    }
    const single: Record<string, TokenKind> = { '|': 'pipe', ':': 'colon', ',': 'comma', '*': 'star', '^': 'caret' };
    const kind = single[ch];
    if (kind !== undefined) {
      i++;
      push(kind, start);
      continue;
    }
    // Surrogate pairs are reported as one character.
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    diags.error(
      DiagnosticCode.UNEXPECTED_CHARACTER,
      `Unexpected character '${printable(text.slice(i, i + width))}'.`,
      span(start, width),
    );
    i += width;
    spaced = true;
  }
  return tokens;

  function lexIdentifier(): void {
    const start = i;
    i++;
    // Dots join qualified names (W.STEPS); a dot must be followed by a name character to belong to it.
    for (;;) {
      while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      if (text[i] === '.' && IDENT_START.test(text[i + 1] ?? '')) {
        i++;
        continue;
      }
      break;
    }
    push('ident', start);
  }

  function lexNumber(start: number): void {
    let j = i;
    if (text[j] === '-' || text[j] === '+') j++;
    const bodyStart = j;
    const prefix = text.slice(j, j + 2).toLowerCase();
    let radix = 10;
    if (prefix === '0x' || prefix === '0b' || (prefix === '0o' && !opts.referenceCompatible)) {
      radix = prefix === '0x' ? 16 : prefix === '0b' ? 2 : 8;
      j += 2;
    }
    const digitsStart = j;
    const digitRe = radix === 16 ? /[0-9a-fA-F]/ : radix === 2 ? /[01]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
    while (j < text.length && digitRe.test(text[j]!)) j++;
    const digits = text.slice(digitsStart, j);
    if (opts.referenceCompatible) {
      // The reference stops at the first non-digit and lexes the rest as a new token (`0o17` → 0, o17).
      if (digits === '' && radix !== 10) j = bodyStart + 1;
      i = j;
      const value = digits === '' ? 0 : parseInt(digits, radix);
      push('number', start, { num: text[start] === '-' ? -value : value });
      return;
    }
    // Swallow trailing name characters so `12ab` or `0x` is one bad token, not two confusing ones.
    let end = j;
    while (end < text.length && IDENT_PART.test(text[end]!)) end++;
    i = end;
    if (digits === '' || end !== j) {
      diags.error(
        DiagnosticCode.BAD_NUMBER,
        `Malformed number literal '${text.slice(start, end)}'.`,
        span(start, end - start),
      );
      push('number', start, { num: 0 });
      return;
    }
    const magnitude = parseInt(digits, radix);
    push('number', start, { num: text[start] === '-' ? -magnitude : magnitude });
  }
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function printable(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
}
