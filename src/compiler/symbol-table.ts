/**
 * Symbols of every module instance: labels (procedure names are labels too), constants, register aliases and
 * procedures with their parameters. Collected before code generation so forward references work.
 */
import { bankOf, registerIdByName, REGISTER_BANKS } from '../isa/index.js';
import type { Operand, ParamKind, Statement } from './ast.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { ModuleInstance } from './module-loader.js';
import type { Token } from './tokens.js';

export interface LabelSymbol {
  readonly qualified: string;
  readonly exported: boolean;
  readonly tok: Token;
}

export interface DefineSymbol {
  readonly name: string;
  readonly value: Operand;
  readonly exported: boolean;
  readonly tok: Token;
  readonly module: ModuleInstance;
}

export interface ProcParam {
  readonly kind: ParamKind;
  readonly name: string;
  /** %FDRn for REF/VAL, %FLRn for LREF/LVAL. */
  readonly register: number;
}

export interface ProcSymbol {
  readonly name: string;
  readonly qualified: string;
  /** In register order: REF…, VAL…, LREF…, LVAL…. */
  readonly params: readonly ProcParam[];
  /** `.REG` aliases declared inside the procedure. */
  readonly aliases: Map<string, number>;
  readonly statement: Statement & { kind: 'proc' };
}

export interface ModuleSymbols {
  readonly module: ModuleInstance;
  readonly labels: Map<string, LabelSymbol>;
  readonly defines: Map<string, DefineSymbol>;
  readonly procs: Map<string, ProcSymbol>;
  readonly aliases: Map<string, number>;
  /** For each statement inside a .PROC, that procedure. */
  readonly procOf: Map<Statement, ProcSymbol>;
  /** Statement index of each `.IMPORT` alias (reference mode: module constants are visible only below it). */
  readonly importIndex: Map<string, number>;
}

const FDR_BASE = REGISTER_BANKS.find((b) => b.name === 'FDR')!.base;
const FLR_BASE = REGISTER_BANKS.find((b) => b.name === 'FLR')!.base;

export function qualify(module: ModuleInstance, name: string): string {
  return module.prefix === '' ? name : `${module.prefix}.${name}`;
}

/** Formal banks hold parameters; only the CALL/.PROC binding may name them. */
export function isFormalRegister(id: number): boolean {
  const bank = bankOf(id);
  return bank?.name === 'FDR' || bank?.name === 'FLR';
}

export function collectSymbols(
  module: ModuleInstance,
  diags: DiagnosticBag,
  globalAliases: Map<string, number>,
): ModuleSymbols {
  const syms: ModuleSymbols = {
    module,
    labels: new Map(),
    defines: new Map(),
    procs: new Map(),
    aliases: new Map(),
    procOf: new Map(),
    importIndex: new Map(),
  };
  const taken = (name: string): boolean => syms.labels.has(name) || syms.defines.has(name);
  const duplicate = (name: string, tok: Token) =>
    diags.error(DiagnosticCode.DUPLICATE_SYMBOL, `Symbol '${name}' is already defined in this scope.`, tok);

  let proc: ProcSymbol | undefined;
  module.statements.forEach((s, index) => {
    if (proc !== undefined) syms.procOf.set(s, proc);
    const declared = s.kind === 'label' ? s.tok : s.kind === 'define' || s.kind === 'proc' ? s.nameTok : undefined;
    if (declared !== undefined && declared.upper.includes('.')) {
      // A dot separates a module alias from a name; a declared name with one could never be referenced.
      diags.error(
        DiagnosticCode.SYNTAX,
        `Name '${declared.text}' cannot contain '.' (dots qualify names of imported modules).`,
        declared,
      );
      return;
    }
    switch (s.kind) {
      case 'label':
        if (taken(s.name)) duplicate(s.name, s.tok);
        else syms.labels.set(s.name, { qualified: qualify(module, s.name), exported: s.exported, tok: s.tok });
        break;
      case 'define':
        if (taken(s.name)) duplicate(s.name, s.nameTok);
        else syms.defines.set(s.name, { name: s.name, value: s.value, exported: s.exported, tok: s.nameTok, module });
        break;
      case 'reg': {
        const id = aliasTarget(s.register, proc, syms, diags);
        if (id === undefined) break;
        const scope = proc?.aliases ?? syms.aliases;
        if (scope.has(s.alias))
          diags.error(DiagnosticCode.DUPLICATE_SYMBOL, `Register alias '${s.alias}' is already defined.`, s.aliasTok);
        scope.set(s.alias, id);
        if (!globalAliases.has(s.alias)) globalAliases.set(s.alias, id);
        break;
      }
      case 'proc': {
        if (proc !== undefined) {
          diags.error(
            DiagnosticCode.PROC_STRUCTURE,
            `.PROC ${s.name} is inside .PROC ${proc.name}; close it with .ENDP first.`,
            s.tok,
          );
        }
        const order: ParamKind[] = ['REF', 'VAL', 'LREF', 'LVAL'];
        const sorted = [...s.params].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
        let data = 0;
        let loc = 0;
        const params: ProcParam[] = [];
        for (const p of sorted) {
          const isLoc = p.kind === 'LREF' || p.kind === 'LVAL';
          const register = isLoc ? FLR_BASE + loc++ : FDR_BASE + data++;
          if ((isLoc && loc > 4) || (!isLoc && data > 8)) {
            diags.error(
              DiagnosticCode.PROC_STRUCTURE,
              `Too many ${isLoc ? 'location' : 'data'} parameters (at most ${isLoc ? 4 : 8}).`,
              p.tok,
            );
            continue;
          }
          params.push({ kind: p.kind, name: p.name, register });
        }
        const symbol: ProcSymbol = {
          name: s.name,
          qualified: qualify(module, s.name),
          params,
          aliases: new Map(),
          statement: s,
        };
        if (taken(s.name)) duplicate(s.name, s.nameTok);
        else {
          syms.labels.set(s.name, { qualified: symbol.qualified, exported: s.exported, tok: s.nameTok });
          syms.procs.set(s.name, symbol);
        }
        proc = symbol;
        syms.procOf.set(s, symbol);
        break;
      }
      case 'endp':
        if (proc === undefined) diags.error(DiagnosticCode.PROC_STRUCTURE, '.ENDP without a matching .PROC.', s.tok);
        proc = undefined;
        break;
      case 'import':
        syms.importIndex.set(s.alias, index);
        break;
      default:
        break;
    }
  });
  if (proc !== undefined) {
    diags.error(DiagnosticCode.PROC_STRUCTURE, `.PROC ${proc.name} has no matching .ENDP.`, proc.statement.tok);
  }
  return syms;
}

/** The register a `.REG` alias stands for: a register name or an alias defined above. */
function aliasTarget(
  op: Operand,
  proc: ProcSymbol | undefined,
  syms: ModuleSymbols,
  diags: DiagnosticBag,
): number | undefined {
  if (op.kind !== 'register') {
    diags.error(DiagnosticCode.OPERAND_TYPE, `.REG expects a register such as %DR0, but got '${op.tok.text}'.`, op.tok);
    return undefined;
  }
  const id = proc?.aliases.get(op.name) ?? syms.aliases.get(op.name) ?? registerIdByName(op.name);
  if (id === undefined) {
    diags.error(DiagnosticCode.UNKNOWN_REGISTER, `Symbol '${op.name}' is not defined.`, op.tok);
    return undefined;
  }
  if (isFormalRegister(id)) {
    diags.error(DiagnosticCode.FORMAL_REGISTER, formalRegisterMessage(op.name), op.tok);
    return undefined;
  }
  return id;
}

export function formalRegisterMessage(name: string): string {
  return `Access to ${name.replace(/^%/, '').replace(/\d+$/, '')} registers is not allowed in user code — they are managed by the CALL parameter binding (use the .PROC parameter names).`;
}
