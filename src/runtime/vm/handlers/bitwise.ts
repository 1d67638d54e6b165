import type { Organism } from '../../organism.js';
import { pack, typeOf, valueOf, type Handler, type VirtualMachine } from '../vm.js';

const MASK20 = 0xfffff;

/** AND/OR/XOR/NAD/NOR/EQU/ADN/ORN/SHL/SHR: the second operand of I and S forms is re-typed to the first. */
function binary(op: string, retypeSecond: boolean): Handler {
  const shift = op === 'SHL' || op === 'SHR';
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail('Invalid operand count for bitwise operation.');
      return;
    }
    if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1) {
      o.fail('Bitwise operations only support scalar values.');
      return;
    }
    const m1 = o.opScalar[0]!;
    const m2 = o.opScalar[1]!;
    const t1 = typeOf(m1);
    const t2 = retypeSecond ? t1 : typeOf(m2);
    if (t1 !== t2) {
      o.fail('Operand types must match in strict mode for bitwise operations.');
      return;
    }
    if (shift && t2 !== 1) {
      o.fail('Shift amount must be a DATA-compatible scalar.');
      return;
    }
    const a = valueOf(m1);
    const b = valueOf(m2);
    let r: number;
    switch (op) {
      case 'AND':
        r = a & b;
        break;
      case 'OR':
        r = a | b;
        break;
      case 'XOR':
        r = a ^ b;
        break;
      case 'NAD':
        r = ~(a & b);
        break;
      case 'NOR':
        r = ~(a | b);
        break;
      case 'EQU':
        r = ~(a ^ b);
        break;
      case 'ADN':
        r = a & ~b;
        break;
      case 'ORN':
        r = a | ~b;
        break;
      case 'SHL':
        r = a << b;
        break;
      default:
        r = a >> b;
    }
    vm.storeScalar(o, 0, pack(t1, r));
  };
}

function not(vm: VirtualMachine, o: Organism): void {
  if (o.opN !== 1) {
    o.fail('Invalid operand count for NOT operation.');
    return;
  }
  if (o.opIsVec[0] === 1) {
    o.fail('NOT operations only support scalar values.');
    return;
  }
  const m = o.opScalar[0]!;
  vm.storeScalar(o, 0, pack(typeOf(m), ~valueOf(m)));
}

function rotate20(value: number, amount: number): number {
  const v = value & MASK20;
  let k = amount % 20;
  if (k < 0) k += 20;
  return ((v << k) | (v >>> (20 - k))) & MASK20;
}

function rot(stack: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail(stack ? 'ROTS requires two stack operands.' : 'ROT requires two operands.');
      return;
    }
    if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1) {
      o.fail(stack ? 'ROTS requires scalars.' : 'ROT requires scalar operands.');
      return;
    }
    // Stack form: top = amount, second = value. Register forms: value, amount.
    const val = stack ? o.opScalar[1]! : o.opScalar[0]!;
    const amt = stack ? o.opScalar[0]! : o.opScalar[1]!;
    const r = pack(typeOf(val), rotate20(valueOf(val), valueOf(amt)));
    if (stack) {
      if (!o.pushScalar(r)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, r);
  };
}

function popcount20(v: number): number {
  v &= MASK20;
  let c = 0;
  while (v !== 0) {
    v &= v - 1;
    c++;
  }
  return c;
}

function pcn(stack: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== (stack ? 1 : 2)) {
      o.fail(stack ? 'PCNS requires one stack operand.' : 'PCNR requires two register operands.');
      return;
    }
    const k = stack ? 0 : 1;
    if (o.opIsVec[k] === 1 || o.opIsVec[0] === 1) {
      o.fail(stack ? 'PCNS requires scalar operand.' : 'PCNR requires scalar registers.');
      return;
    }
    const src = o.opScalar[k]!;
    const r = pack(typeOf(src), popcount20(valueOf(src)));
    if (stack) {
      if (!o.pushScalar(r)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, r);
  };
}

/** Mask of the n-th set bit (n > 0 from the LSB, n < 0 from the MSB) within 20 bits; 0 if absent. */
export function bitScanNth(value: number, n: number): number {
  if (n === 0) return 0;
  const v = value & MASK20;
  if (n > 0) {
    let seen = 0;
    for (let i = 0; i < 20; i++) {
      if ((v >>> i) & 1) {
        seen++;
        if (seen === n) return 1 << i;
      }
    }
  } else {
    let seen = 0;
    for (let i = 19; i >= 0; i--) {
      if ((v >>> i) & 1) {
        seen++;
        if (seen === -n) return 1 << i;
      }
    }
  }
  return 0;
}

function bsn(stack: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (stack) {
      if (o.opN !== 2) {
        o.fail('BSNS requires two stack operands.');
        return;
      }
      if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1) {
        o.fail('BSNS requires scalar operands.');
        return;
      }
      const src = o.opScalar[1]!;
      const mask = bitScanNth(valueOf(src), valueOf(o.opScalar[0]!));
      if (mask === 0) o.fail('BSN failed: invalid N or not enough set bits.');
      if (!o.pushScalar(pack(typeOf(src), mask))) o.fail('Stack overflow');
      return;
    }
    if (o.opN !== 3) {
      o.fail('BSN requires three operands.');
      return;
    }
    if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1 || o.opIsVec[2] === 1) {
      o.fail('BSN requires scalar operands.');
      return;
    }
    const src = o.opScalar[1]!;
    const mask = bitScanNth(valueOf(src), valueOf(o.opScalar[2]!));
    if (mask === 0) o.fail('BSN failed: invalid N or not enough set bits.');
    vm.writeScalar(o, o.opReg[0]!, pack(typeOf(src), mask));
  };
}

export function registerBitwise(t: Map<string, Handler>): void {
  for (const op of ['AND', 'OR', 'XOR', 'NAD', 'NOR', 'EQU', 'ADN', 'ORN', 'SHL', 'SHR']) {
    t.set(`${op}R`, binary(op, false));
    t.set(`${op}I`, binary(op, true));
    t.set(`${op}S`, binary(op, true));
  }
  t.set('NOT', not);
  t.set('NOTS', not);
  t.set('ROTR', rot(false));
  t.set('ROTI', rot(false));
  t.set('ROTS', rot(true));
  t.set('PCNR', pcn(false));
  t.set('PCNS', pcn(true));
  t.set('BSNR', bsn(false));
  t.set('BSNI', bsn(false));
  t.set('BSNS', bsn(true));
}
