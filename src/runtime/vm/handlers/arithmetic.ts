import type { Organism } from '../../organism.js';
import { pack, typeOf, valueOf, type Handler, type VirtualMachine } from '../vm.js';

/** ADD/SUB/MUL/DIV/MOD in R-R, R-I and S-S forms. Vectors: ADD/SUB component-wise only. */
function binary(op: string, immediate: boolean, name: string): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail('Invalid operand count for arithmetic operation.');
      return;
    }
    const dims = vm.dims;
    if (o.opIsVec[0] === 1 && o.opIsVec[1] === 1) {
      if (op !== 'ADD' && op !== 'SUB') {
        o.fail(`Unsupported vector operation: ${name}`);
        return;
      }
      const t = vm.tmpVec;
      for (let d = 0; d < dims; d++) {
        const a = o.opVec[d]!;
        const b = o.opVec[dims + d]!;
        t[d] = op === 'ADD' ? (a + b) | 0 : (a - b) | 0;
      }
      vm.storeVector(o, 0, t, 0);
      return;
    }
    if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1) {
      o.fail('Mismatched or invalid operand types for arithmetic operation.');
      return;
    }
    const m1 = o.opScalar[0]!;
    const t1 = typeOf(m1);
    const a = valueOf(m1);
    const m2 = o.opScalar[1]!;
    const b = valueOf(m2);
    if (!immediate && typeOf(m2) !== t1) {
      o.fail('Operand types must match in strict mode.');
      return;
    }
    let r: number;
    switch (op) {
      case 'ADD':
        r = a + b;
        break;
      case 'SUB':
        r = a - b;
        break;
      case 'MUL':
        r = Math.imul(a, b);
        break;
      case 'DIV':
        if (b === 0) {
          o.fail('Division by zero.');
          return;
        }
        r = Math.trunc(a / b);
        break;
      default:
        if (b === 0) {
          o.fail('Modulo by zero.');
          return;
        }
        r = a % b;
    }
    vm.storeScalar(o, 0, pack(t1, r));
  };
}

function unary(op: string): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 1) {
      o.fail('Unary arithmetic operation requires exactly one operand.');
      return;
    }
    if (o.opIsVec[0] === 1) {
      o.fail('Unary arithmetic operations only support scalar values.');
      return;
    }
    const m = o.opScalar[0]!;
    const v = valueOf(m);
    let r: number;
    switch (op) {
      case 'NEG':
        r = -v;
        break;
      case 'ABS':
        r = Math.abs(v);
        break;
      case 'INC':
        r = v + 1;
        break;
      case 'DEC':
        r = v - 1;
        break;
      default:
        r = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
    vm.storeScalar(o, 0, pack(typeOf(m), r));
  };
}

function minMax(isMin: boolean, immediate: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail('MIN/MAX operations require two operands.');
      return;
    }
    if (o.opIsVec[0] === 1 || o.opIsVec[1] === 1) {
      o.fail('MIN/MAX operations only support scalar values.');
      return;
    }
    const m1 = o.opScalar[0]!;
    const m2 = o.opScalar[1]!;
    if (!immediate && typeOf(m1) !== typeOf(m2)) {
      o.fail('Operand types must match in strict mode.');
      return;
    }
    const a = valueOf(m1);
    const b = valueOf(m2);
    vm.storeScalar(o, 0, pack(typeOf(m1), isMin ? Math.min(a, b) : Math.max(a, b)));
  };
}

function product(name: string): Handler {
  const dot = name.startsWith('DOT');
  const stack = name.endsWith('S');
  return (vm: VirtualMachine, o: Organism) => {
    const dims = vm.dims;
    let ia: number;
    let ib: number;
    if (stack) {
      if (o.opN !== 2) {
        o.fail(`${name} expects two stack operands.`);
        return;
      }
      ia = 1; // second from top is the first vector
      ib = 0;
    } else {
      if (o.opN !== 3) {
        o.fail(`${name} expects 3 operands.`);
        return;
      }
      ia = 1;
      ib = 2;
    }
    if (o.opIsVec[ia] !== 1 || o.opIsVec[ib] !== 1) {
      o.fail(`${name} requires vector operands.`);
      return;
    }
    let r = 0;
    if (dot) {
      for (let d = 0; d < dims; d++) r = (r + Math.imul(o.opVec[ia * dims + d]!, o.opVec[ib * dims + d]!)) | 0;
    } else {
      if (dims < 2) {
        o.fail('CRS requires 2D vectors.');
        return;
      }
      r =
        (Math.imul(o.opVec[ia * dims]!, o.opVec[ib * dims + 1]!) -
          Math.imul(o.opVec[ia * dims + 1]!, o.opVec[ib * dims]!)) |
        0;
    }
    const result = pack(1, r);
    if (stack) {
      if (!o.pushScalar(result)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, result);
  };
}

export function registerArithmetic(t: Map<string, Handler>): void {
  for (const op of ['ADD', 'SUB', 'MUL', 'DIV', 'MOD']) {
    t.set(`${op}R`, binary(op, false, `${op}R`));
    t.set(`${op}I`, binary(op, true, `${op}I`));
    t.set(`${op}S`, binary(op, false, `${op}S`));
  }
  for (const op of ['NEG', 'ABS', 'INC', 'DEC', 'SGN']) {
    t.set(`${op}R`, unary(op));
    t.set(`${op}S`, unary(op));
  }
  t.set('MINR', minMax(true, false));
  t.set('MINI', minMax(true, true));
  t.set('MINS', minMax(true, false));
  t.set('MAXR', minMax(false, false));
  t.set('MAXI', minMax(false, true));
  t.set('MAXS', minMax(false, false));
  for (const n of ['DOTR', 'DOTS', 'CRSR', 'CRSS']) t.set(n, product(n));
}
