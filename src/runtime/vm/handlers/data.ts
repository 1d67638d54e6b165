import { registerSlot } from '../../organism.js';
import type { Organism } from '../../organism.js';
import type { Handler, VirtualMachine } from '../vm.js';

/** SETR/SETI/SETV: copy operand 1 (scalar or vector) into the register of operand 0. */
function set(vm: VirtualMachine, o: Organism): void {
  if (o.opN !== 2) {
    o.fail('Invalid operand count for data operation.');
    return;
  }
  if (o.opIsVec[1] === 1) vm.writeVector(o, o.opReg[0]!, o.opVec, vm.dims);
  else vm.writeScalar(o, o.opReg[0]!, o.opScalar[1]!);
}

/** PUSH/PUSI/PUSV. */
function push(_vm: VirtualMachine, o: Organism): void {
  const ok = o.opIsVec[0] === 1 ? o.pushVector(o.opVec, 0) : o.pushScalar(o.opScalar[0]!);
  if (!ok) o.fail('Stack overflow during data operation.');
}

function pop(vm: VirtualMachine, o: Organism): void {
  if (o.dsLen === 0) {
    o.fail('Stack underflow during data operation.');
    return;
  }
  const i = --o.dsLen;
  if (o.dsIsVec[i] === 1) vm.writeVector(o, o.opReg[0]!, o.dsVec, i * vm.dims);
  else vm.writeScalar(o, o.opReg[0]!, o.dsScalar[i]!);
}

/** Copies stack entry `from` into entry `to` (scalar flag, scalar, vector). */
function copyEntry(o: Organism, from: number, to: number): void {
  const dims = o.dims;
  o.dsIsVec[to] = o.dsIsVec[from]!;
  o.dsScalar[to] = o.dsScalar[from]!;
  o.dsVec.copyWithin(to * dims, from * dims, from * dims + dims);
}

function dup(_vm: VirtualMachine, o: Organism): void {
  if (o.dsLen === 0) {
    o.fail('Stack Underflow for DUP.');
    return;
  }
  if (!o.ensureDataStack(o.dsLen + 1)) {
    o.fail('Stack Overflow for DUP.');
    return;
  }
  copyEntry(o, o.dsLen - 1, o.dsLen);
  o.dsLen++;
}

let scratch = new Int32Array(4);

function swapEntries(o: Organism, a: number, b: number): void {
  const dims = o.dims;
  if (scratch.length < dims) scratch = new Int32Array(dims);
  const isVec = o.dsIsVec[a]!;
  const scalar = o.dsScalar[a]!;
  for (let d = 0; d < dims; d++) scratch[d] = o.dsVec[a * dims + d]!;
  copyEntry(o, b, a);
  o.dsIsVec[b] = isVec;
  o.dsScalar[b] = scalar;
  for (let d = 0; d < dims; d++) o.dsVec[b * dims + d] = scratch[d]!;
}

function swap(_vm: VirtualMachine, o: Organism): void {
  if (o.dsLen < 2) {
    o.fail('Stack Underflow for SWAP.');
    return;
  }
  swapEntries(o, o.dsLen - 1, o.dsLen - 2);
}

function drop(_vm: VirtualMachine, o: Organism): void {
  if (o.dsLen === 0) {
    o.fail('Stack Underflow for DROP.');
    return;
  }
  o.dsLen--;
}

/** ROT: the third entry moves to the top (top-first [c,b,a] → [a,c,b]). */
function rot(_vm: VirtualMachine, o: Organism): void {
  if (o.dsLen < 3) {
    o.fail('Stack Underflow for ROT.');
    return;
  }
  const top = o.dsLen - 1;
  // entries (top-first): c=top, b=top-1, a=top-2 → a, c, b
  swapEntries(o, top - 2, top - 1); // [c, a, b] with a at top-1
  swapEntries(o, top - 1, top); // [a, c, b]
}

function xchg(vm: VirtualMachine, o: Organism): void {
  if (o.opN !== 2) {
    o.fail('Invalid operand count for data operation.');
    return;
  }
  const s0 = registerSlot(o.opReg[0]!);
  const s1 = registerSlot(o.opReg[1]!);
  if (s0 < 0 || s1 < 0) {
    o.fail('Invalid register.');
    return;
  }
  const dims = vm.dims;
  const t = vm.tmpVec;
  // operand values were captured at plan time; write each into the other register
  if (o.opIsVec[1] === 1) vm.writeVector(o, o.opReg[0]!, o.opVec, dims);
  else vm.writeScalar(o, o.opReg[0]!, o.opScalar[1]!);
  if (o.opIsVec[0] === 1) {
    t.set(o.opVec.subarray(0, dims));
    vm.writeVector(o, o.opReg[1]!, t, 0);
  } else vm.writeScalar(o, o.opReg[1]!, o.opScalar[0]!);
}

export function registerData(t: Map<string, Handler>): void {
  t.set('SETR', set);
  t.set('SETI', set);
  t.set('SETV', set);
  t.set('PUSH', push);
  t.set('PUSI', push);
  t.set('PUSV', push);
  t.set('POP', pop);
  t.set('DUP', dup);
  t.set('SWAP', swap);
  t.set('DROP', drop);
  t.set('ROT', rot);
  t.set('XCHG', xchg);
}
