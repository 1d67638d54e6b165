/**
 * Code generation: resolves every name and operand against the symbol tables and emits the flat IR in layout
 * order, inlining imported modules where their `.IMPORT` stands. Also expands CALL/RET marshalling and the
 * safe-call rewrite (a conditional directly before a marshalled CALL/RET is negated to jump over it).
 */
import {
  bankOf,
  MoleculeType,
  opcodeByName,
  packMolecule,
  type OpcodeInfo,
  type OperandSource,
  registerIdByName,
} from '../isa/index.js';
import type { Operand, Statement } from './ast.js';
import { isConditional, negateConditional } from './conditionals.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { IrItem, IrOperand } from './ir.js';
import { callSequence, instruction, type MarshalledArgument, OP, prologue, returnSequence } from './marshalling.js';
import type { ModuleInstance } from './module-loader.js';
import {
  formalRegisterMessage,
  isFormalRegister,
  type ModuleSymbols,
  type ProcSymbol,
  qualify,
} from './symbol-table.js';
import type { Token } from './tokens.js';

/** What a written operand turned out to be. */
type Resolved =
  | { readonly kind: 'register'; readonly id: number }
  | { readonly kind: 'label'; readonly label: string }
  | {
      readonly kind: 'value';
      readonly operand: Operand & { kind: 'number' | 'typed' | 'vector' };
      readonly viaDefine: boolean;
    };

interface Scope {
  readonly syms: ModuleSymbols;
  readonly proc: ProcSymbol | undefined;
  /** Index of the statement being compiled (reference mode: imports must come first). */
  readonly index: number;
}

export interface BuildContext {
  readonly diags: DiagnosticBag;
  readonly dims: number;
  readonly referenceCompatible: boolean;
  readonly symbols: ReadonlyMap<ModuleInstance, ModuleSymbols>;
  /** Procedures by qualified name, for checking CALL arguments. */
  readonly procs: ReadonlyMap<string, ProcSymbol>;
}

/** Constants naming constants: deeper chains than this are treated like cycles (and keep recursion bounded). */
const MAX_DEFINE_CHAIN = 256;

const EXPECTED: Record<OperandSource, string> = {
  R: 'REGISTER',
  LR: 'LOCATION_REGISTER',
  I: 'IMMEDIATE',
  V: 'VECTOR',
  L: 'LABEL',
  S: 'STACK',
};

export function buildIr(main: ModuleInstance, ctx: BuildContext): IrItem[] {
  const out: IrItem[] = [];
  const counters = { call: 0, ret: 0 };
  // Reference mode reports a wrong vector arity at the next statement, as the reference does.
  let pendingArity: { message: string; at: Token } | undefined;
  const flushArity = (at: Token | undefined): void => {
    if (pendingArity === undefined) return;
    ctx.diags.error(DiagnosticCode.VECTOR_ARITY, pendingArity.message, at ?? pendingArity.at);
    pendingArity = undefined;
  };
  const arityError = (message: string, at: Token): void => {
    if (ctx.referenceCompatible) {
      flushArity(undefined);
      pendingArity = { message, at };
    } else ctx.diags.error(DiagnosticCode.VECTOR_ARITY, message, at);
  };

  const visitModule = (inst: ModuleInstance): void => {
    const syms = ctx.symbols.get(inst)!;
    inst.statements.forEach((s, index) => {
      const proc = syms.procOf.get(s);
      const scope: Scope = { syms, proc: s.kind === 'proc' ? undefined : proc, index };
      if (s.kind !== 'define' && s.kind !== 'reg' && s.kind !== 'require' && s.kind !== 'endp') flushArity(s.tok);
      switch (s.kind) {
        case 'label':
          if (syms.labels.get(s.name)?.tok === s.tok)
            out.push({ kind: 'label', label: qualify(inst, s.name), at: s.tok, synthetic: false });
          break;
        case 'proc':
          if (proc !== undefined && syms.procs.get(s.name) === proc) {
            out.push({ kind: 'label', label: proc.qualified, at: s.nameTok, synthetic: false });
            out.push(...prologue(proc.params, s.nameTok));
          }
          break;
        case 'instruction':
          compileInstruction(s, scope);
          break;
        case 'call':
          compileCall(s, scope);
          break;
        case 'org':
        case 'dir': {
          const v = vectorValue(s.vector, scope, `.${s.kind.toUpperCase()}`);
          if (v === undefined) break;
          if (s.kind === 'dir' && v.every((c) => c === 0)) {
            ctx.diags.error(DiagnosticCode.ZERO_DIRECTION, '.DIR needs a non-zero direction vector.', s.vector.tok);
            break;
          }
          out.push({ kind: s.kind, vector: v, at: s.tok });
          break;
        }
        case 'place': {
          const packed = moleculeValue(s.molecule, scope);
          if (packed === undefined) break;
          const bad = s.placements.find((p) => p.axes.length !== ctx.dims);
          if (bad !== undefined) {
            ctx.diags.error(
              DiagnosticCode.VECTOR_ARITY,
              `Placement has ${bad.axes.length} axes, but the world has ${ctx.dims} dimensions.`,
              bad.tok,
            );
            break;
          }
          out.push({ kind: 'place', packed, placements: s.placements, at: s.tok });
          break;
        }
        case 'import': {
          const child = inst.importByStatement.get(s);
          if (child === undefined) break;
          out.push({ kind: 'enter', at: s.tok });
          visitModule(child);
          out.push({ kind: 'exit' });
          break;
        }
        default:
          break;
      }
    });
  };

  function compileInstruction(s: Statement & { kind: 'instruction' }, scope: Scope): void {
    const operands: IrOperand[] = [];
    const sources = instructionSources(s.mnemonic);
    let ok = true;
    s.operands.forEach((o, k) => {
      const ir = convertOperand(sources[k]!, o, scope, k + 1, s.mnemonic);
      if (ir === undefined) ok = false;
      else operands.push(ir);
    });
    if (!ok) return;
    const info = opcodeInfoOf(s.mnemonic);
    if (s.mnemonic === 'RET' && scope.proc !== undefined) {
      guarded(returnSequence(scope.proc.params, s.tok), 'ret', scope);
      return;
    }
    out.push(instruction(info, operands, s.tok, false));
  }

  function compileCall(s: Statement & { kind: 'call' }, scope: Scope): void {
    const target = convertOperand('L', s.target, scope, 1, 'CALL');
    if (target === undefined || target.kind !== 'labelref') return;
    const proc = ctx.procs.get(target.label);
    const args: MarshalledArgument[] = [];
    let ok = true;
    for (const a of s.args) {
      const o = convertCallArgument(a.kind, a.operand, scope);
      if (o === undefined) ok = false;
      else args.push({ kind: a.kind, operand: o });
    }
    if (!ok) return;
    if (proc === undefined) {
      if (args.length > 0) {
        ctx.diags.error(
          DiagnosticCode.CALL_ARGUMENTS,
          `CALL arguments need a .PROC target, but '${target.label}' is a plain label.`,
          s.target.tok,
        );
        return;
      }
    } else if (args.length > 0) {
      for (const kind of ['REF', 'VAL', 'LREF', 'LVAL'] as const) {
        const given = args.filter((a) => a.kind === kind).length;
        const declared = proc.params.filter((p) => p.kind === kind).length;
        if (given !== declared) {
          ctx.diags.error(
            DiagnosticCode.CALL_ARGUMENTS,
            `CALL ${proc.qualified} passes ${given} ${kind} argument(s), but the .PROC declares ${declared}.`,
            s.tok,
          );
          ok = false;
        }
      }
      if (!ok) return;
    } else if (proc.params.length > 0) {
      ctx.diags.warning(
        DiagnosticCode.CALL_ARGUMENTS,
        `CALL ${proc.qualified} passes no arguments, but the .PROC declares ${proc.params.length} parameter(s); the stacks must be prepared by hand.`,
        s.tok,
      );
    }
    guarded(callSequence(target.label, args, s.tok), 'call', scope);
  }

  /** Emits a CALL/RET sequence; a conditional directly before it must skip all of it, not just its first cell. */
  function guarded(seq: IrItem[], kind: 'call' | 'ret', scope: Scope): void {
    const prev = out[out.length - 1];
    const needsGuard = ctx.referenceCompatible || seq.length > 1;
    if (prev?.kind !== 'instruction' || prev.synthetic || !isConditional(prev.info) || !needsGuard) {
      out.push(...seq);
      return;
    }
    const negated = negateConditional(prev.info);
    if (negated === undefined) {
      out.push(...seq);
      return;
    }
    const n = kind === 'call' ? counters.call++ : counters.ret++;
    const name = `_SAFE_${kind.toUpperCase()}_${n}`;
    const label = qualify(scope.syms.module, name);
    if (ctx.referenceCompatible) {
      // The reference defines this label in lower case but looks it up upper-cased, so linking fails.
      ctx.diags.error(
        DiagnosticCode.REFERENCE_SAFE_CALL_UNLINKED,
        `Internal error: IrLabelRef '${name.toLowerCase()}' was not resolved during linking (reference-compatible mode reproduces the reference's safe-call bug; compile without it for the intended rewrite).`,
        prev.at,
      );
    }
    out[out.length - 1] = { ...prev, info: negated };
    out.push(instruction(OP.JMPI, [{ kind: 'labelref', label }], prev.at));
    out.push(...seq);
    out.push({ kind: 'label', label, at: prev.at, synthetic: true });
  }

  function typeError(k: number, mnemonic: string, source: OperandSource, got: string, at: Token): undefined {
    ctx.diags.error(
      DiagnosticCode.OPERAND_TYPE,
      `Argument ${k} for instruction '${mnemonic}' has the wrong type. Expected ${EXPECTED[source]}, but got ${got}.`,
      at,
    );
    return undefined;
  }

  // Set while resolving an operand whose slot takes a vector (matters only for 1-D worlds).
  let expectingVector = false;
  const resolveAs = (vector: boolean, o: Operand, scope: Scope): Resolved | undefined => {
    expectingVector = vector;
    try {
      return resolve(o, scope);
    } finally {
      expectingVector = false;
    }
  };

  function convertOperand(
    source: OperandSource,
    o: Operand,
    scope: Scope,
    k: number,
    mnemonic: string,
  ): IrOperand | undefined {
    const r = resolveAs(source === 'V', o, scope);
    if (r === undefined) return undefined;
    switch (source) {
      case 'R':
      case 'LR': {
        if (r.kind !== 'register') return typeError(k, mnemonic, source, describe(r), o.tok);
        const location = bankOf(r.id)?.location ?? false;
        if (location !== (source === 'LR'))
          return typeError(k, mnemonic, source, location ? 'LOCATION_REGISTER' : 'REGISTER', o.tok);
        return { kind: 'register', id: r.id };
      }
      case 'I':
        if (r.kind !== 'value' || r.operand.kind === 'vector')
          return typeError(k, mnemonic, source, describe(r), o.tok);
        return { kind: 'immediate', packed: packLiteral(r.operand) };
      case 'V':
        if (r.kind === 'label') {
          if (ctx.referenceCompatible) return { kind: 'labelvector', label: r.label };
          ctx.diags.error(
            DiagnosticCode.LABEL_AS_VECTOR,
            `Argument ${k} for instruction '${mnemonic}' expects a vector, but '${o.tok.text}' is a label. A label is not a vector; load its position with LRLI %LRn ${o.tok.text} (or PSLI) and use a location instruction.`,
            o.tok,
          );
          return undefined;
        }
        if (r.kind !== 'value' || r.operand.kind !== 'vector')
          return typeError(k, mnemonic, source, describe(r), o.tok);
        if (r.viaDefine && ctx.referenceCompatible) return typeError(k, mnemonic, source, 'CONSTANT', o.tok);
        if (r.operand.components.length !== ctx.dims) {
          arityError(
            `Vector '${r.operand.components.join('|')}' has ${r.operand.components.length} components, but the world has ${ctx.dims} dimensions.`,
            o.tok,
          );
          return undefined;
        }
        return { kind: 'vector', components: r.operand.components };
      case 'L':
        if (r.kind !== 'label') return typeError(k, mnemonic, source, describe(r), o.tok);
        return { kind: 'labelref', label: r.label };
      default:
        return typeError(k, mnemonic, source, describe(r), o.tok);
    }
  }

  function convertCallArgument(kind: MarshalledArgument['kind'], o: Operand, scope: Scope): IrOperand | undefined {
    const r = resolve(o, scope);
    if (r === undefined) return undefined;
    const location = kind === 'LREF' || kind === 'LVAL';
    const bad = (what: string): undefined => {
      ctx.diags.error(DiagnosticCode.CALL_ARGUMENTS, `${kind} argument '${o.tok.text}' must be ${what}.`, o.tok);
      return undefined;
    };
    if (r.kind === 'register') {
      if ((bankOf(r.id)?.location ?? false) !== location)
        return bad(location ? 'a location register (%LRn)' : 'a data register');
      return { kind: 'register', id: r.id };
    }
    if (kind === 'REF' || kind === 'LREF')
      return bad(kind === 'REF' ? 'a data register' : 'a location register (%LRn)');
    if (kind === 'LVAL')
      return r.kind === 'label' ? { kind: 'labelref', label: r.label } : bad('a location register or a label');
    if (r.kind !== 'value') return bad('a register or a literal');
    if (r.operand.kind === 'vector') {
      if (r.operand.components.length !== ctx.dims) {
        arityError(
          `Vector has ${r.operand.components.length} components, but the world has ${ctx.dims} dimensions.`,
          o.tok,
        );
        return undefined;
      }
      return { kind: 'vector', components: r.operand.components };
    }
    return { kind: 'immediate', packed: packLiteral(r.operand) };
  }

  function vectorValue(o: Operand, scope: Scope, what: string): number[] | undefined {
    const r = resolveAs(true, o, scope);
    if (r === undefined) return undefined;
    if (r.kind !== 'value' || r.operand.kind !== 'vector') {
      ctx.diags.error(
        DiagnosticCode.OPERAND_TYPE,
        `${what} expects a vector such as 1|0, but got ${describe(r)}.`,
        o.tok,
      );
      return undefined;
    }
    if (r.operand.components.length !== ctx.dims) {
      ctx.diags.error(
        DiagnosticCode.VECTOR_ARITY,
        `${what} vector has ${r.operand.components.length} components, but the world has ${ctx.dims} dimensions.`,
        o.tok,
      );
      return undefined;
    }
    return [...r.operand.components];
  }

  function moleculeValue(o: Operand, scope: Scope): number | undefined {
    const r = resolve(o, scope);
    if (r === undefined) return undefined;
    if (r.kind !== 'value' || r.operand.kind === 'vector') {
      ctx.diags.error(
        DiagnosticCode.OPERAND_TYPE,
        `.PLACE expects a molecule such as DATA:7, but got ${describe(r)}.`,
        o.tok,
      );
      return undefined;
    }
    return packLiteral(r.operand);
  }

  function resolve(o: Operand, scope: Scope, seen: Set<string> = new Set()): Resolved | undefined {
    switch (o.kind) {
      case 'register':
        return resolveRegister(o.name, o.tok, scope);
      case 'number':
        // In a 1-D world a vector has one component and is written as a plain number.
        if (ctx.dims === 1 && expectingVector)
          return { kind: 'value', operand: { kind: 'vector', components: [o.value], tok: o.tok }, viaDefine: false };
        return { kind: 'value', operand: o, viaDefine: false };
      case 'typed':
      case 'vector':
        return { kind: 'value', operand: o, viaDefine: false };
      case 'name':
        return resolveName(o, scope, seen);
    }
  }

  function resolveRegister(name: string, tok: Token, scope: Scope): Resolved | undefined {
    const alias = scope.proc?.aliases.get(name) ?? scope.syms.aliases.get(name);
    if (alias !== undefined) return { kind: 'register', id: alias };
    const id = registerIdByName(name);
    if (id === undefined) {
      ctx.diags.error(DiagnosticCode.UNKNOWN_REGISTER, `Symbol '${name}' is not defined.`, tok);
      return undefined;
    }
    if (isFormalRegister(id)) {
      ctx.diags.error(DiagnosticCode.FORMAL_REGISTER, formalRegisterMessage(name), tok);
      return undefined;
    }
    const bank = bankOf(id)?.name;
    if ((bank === 'PDR' || bank === 'PLR') && scope.proc === undefined && !ctx.referenceCompatible) {
      ctx.diags.warning(
        DiagnosticCode.PROC_REGISTER_OUTSIDE_PROC,
        `${name} is a procedure-local register used outside any .PROC (it is saved and restored around CALLs).`,
        tok,
      );
    }
    return { kind: 'register', id };
  }

  function resolveName(o: Operand & { kind: 'name' }, scope: Scope, seen: Set<string>): Resolved | undefined {
    const name = o.name;
    const undefinedSymbol = (): undefined => {
      ctx.diags.error(DiagnosticCode.UNDEFINED_SYMBOL, `Symbol '${name}' is not defined.`, o.tok);
      return undefined;
    };
    const param = scope.proc?.params.find((p) => p.name === name);
    if (param !== undefined) return { kind: 'register', id: param.register };

    let syms = scope.syms;
    let local = name;
    if (name.includes('.')) {
      const parts = name.split('.');
      let inst: ModuleInstance | undefined = syms.module;
      for (let i = 0; i < parts.length - 1 && inst !== undefined; i++) {
        // The module behind this alias failed to load, which was reported already.
        if (inst.failedAliases.has(parts[i]!)) return undefined;
        inst = inst.imports.get(parts[i]!) ?? inst.bindings.get(parts[i]!);
      }
      if (inst === undefined) return undefinedSymbol();
      const target = ctx.symbols.get(inst)!;
      local = parts[parts.length - 1]!;
      const def = target.defines.get(local);
      const label = target.labels.get(local);
      if (def === undefined && label === undefined) return undefinedSymbol();
      if (!(def?.exported ?? label?.exported ?? false)) {
        ctx.diags.error(
          DiagnosticCode.NOT_EXPORTED,
          `Symbol '${name}' is not defined (${local} exists in ${inst.file.display} but is not EXPORTed).`,
          o.tok,
        );
        return undefined;
      }
      if (def !== undefined && ctx.referenceCompatible) {
        const importedAt = syms.importIndex.get(parts[0]!);
        if (importedAt !== undefined && importedAt > scope.index) return undefinedSymbol();
      }
      syms = target;
    }
    const def = syms.defines.get(local);
    if (def !== undefined) {
      const key = `${syms.module.id}:${local}`;
      if (seen.has(key) || seen.size > MAX_DEFINE_CHAIN) {
        const why = seen.has(key)
          ? 'is defined in terms of itself'
          : `refers through more than ${MAX_DEFINE_CHAIN} constants`;
        ctx.diags.error(DiagnosticCode.CYCLIC_DEFINE, `Constant '${name}' ${why}.`, o.tok);
        return undefined;
      }
      seen.add(key);
      const inner = resolve(
        def.value,
        { syms: ctx.symbols.get(def.module)!, proc: undefined, index: Number.MAX_SAFE_INTEGER },
        seen,
      );
      if (inner?.kind === 'value') return { ...inner, viaDefine: true };
      return inner;
    }
    const label = syms.labels.get(local);
    if (label !== undefined) {
      if (o.tok.sourced && ctx.referenceCompatible) return undefinedSymbol();
      return { kind: 'label', label: label.qualified };
    }
    return undefinedSymbol();
  }

  visitModule(main);
  flushArity(undefined);
  return out;
}

function describe(r: Resolved): string {
  if (r.kind === 'register') return bankOf(r.id)?.location ? 'LOCATION_REGISTER' : 'REGISTER';
  if (r.kind === 'label') return 'LABEL';
  if (r.viaDefine) return 'CONSTANT';
  return r.operand.kind === 'vector' ? 'VECTOR' : 'LITERAL';
}

/** Untyped numbers are DATA; typed literals keep their type. */
function packLiteral(o: Operand & { kind: 'number' | 'typed' }): number {
  return packMolecule(o.kind === 'typed' ? o.type : MoleculeType.DATA, o.value);
}

/** Only called with mnemonics the parser has already looked up. */
function opcodeInfoOf(name: string): OpcodeInfo {
  return opcodeByName(name)!;
}

function instructionSources(name: string): OperandSource[] {
  return (opcodeByName(name)?.operands ?? []).filter((s) => s !== 'S');
}
