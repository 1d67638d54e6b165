/** Tokens produced by the lexer and passed through the preprocessor to the parser. */

export type TokenKind =
  | 'ident' // START, W.STEPS, nop (qualified names keep their dots)
  | 'directive' // .ORG (text upper-cased in `upper`)
  | 'register' // %DR0, %CNT
  | 'number' // 42, -3, 0x1f, 0b101, 0o17
  | 'string' // "lib/a.evo" (text without quotes in `value`)
  | 'pipe' // |
  | 'colon' // :
  | 'comma' // ,
  | 'dotdot' // ..
  | 'star' // *
  | 'caret' // ^
  | 'eol'; // newline or ';'

export interface Token {
  readonly kind: TokenKind;
  /** Exactly as written. */
  readonly text: string;
  /** Upper-cased text; EvoASM is case-insensitive. */
  readonly upper: string;
  /** Numeric value for `number` tokens. */
  readonly num?: number;
  /** String contents for `string` tokens. */
  readonly str?: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Whitespace (or a line start) precedes the token; `DATA:5` and `loop:` differ only in what follows. */
  readonly spaced: boolean;
  /** The token was written in a file pulled in with `.SOURCE` (the reference resolves its labels differently). */
  readonly sourced: boolean;
}
