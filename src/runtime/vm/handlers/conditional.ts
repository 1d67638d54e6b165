import type { Organism } from '../../organism.js';
import { typeOf, valueOf, type Handler, type VirtualMachine } from '../vm.js';

type Cmp = 'IF' | 'IN' | 'LT' | 'GT' | 'LET' | 'GET';
const CMP_CODE: Record<Cmp, number> = { IF: 0, IN: 1, LT: 2, GT: 3, LET: 4, GET: 5 };

/** Value comparisons: type AND value must satisfy the relation; a type mismatch is false (even for IN). */
function compare(cmpName: Cmp): Handler {
  const cmp = CMP_CODE[cmpName];
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail('Invalid operand count for conditional operation.');
      return;
    }
    let cond: boolean;
    const v0 = o.opIsVec[0] === 1;
    const v1 = o.opIsVec[1] === 1;
    if (v0 && v1) {
      const dims = vm.dims;
      let eq = true;
      for (let d = 0; d < dims; d++) if (o.opVec[d] !== o.opVec[dims + d]) eq = false;
      // Vector comparisons test equality whatever the operator (reference behaviour); IN negates it.
      cond = cmp === 1 ? !eq : eq;
    } else if (v0 || v1) {
      o.fail('Mismatched operand types for comparison.');
      cond = false;
    } else {
      const m0 = o.opScalar[0]!;
      const m1 = o.opScalar[1]!;
      if (typeOf(m0) !== typeOf(m1)) cond = false;
      else {
        const a = valueOf(m0);
        const b = valueOf(m1);
        switch (cmp) {
          case 0:
            cond = a === b;
            break;
          case 1:
            cond = a !== b;
            break;
          case 2:
            cond = a < b;
            break;
          case 3:
            cond = a > b;
            break;
          case 4:
            cond = a <= b;
            break;
          default:
            cond = a >= b;
        }
      }
    }
    if (!cond) vm.skipNextInstruction(o);
  };
}

/** IFT/INT: compare molecule types only; a vector counts as type -1. */
function typeCompare(equal: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 2) {
      o.fail('Invalid operand count for conditional operation.');
      return;
    }
    const t0 = o.opIsVec[0] === 1 ? -1 : typeOf(o.opScalar[0]!);
    const t1 = o.opIsVec[1] === 1 ? -1 : typeOf(o.opScalar[1]!);
    if ((t0 === t1) !== equal) vm.skipNextInstruction(o);
  };
}

type CellTest = 'M' | 'P' | 'F' | 'V';

/** Cell tests at active DP + vector: mine / passable / foreign / vacant. */
function cellTest(test: CellTest, positive: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN !== 1 || o.opIsVec[0] !== 1) {
      o.fail('Cell test requires a vector operand.');
      return;
    }
    const idx = vm.dpTarget(o, 0);
    const owner = vm.world.owner(idx);
    let holds: boolean;
    switch (test) {
      case 'M':
        holds = owner === o.id;
        break;
      case 'P':
        holds = vm.world.molecule(idx) === 0 || owner === o.id;
        break;
      case 'F':
        holds = owner !== 0 && owner !== o.id;
        break;
      default:
        holds = owner === 0;
    }
    if (holds !== positive) vm.skipNextInstruction(o);
  };
}

function lastFailed(positive: boolean): Handler {
  return (vm: VirtualMachine, o: Organism) => {
    if (o.previousFailed !== positive) vm.skipNextInstruction(o);
  };
}

export function registerConditional(t: Map<string, Handler>): void {
  const pairs: [string, Cmp][] = [
    ['IF', 'IF'],
    ['IN', 'IN'],
    ['LT', 'LT'],
    ['GT', 'GT'],
    ['LET', 'LET'],
    ['GET', 'GET'],
  ];
  for (const [prefix, cmp] of pairs) for (const v of ['R', 'I', 'S']) t.set(prefix + v, compare(cmp));
  for (const v of ['R', 'I', 'S']) {
    t.set('IFT' + v, typeCompare(true));
    t.set('INT' + v, typeCompare(false));
  }
  const tests: [string, CellTest, boolean][] = [
    ['IFM', 'M', true],
    ['INM', 'M', false],
    ['IFP', 'P', true],
    ['INP', 'P', false],
    ['IFF', 'F', true],
    ['INF', 'F', false],
    ['IFV', 'V', true],
    ['INV', 'V', false],
  ];
  for (const [prefix, test, pos] of tests) for (const v of ['R', 'I', 'S']) t.set(prefix + v, cellTest(test, pos));
  t.set('IFER', lastFailed(true));
  t.set('INER', lastFailed(false));
}
