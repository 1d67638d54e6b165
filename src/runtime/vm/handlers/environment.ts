import type { Organism } from '../../organism.js';
import type { Handler, VirtualMachine } from '../vm.js';

/**
 * World writers (wave 2). The direction vector is not required to be a unit vector: a longer vector is
 * flagged as a failure, yet the distant cell is still read/written (reference behaviour, see docs).
 */

/** PEEK/PEKI (dest register, vector) and PEKS (vector on top; result pushed): take the molecule. */
function peek(stack: boolean): Handler {
  const vi = stack ? 0 : 1;
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN <= vi || o.opIsVec[vi] !== 1) {
      o.fail('PEEK requires a vector operand.');
      return;
    }
    vm.isUnit(o, vi);
    const idx = vm.dpTarget(o, vi);
    const mol = vm.world.molecule(idx);
    if (mol === 0) {
      o.fail('PEEK: Target cell is empty.');
      return;
    }
    if (stack) {
      if (!o.pushScalar(mol)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, mol);
    vm.world.setCell(idx, 0, 0);
  };
}

/** The molecule a POKE writes: type and value of the operand, marker := MR. */
function stamped(o: Organism, m: number): number {
  if (m === 0) return 0;
  return (m & 0x0fffffff) | ((o.mr & 0xf) << 28);
}

/** POKE/POKI (value register, vector) and POKS (vector on top, value below): write into an empty cell. */
function poke(stack: boolean): Handler {
  const vi = stack ? 0 : 1;
  const mi = stack ? 1 : 0;
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN < 2 || o.opIsVec[vi] !== 1) {
      o.fail('POKE requires a vector operand.');
      return;
    }
    if (o.opIsVec[mi] === 1) {
      o.fail('POKE: Cannot write a vector to the world.');
      return;
    }
    vm.isUnit(o, vi);
    const idx = vm.dpTarget(o, vi);
    if (vm.world.molecule(idx) !== 0) {
      o.fail('POKE: Target cell is not empty.');
      return;
    }
    const m = o.opScalar[mi]!;
    if (m !== 0) vm.world.setCell(idx, stamped(o, m), o.id);
  };
}

/** PPKR/PPKI (register, vector) and PPKS: swap the register's molecule with the cell's. */
function ppk(stack: boolean): Handler {
  const vi = stack ? 0 : 1;
  const mi = stack ? 1 : 0;
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN < 2 || o.opIsVec[vi] !== 1) {
      o.fail('PPK requires a vector operand.');
      return;
    }
    if (o.opIsVec[mi] === 1) {
      o.fail('PPK: Cannot write a vector to the world.');
      return;
    }
    vm.isUnit(o, vi);
    const idx = vm.dpTarget(o, vi);
    const old = vm.world.molecule(idx);
    if (stack) {
      if (!o.pushScalar(old)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, old);
    const m = o.opScalar[mi]!;
    vm.world.setCell(idx, stamped(o, m), m === 0 ? 0 : o.id);
  };
}

export function registerEnvironment(t: Map<string, Handler>): void {
  t.set('PEEK', peek(false));
  t.set('PEKI', peek(false));
  t.set('PEKS', peek(true));
  t.set('POKE', poke(false));
  t.set('POKI', poke(false));
  t.set('POKS', poke(true));
  t.set('PPKR', ppk(false));
  t.set('PPKI', ppk(false));
  t.set('PPKS', ppk(true));
}
