/**
 * Preprocessor: token stream of one file → statements (one token list each). Handles `.SOURCE` inclusion,
 * `.MACRO`…`.ENDM`, `.REPEAT n X`, `.REPEAT n`…`.ENDR`, `X^n`, and splits `NAME:` label definitions into
 * statements of their own. Everything textual happens here, so the parser sees plain statements.
 */
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import { lex } from './lexer.js';
import { splitOperands } from './operand-groups.js';
import type { LoadedFile, SourceResolver } from './source-files.js';
import type { Token } from './tokens.js';

/** Guards against runaway expansion (`NOP^999999999`, recursive macros) on garbage input. */
export const MAX_STATEMENTS = 200_000;
export const MAX_REPEAT = 100_000;
export const MAX_MACRO_DEPTH = 64;

export interface MacroDefinition {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: readonly Line[];
  readonly at: Token;
}

/** A source line (statement) and the separator that ended it (`\n`, `;`, or none at end of file). */
export interface Line {
  readonly tokens: readonly Token[];
  readonly end: Token | undefined;
}

export interface PreprocessContext {
  readonly diags: DiagnosticBag;
  readonly resolver: SourceResolver;
  readonly referenceCompatible: boolean;
  /** Macros are shared by a module and the files it `.SOURCE`s. */
  readonly macros: Map<string, MacroDefinition>;
  /** Files currently being included, to detect `.SOURCE` cycles. */
  readonly includeStack: string[];
  /** Every file read, for the artifact's `sources`. */
  readonly onFileLoaded: (file: LoadedFile) => void;
  budget: { statements: number };
}

export function splitLines(tokens: readonly Token[]): Line[] {
  const lines: Line[] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'eol') {
      lines.push({ tokens: current, end: t });
      current = [];
    } else current.push(t);
  }
  lines.push({ tokens: current, end: undefined });
  return lines;
}

export function preprocessFile(file: LoadedFile, sourced: boolean, ctx: PreprocessContext): Token[][] {
  const tokens = lex(
    file.text,
    { file: file.display, sourced, referenceCompatible: ctx.referenceCompatible },
    ctx.diags,
  );
  const out: Token[][] = [];
  ctx.includeStack.push(file.absolute);
  processLines(splitLines(tokens), out, ctx, 0, file);
  ctx.includeStack.pop();
  return out;
}

function isDirective(t: Token | undefined, name: string): boolean {
  return t !== undefined && t.kind === 'directive' && t.upper === name;
}

function processLines(
  lines: readonly Line[],
  out: Token[][],
  ctx: PreprocessContext,
  depth: number,
  file: LoadedFile,
): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const head = line.tokens[0];
    if (head === undefined) continue;
    if (isDirective(head, '.MACRO')) {
      i = collectMacro(lines, i, ctx);
      continue;
    }
    if (isDirective(head, '.REPEAT') && line.tokens.length <= 2) {
      i = expandRepeatBlock(lines, i, out, ctx, depth, file);
      continue;
    }
    if (isDirective(head, '.ENDM') || isDirective(head, '.ENDR')) {
      const opener = head.upper === '.ENDM' ? '.MACRO' : '.REPEAT';
      ctx.diags.error(DiagnosticCode.SYNTAX, `'${head.text}' without a matching '${opener}'.`, head);
      continue;
    }
    processStatement(line.tokens, out, ctx, depth, file);
  }
}

/** Returns the index of the `.ENDM` line (or the last line when it is missing). */
function collectMacro(lines: readonly Line[], start: number, ctx: PreprocessContext): number {
  const header = lines[start]!.tokens;
  const at = header[0]!;
  const nameTok = header[1];
  const body: Line[] = [];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const h = lines[i]!.tokens[0];
    if (isDirective(h, '.ENDM')) break;
    if (isDirective(h, '.MACRO')) {
      ctx.diags.error(DiagnosticCode.MACRO, 'A .MACRO cannot be defined inside another .MACRO.', h);
    }
    body.push(lines[i]!);
  }
  if (i >= lines.length) {
    ctx.diags.error(DiagnosticCode.MACRO, `.MACRO without a matching .ENDM.`, at);
  } else if (lines[i]!.tokens.length > 1) {
    ctx.diags.error(
      DiagnosticCode.SYNTAX,
      `Unexpected '${lines[i]!.tokens[1]!.text}' after .ENDM.`,
      lines[i]!.tokens[1],
    );
  }
  if (nameTok === undefined || nameTok.kind !== 'ident') {
    ctx.diags.error(DiagnosticCode.MACRO, '.MACRO needs a name.', nameTok ?? at);
    return i;
  }
  const params: string[] = [];
  for (const p of header.slice(2)) {
    if (p.kind === 'comma') continue;
    if (p.kind !== 'ident' && p.kind !== 'register') {
      ctx.diags.error(DiagnosticCode.MACRO, `Invalid macro parameter '${p.text}'.`, p);
      continue;
    }
    if (params.includes(p.upper)) ctx.diags.error(DiagnosticCode.MACRO, `Duplicate macro parameter '${p.text}'.`, p);
    params.push(p.upper);
  }
  if (ctx.macros.has(nameTok.upper)) {
    ctx.diags.error(DiagnosticCode.DUPLICATE_SYMBOL, `Macro '${nameTok.upper}' is already defined.`, nameTok);
  } else {
    ctx.macros.set(nameTok.upper, { name: nameTok.upper, params, body, at: nameTok });
  }
  return i;
}

function repeatCount(tok: Token | undefined, at: Token, ctx: PreprocessContext): number | undefined {
  if (tok === undefined || tok.kind !== 'number') {
    ctx.diags.error(DiagnosticCode.REPEAT, 'A repetition count (a non-negative number) is expected.', tok ?? at);
    return undefined;
  }
  const n = tok.num ?? 0;
  if (n < 0 || n > MAX_REPEAT) {
    ctx.diags.error(DiagnosticCode.REPEAT, `Repetition count ${n} is outside 0..${MAX_REPEAT}.`, tok);
    return undefined;
  }
  return n;
}

function expandRepeatBlock(
  lines: readonly Line[],
  start: number,
  out: Token[][],
  ctx: PreprocessContext,
  depth: number,
  file: LoadedFile,
): number {
  const header = lines[start]!.tokens;
  const at = header[0]!;
  const count = repeatCount(header[1], at, ctx);
  const body: Line[] = [];
  let nesting = 0;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const h = lines[i]!.tokens[0];
    if (isDirective(h, '.REPEAT') && lines[i]!.tokens.length <= 2) nesting++;
    if (isDirective(h, '.ENDR')) {
      if (nesting === 0) break;
      nesting--;
    }
    body.push(lines[i]!);
  }
  if (i >= lines.length) {
    ctx.diags.error(DiagnosticCode.REPEAT, '.REPEAT without a matching .ENDR.', at);
    return i;
  }
  const endLine = lines[i]!;
  let glued: readonly Token[] = [];
  if (endLine.tokens.length > 1) {
    ctx.diags.error(DiagnosticCode.SYNTAX, `Unexpected '${endLine.tokens[1]!.text}' after .ENDR.`, endLine.tokens[1]);
  } else if (ctx.referenceCompatible && endLine.end?.text === '\n' && (lines[i + 1]?.tokens.length ?? 0) > 0) {
    // Reference quirk: the newline after .ENDR is swallowed, gluing the next line onto the last repeated one.
    glued = lines[i + 1]!.tokens;
    i++;
  }
  if (count === undefined) return i;
  const before = out.length;
  for (let r = 0; r < count; r++) {
    if (!spend(ctx, body.length, at)) break;
    processLines(body, out, ctx, depth + 1, file);
  }
  if (glued.length > 0) {
    if (out.length > before) out[out.length - 1] = [...out[out.length - 1]!, ...glued];
    else processStatement(glued, out, ctx, depth, file);
  }
  return i;
}

function spend(ctx: PreprocessContext, n: number, at: Token): boolean {
  ctx.budget.statements += n;
  if (ctx.budget.statements > MAX_STATEMENTS) {
    ctx.diags.error(DiagnosticCode.LIMIT, `Program expands to more than ${MAX_STATEMENTS} statements.`, at);
    ctx.budget.statements = Number.NEGATIVE_INFINITY; // report once; stop expanding everywhere
    return false;
  }
  return ctx.budget.statements !== Number.NEGATIVE_INFINITY;
}

/**
 * True for `NAME:` (a label) as opposed to `DATA:5` (a typed literal): a number glued to the colon makes a
 * literal (an unknown type name is then reported as such); anything else defines a label (`L: NOP`, `L:NOP`).
 */
function isLabelDefinition(tokens: readonly Token[], at: number): boolean {
  const name = tokens[at];
  const colon = tokens[at + 1];
  if (name?.kind !== 'ident' || colon?.kind !== 'colon' || colon.spaced) return false;
  const after = tokens[at + 2];
  return after === undefined || after.spaced || after.kind !== 'number';
}

function processStatement(
  statement: readonly Token[],
  out: Token[][],
  ctx: PreprocessContext,
  depth: number,
  file: LoadedFile,
): void {
  let tokens = statement;
  // Label definitions become statements of their own: `[EXPORT] NAME:` (a loop: a line may hold many).
  for (;;) {
    const h = tokens[0];
    const labelAt =
      h?.kind === 'ident' && h.upper === 'EXPORT' && isLabelDefinition(tokens, 1)
        ? 1
        : isLabelDefinition(tokens, 0)
          ? 0
          : -1;
    if (labelAt < 0) break;
    if (!spend(ctx, 1, h!)) return;
    out.push(tokens.slice(0, labelAt + 2));
    tokens = tokens.slice(labelAt + 2);
  }
  if (tokens.length === 0) return;
  const head = tokens[0]!;
  if (isDirective(head, '.SOURCE')) {
    includeSource(tokens, out, ctx, depth, file);
    return;
  }
  // `X^n` repeats the whole statement.
  const caretAt = tokens.findIndex((t) => t.kind === 'caret');
  if (caretAt >= 0) {
    if (caretAt !== tokens.length - 2) {
      ctx.diags.error(DiagnosticCode.REPEAT, "'^n' must end the statement it repeats.", tokens[caretAt]);
      return;
    }
    const count = repeatCount(tokens[caretAt + 1], tokens[caretAt]!, ctx);
    if (count === undefined) return;
    const body = tokens.slice(0, caretAt);
    for (let r = 0; r < count; r++) {
      if (!spend(ctx, 1, head)) return;
      processStatement(body, out, ctx, depth, file);
    }
    return;
  }
  if (isDirective(head, '.REPEAT')) {
    const count = repeatCount(tokens[1], head, ctx);
    if (count === undefined) return;
    for (let r = 0; r < count; r++) {
      if (!spend(ctx, 1, head)) return;
      processStatement(tokens.slice(2), out, ctx, depth, file);
    }
    return;
  }
  if (isDirective(head, '.MACRO') || isDirective(head, '.ENDM') || isDirective(head, '.ENDR')) {
    ctx.diags.error(DiagnosticCode.SYNTAX, `'${head.text}' must start a line of its own.`, head);
    return;
  }
  const macro = head.kind === 'ident' ? ctx.macros.get(head.upper) : undefined;
  if (macro !== undefined) {
    expandMacro(macro, tokens, out, ctx, depth, file);
    return;
  }
  if (!spend(ctx, 1, head)) return;
  out.push([...tokens]);
}

function expandMacro(
  macro: MacroDefinition,
  tokens: readonly Token[],
  out: Token[][],
  ctx: PreprocessContext,
  depth: number,
  file: LoadedFile,
): void {
  const head = tokens[0]!;
  if (depth >= MAX_MACRO_DEPTH) {
    ctx.diags.error(
      DiagnosticCode.MACRO,
      `Macro expansion nested deeper than ${MAX_MACRO_DEPTH} (recursive macro?).`,
      head,
    );
    return;
  }
  const args = splitOperands(tokens.slice(1));
  if (args.length !== macro.params.length) {
    ctx.diags.error(
      DiagnosticCode.MACRO,
      `Macro '${macro.name}' expects ${macro.params.length} argument(s), but got ${args.length}.`,
      args[macro.params.length]?.[0] ?? head,
    );
    return;
  }
  const binding = new Map(macro.params.map((p, k) => [p, args[k]!]));
  const body: Line[] = macro.body.map((l) => ({
    end: l.end,
    tokens: l.tokens.flatMap((t) => ((t.kind === 'ident' || t.kind === 'register') && binding.get(t.upper)) || [t]),
  }));
  processLines(body, out, ctx, depth + 1, file);
}

function includeSource(
  tokens: readonly Token[],
  out: Token[][],
  ctx: PreprocessContext,
  depth: number,
  from: LoadedFile,
): void {
  const head = tokens[0]!;
  const pathTok = tokens[1];
  if (pathTok?.kind !== 'string' || tokens.length > 2) {
    ctx.diags.error(
      DiagnosticCode.SYNTAX,
      '.SOURCE expects one quoted path, e.g. .SOURCE "inc/defs.evo".',
      tokens[2] ?? pathTok ?? head,
    );
    return;
  }
  const res = ctx.resolver.resolve(pathTok.str ?? '', from);
  if (!res.ok) {
    ctx.diags.error(
      DiagnosticCode.FILE_NOT_FOUND,
      `Could not load source file: ${pathTok.str} (tried ${res.tried.join(', ')})`,
      pathTok,
    );
    return;
  }
  if (ctx.includeStack.includes(res.file.absolute)) {
    ctx.diags.error(DiagnosticCode.IMPORT_CYCLE, `Circular .SOURCE inclusion of ${res.file.display}.`, pathTok);
    return;
  }
  if (depth >= MAX_MACRO_DEPTH) {
    ctx.diags.error(DiagnosticCode.LIMIT, 'Inclusion nested too deeply.', pathTok);
    return;
  }
  ctx.onFileLoaded(res.file);
  out.push(...preprocessFile(res.file, true, ctx));
}
