/**
 * CALL/RET parameter marshalling. REF/VAL/LREF/LVAL are implemented with stack traffic only, so the runtime
 * knows nothing about parameters:
 *  - caller: push VALs then REFs (each in reverse) on the data stack, LVALs then LREFs (reverse) on the
 *    location stack; CALL; then POPL the LREFs and POP the REFs back (reverse order);
 *  - callee prologue: POP %FDR0… (REFs then VALs), POPL %FLR0… (LREFs then LVALs);
 *  - before every RET: PUSL the LREF %FLRs, then PUSH the REF %FDRs.
 */
import { opcodeByName, type OpcodeInfo } from '../isa/index.js';
import type { ParamKind } from './ast.js';
import type { IrItem, IrOperand } from './ir.js';
import type { ProcParam } from './symbol-table.js';
import type { Token } from './tokens.js';

function op(name: string): OpcodeInfo {
  const info = opcodeByName(name);
  if (info === undefined) throw new Error(`ISA table lacks ${name}`); // a build error, never user input
  return info;
}

export const OP = {
  PUSH: op('PUSH'),
  PUSI: op('PUSI'),
  PUSV: op('PUSV'),
  POP: op('POP'),
  PUSL: op('PUSL'),
  POPL: op('POPL'),
  PSLI: op('PSLI'),
  CALL: op('CALL'),
  RET: op('RET'),
  JMPI: op('JMPI'),
};

export function instruction(info: OpcodeInfo, operands: IrOperand[], at: Token, synthetic = true): IrItem {
  return { kind: 'instruction', info, operands, at, synthetic };
}

/** A resolved CALL argument: what to push, and for REF/LREF where to pop the result back to. */
export interface MarshalledArgument {
  readonly kind: ParamKind;
  readonly operand: IrOperand;
}

function pushFor(arg: MarshalledArgument, at: Token): IrItem {
  const o = arg.operand;
  const location = arg.kind === 'LREF' || arg.kind === 'LVAL';
  if (location) return o.kind === 'labelref' ? instruction(OP.PSLI, [o], at) : instruction(OP.PUSL, [o], at);
  if (o.kind === 'register') return instruction(OP.PUSH, [o], at);
  if (o.kind === 'vector') return instruction(OP.PUSV, [o], at);
  return instruction(OP.PUSI, [o], at);
}

export function callSequence(target: string, args: readonly MarshalledArgument[], at: Token): IrItem[] {
  const of = (k: ParamKind) => args.filter((a) => a.kind === k);
  const reversed = (k: ParamKind) => of(k).reverse();
  const seq: IrItem[] = [];
  for (const k of ['VAL', 'REF', 'LVAL', 'LREF'] as const) for (const a of reversed(k)) seq.push(pushFor(a, at));
  seq.push(instruction(OP.CALL, [{ kind: 'labelref', label: target }], at, false));
  for (const a of reversed('LREF')) seq.push(instruction(OP.POPL, [a.operand], at));
  for (const a of reversed('REF')) seq.push(instruction(OP.POP, [a.operand], at));
  return seq;
}

export function prologue(params: readonly ProcParam[], at: Token): IrItem[] {
  const seq: IrItem[] = [];
  for (const p of params) {
    if (p.kind === 'REF' || p.kind === 'VAL') seq.push(instruction(OP.POP, [{ kind: 'register', id: p.register }], at));
  }
  for (const p of params) {
    if (p.kind === 'LREF' || p.kind === 'LVAL')
      seq.push(instruction(OP.POPL, [{ kind: 'register', id: p.register }], at));
  }
  return seq;
}

export function returnSequence(params: readonly ProcParam[], at: Token): IrItem[] {
  const seq: IrItem[] = [];
  for (const p of params)
    if (p.kind === 'LREF') seq.push(instruction(OP.PUSL, [{ kind: 'register', id: p.register }], at));
  for (const p of params)
    if (p.kind === 'REF') seq.push(instruction(OP.PUSH, [{ kind: 'register', id: p.register }], at));
  seq.push(instruction(OP.RET, [], at, false));
  return seq;
}
