/**
 * Parser: preprocessed statements (token lists) → `Statement`s. Checks syntax and operand counts; names are
 * resolved later, when every module's symbols are known. Bad statements are reported and dropped.
 */
import { moleculeTypeByName, opcodeByName, VALUE_MIN } from '../isa/index.js';
import type { CallArgument, Operand, ParamKind, Placement, PlacementAxis, Statement } from './ast.js';
import { PARAM_KINDS } from './ast.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import { splitOperands } from './operand-groups.js';
import type { Token } from './tokens.js';

/** Largest literal accepted: values are 20-bit; hex up to 0xFFFFF is allowed and wraps to negative. */
export const LITERAL_MAX = 0xfffff;

export function parseStatements(lines: readonly (readonly Token[])[], diags: DiagnosticBag): Statement[] {
  const out: Statement[] = [];
  for (const line of lines) {
    const s = parseStatement(line, diags);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function syntax(diags: DiagnosticBag, message: string, at: Token): undefined {
  diags.error(DiagnosticCode.SYNTAX, message, at);
  return undefined;
}

function parseStatement(tokens: readonly Token[], diags: DiagnosticBag): Statement | undefined {
  const head = tokens[0];
  if (head === undefined) return undefined;
  let exported = false;
  let rest = tokens;
  if (head.kind === 'ident' && head.upper === 'EXPORT') {
    exported = true;
    rest = tokens.slice(1);
    if (rest.length === 0) return syntax(diags, "'EXPORT' must be followed by a label, .PROC or .DEFINE.", head);
  }
  const first = rest[0]!;
  // Label definitions were split out by the preprocessor: NAME ':'.
  if (rest.length === 2 && first.kind === 'ident' && rest[1]!.kind === 'colon') {
    return { kind: 'label', name: first.upper, exported, tok: first };
  }
  if (first.kind === 'directive') return parseDirective(first, rest.slice(1), exported, diags);
  if (exported) return syntax(diags, "'EXPORT' must be followed by a label, .PROC or .DEFINE.", first);
  if (first.kind !== 'ident') {
    return syntax(diags, `Expected an instruction or directive, but got '${first.text}'.`, first);
  }
  if (first.upper === 'CALL') return parseCall(first, rest.slice(1), diags);
  const info = opcodeByName(first.upper);
  if (info === undefined) {
    diags.error(DiagnosticCode.UNKNOWN_INSTRUCTION, `Unknown instruction '${first.text}'.`, first);
    return undefined;
  }
  const groups = splitOperands(rest.slice(1));
  const expected = info.operands.filter((s) => s !== 'S').length;
  if (groups.length !== expected) {
    diags.error(
      DiagnosticCode.OPERAND_COUNT,
      `Instruction '${info.name}' expects ${expected} argument(s), but got ${groups.length}.`,
      groups[expected]?.[0] ?? first,
    );
    return undefined;
  }
  const operands: Operand[] = [];
  for (const g of groups) {
    const op = parseOperand(g, diags);
    if (op === undefined) return undefined;
    operands.push(op);
  }
  return { kind: 'instruction', mnemonic: info.name, operands, tok: first };
}

export function parseOperand(group: readonly Token[], diags: DiagnosticBag): Operand | undefined {
  const t = group[0]!;
  if (group.length === 1) {
    if (t.kind === 'register') return { kind: 'register', name: t.upper, tok: t };
    if (t.kind === 'ident') return { kind: 'name', name: t.upper, tok: t };
    if (t.kind === 'number') {
      const v = literal(t, diags);
      return v === undefined ? undefined : { kind: 'number', value: v, tok: t };
    }
  }
  if (group.length === 3 && t.kind === 'ident' && group[1]!.kind === 'colon' && group[2]!.kind === 'number') {
    const type = moleculeTypeByName(t.upper);
    if (type === undefined) return syntax(diags, `Unknown molecule type '${t.text}'.`, t);
    const v = literal(group[2]!, diags);
    return v === undefined ? undefined : { kind: 'typed', type, value: v, tok: t };
  }
  if (t.kind === 'number' && group.length >= 3 && group.length % 2 === 1) {
    const components: number[] = [];
    for (let k = 0; k < group.length; k++) {
      const g = group[k]!;
      if (k % 2 === 1) {
        if (g.kind !== 'pipe') return syntax(diags, `Unexpected '${g.text}' in vector literal.`, g);
        continue;
      }
      if (g.kind !== 'number') return syntax(diags, `Vector components must be numbers, got '${g.text}'.`, g);
      const v = literal(g, diags);
      if (v === undefined) return undefined;
      components.push(v);
    }
    return { kind: 'vector', components, tok: t };
  }
  const bad = group.find((g, k) => k > 0 && (g.kind === 'pipe' || g.kind === 'colon' || g.kind === 'dotdot')) ?? t;
  return syntax(diags, `Malformed operand '${group.map((g) => g.text).join('')}'.`, bad);
}

/** A 20-bit literal: -524288..524287, or up to 0xFFFFF written unsigned (wraps to negative). */
function literal(t: Token, diags: DiagnosticBag): number | undefined {
  const v = t.num ?? 0;
  if (!Number.isSafeInteger(v) || v < VALUE_MIN || v > LITERAL_MAX) {
    diags.error(
      DiagnosticCode.VALUE_OUT_OF_RANGE,
      `Value ${t.text} does not fit in 20 bits (${VALUE_MIN}..${LITERAL_MAX}).`,
      t,
    );
    return undefined;
  }
  return v > 0x7ffff ? v - 0x100000 : v;
}

function parseCall(head: Token, tokens: readonly Token[], diags: DiagnosticBag): Statement | undefined {
  const groups = splitOperands(tokens);
  if (groups.length === 0) {
    diags.error(DiagnosticCode.OPERAND_COUNT, "Instruction 'CALL' expects 1 argument(s), but got 0.", head);
    return undefined;
  }
  const target = parseOperand(groups[0]!, diags);
  if (target === undefined) return undefined;
  const args: CallArgument[] = [];
  let mode: ParamKind | undefined;
  for (const g of groups.slice(1)) {
    const kw = g.length === 1 && g[0]!.kind === 'ident' ? (PARAM_KINDS as readonly string[]).indexOf(g[0]!.upper) : -1;
    if (kw >= 0) {
      mode = PARAM_KINDS[kw];
      continue;
    }
    if (mode === undefined) {
      diags.error(
        DiagnosticCode.OPERAND_COUNT,
        "Instruction 'CALL' expects 1 argument(s); parameters must follow REF, VAL, LREF or LVAL.",
        g[0],
      );
      return undefined;
    }
    const op = parseOperand(g, diags);
    if (op === undefined) return undefined;
    args.push({ kind: mode, operand: op });
  }
  return { kind: 'call', target, args, tok: head };
}

function parseDirective(
  head: Token,
  args: readonly Token[],
  exported: boolean,
  diags: DiagnosticBag,
): Statement | undefined {
  const name = head.upper;
  if (exported && name !== '.PROC' && name !== '.DEFINE') {
    return syntax(diags, `'EXPORT' cannot be applied to ${head.text}.`, head);
  }
  const groups = splitOperands(args);
  const expectCount = (n: number, usage: string): boolean => {
    if (groups.length === n) return true;
    syntax(diags, `${name} expects ${usage}.`, groups[n]?.[0] ?? head);
    return false;
  };
  switch (name) {
    case '.ORG':
    case '.DIR': {
      if (!expectCount(1, 'one vector, e.g. 1|0')) return undefined;
      const vector = parseOperand(groups[0]!, diags);
      return vector && { kind: name === '.ORG' ? 'org' : 'dir', vector, tok: head };
    }
    case '.DEFINE': {
      if (!expectCount(2, 'a name and a value, e.g. .DEFINE COUNT DATA:42')) return undefined;
      const n = groups[0]!;
      if (n.length !== 1 || n[0]!.kind !== 'ident')
        return syntax(diags, `Invalid constant name '${n.map((t) => t.text).join('')}'.`, n[0]!);
      const value = parseOperand(groups[1]!, diags);
      return value && { kind: 'define', name: n[0]!.upper, value, exported, tok: head, nameTok: n[0]! };
    }
    case '.REG': {
      if (!expectCount(2, 'an alias and a register, e.g. .REG %CNT %DR2')) return undefined;
      const a = groups[0]!;
      if (a.length !== 1 || (a[0]!.kind !== 'register' && a[0]!.kind !== 'ident')) {
        return syntax(diags, `Invalid register alias '${a.map((t) => t.text).join('')}'.`, a[0]!);
      }
      const register = parseOperand(groups[1]!, diags);
      const alias = a[0]!.upper.startsWith('%') ? a[0]!.upper : `%${a[0]!.upper}`;
      return register && { kind: 'reg', alias, register, tok: head, aliasTok: a[0]! };
    }
    case '.PLACE': {
      if (groups.length < 2)
        return syntax(diags, '.PLACE expects a molecule and at least one position, e.g. .PLACE DATA:7 3|4.', head);
      const molecule = parseOperand(groups[0]!, diags);
      if (molecule === undefined) return undefined;
      const placements: Placement[] = [];
      for (const g of groups.slice(1)) {
        const p = parsePlacement(g, diags);
        if (p === undefined) return undefined;
        placements.push(p);
      }
      return { kind: 'place', molecule, placements, tok: head };
    }
    case '.PROC':
      return parseProc(head, groups, exported, diags);
    case '.ENDP':
      if (groups.length > 0) return syntax(diags, `Unexpected '${groups[0]![0]!.text}' after .ENDP.`, groups[0]![0]!);
      return { kind: 'endp', tok: head };
    case '.IMPORT':
    case '.REQUIRE':
      return parseImport(head, args, diags);
    default:
      diags.error(DiagnosticCode.UNKNOWN_DIRECTIVE, `Unknown directive '${head.text}'.`, head);
      return undefined;
  }
}

function parsePlacement(group: readonly Token[], diags: DiagnosticBag): Placement | undefined {
  const axes: PlacementAxis[] = [];
  let part: Token[] = [];
  const parts: Token[][] = [];
  for (const t of group) {
    if (t.kind === 'pipe') {
      parts.push(part);
      part = [];
    } else part.push(t);
  }
  parts.push(part);
  for (const p of parts) {
    const k = p.map((t) => t.kind).join(' ');
    const n = (i: number) => p[i]!.num ?? 0;
    if (k === 'number') axes.push({ kind: 'value', value: n(0) });
    else if (k === 'star') axes.push({ kind: 'wildcard' });
    else if (k === 'number dotdot number')
      axes.push({ kind: 'range', from: n(0), to: n(2), step: n(2) >= n(0) ? 1 : -1 });
    else if (k === 'number colon number colon number') {
      const step = n(2);
      if (step === 0 || Math.sign(n(4) - n(0)) * Math.sign(step) < 0) {
        diags.error(DiagnosticCode.PLACEMENT, `Step ${step} never reaches ${n(4)} from ${n(0)}.`, p[2]);
        return undefined;
      }
      axes.push({ kind: 'range', from: n(0), to: n(4), step });
    } else {
      return syntax(
        diags,
        `Malformed placement '${group.map((t) => t.text).join('')}': use a|b, a..b, a:step:b or * per axis.`,
        p[0] ?? group[0]!,
      );
    }
  }
  return { axes, tok: group[0]! };
}

function parseProc(
  head: Token,
  groups: readonly Token[][],
  exported: boolean,
  diags: DiagnosticBag,
): Statement | undefined {
  const n = groups[0];
  if (n === undefined || n.length !== 1 || n[0]!.kind !== 'ident')
    return syntax(diags, '.PROC needs a name.', n?.[0] ?? head);
  const params: { kind: ParamKind; name: string; tok: Token }[] = [];
  let mode: ParamKind | undefined;
  for (const g of groups.slice(1)) {
    const t = g[0]!;
    if (g.length !== 1 || t.kind !== 'ident')
      return syntax(diags, `Invalid parameter '${g.map((x) => x.text).join('')}'.`, t);
    const kw = (PARAM_KINDS as readonly string[]).indexOf(t.upper);
    if (kw >= 0) {
      mode = PARAM_KINDS[kw];
      continue;
    }
    if (mode === undefined) return syntax(diags, `Parameters must follow REF, VAL, LREF or LVAL (got '${t.text}').`, t);
    if (params.some((p) => p.name === t.upper)) {
      diags.error(DiagnosticCode.DUPLICATE_SYMBOL, `Parameter '${t.upper}' is declared twice.`, t);
      continue;
    }
    params.push({ kind: mode, name: t.upper, tok: t });
  }
  return { kind: 'proc', name: n[0]!.upper, exported, params, tok: head, nameTok: n[0]! };
}

function parseImport(head: Token, args: readonly Token[], diags: DiagnosticBag): Statement | undefined {
  const isImport = head.upper === '.IMPORT';
  const usage = isImport ? '.IMPORT "path" AS ALIAS [USING ALIAS AS NAME]...' : '.REQUIRE "path" AS ALIAS';
  const p = args[0];
  if (p?.kind !== 'string') return syntax(diags, `Expected ${usage}.`, p ?? head);
  const as = args[1];
  const alias = args[2];
  if (as?.upper !== 'AS' || alias?.kind !== 'ident' || alias.upper.includes('.')) {
    return syntax(diags, `Expected ${usage}.`, alias ?? as ?? p);
  }
  const using: { source: string; target: string; tok: Token }[] = [];
  let i = 3;
  while (i < args.length) {
    const [u, src, a2, tgt] = [args[i], args[i + 1], args[i + 2], args[i + 3]];
    if (!isImport || u?.upper !== 'USING' || src?.kind !== 'ident' || a2?.upper !== 'AS' || tgt?.kind !== 'ident') {
      return syntax(diags, `Expected ${usage}.`, args[i]!);
    }
    using.push({ source: src.upper, target: tgt.upper, tok: src });
    i += 4;
  }
  const path = p.str ?? '';
  return isImport
    ? { kind: 'import', path, alias: alias.upper, using, tok: head, pathTok: p }
    : { kind: 'require', path, alias: alias.upper, tok: head, pathTok: p };
}
