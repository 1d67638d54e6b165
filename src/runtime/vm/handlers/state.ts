import type { Organism } from '../../organism.js';
import { pack, typeOf, valueOf, type Handler, type VirtualMachine } from '../vm.js';

const DATA = 1;

/** SCAN/SCNI (dest, vector) and SCNS (vector on stack): read the molecule at DP + vector. */
function scan(stack: boolean): Handler {
  const vi = stack ? 0 : 1;
  return (vm: VirtualMachine, o: Organism) => {
    if (o.opN <= vi || o.opIsVec[vi] !== 1) {
      o.fail('SCAN requires a vector operand.');
      return;
    }
    if (!vm.isUnit(o, vi)) return;
    const mol = vm.world.molecule(vm.dpTarget(o, vi));
    if (stack) {
      if (!o.pushScalar(mol)) o.fail('Stack overflow');
    } else vm.writeScalar(o, o.opReg[0]!, mol);
  };
}

/** SEEK/SEKI/SEKS: move the active DP one step if the target is empty or own. */
function seek(vm: VirtualMachine, o: Organism): void {
  if (o.opN < 1 || o.opIsVec[0] !== 1) {
    o.fail('SEEK requires a vector operand.');
    return;
  }
  if (!vm.isUnit(o, 0)) return;
  if (vm.quirks === 'reference' && vm.dims !== 2) {
    // Quirk Q4: the reference reads the target owner with two coordinates and throws outside 2-D.
    o.fail(
      'VM Runtime Error: java.lang.IllegalArgumentException: Coordinate dimensions do not match world dimensions.',
    );
    return;
  }
  const idx = vm.dpTarget(o, 0);
  if (idx < 0) {
    o.fail('SEEK: Target cell is outside the world.');
    return;
  }
  if (vm.world.molecule(idx) !== 0 && vm.world.owner(idx) !== o.id) {
    o.fail('SEEK: Target cell is owned by another organism.');
    return;
  }
  const off = o.activeDpOffset;
  for (let d = 0; d < vm.dims; d++) o.dps[off + d] = o.dps[off + d]! + o.opVec[d]!;
  vm.world.normalize(o.dps, off);
  o.stateWrites++;
}

function turn(vm: VirtualMachine, o: Organism): void {
  if (o.opN < 1 || o.opIsVec[0] !== 1) {
    o.fail('TURN requires a vector operand.');
    return;
  }
  if (!vm.isUnit(o, 0)) return;
  for (let d = 0; d < vm.dims; d++) o.dv[d] = o.opVec[d]!;
  o.dvDirty = true;
  o.stateWrites++;
}

function sync(_vm: VirtualMachine, o: Organism): void {
  o.dps.set(o.ipBefore, o.activeDpOffset);
  o.stateWrites++;
}

/** Stores a scalar result into the register operand, or pushes it for the stack form. */
function out(vm: VirtualMachine, o: Organism, stack: boolean, m: number): void {
  if (stack) {
    if (!o.pushScalar(m)) o.fail('Stack overflow');
  } else vm.writeScalar(o, o.opReg[0]!, m);
}

function outVec(vm: VirtualMachine, o: Organism, stack: boolean, v: Int32Array): void {
  if (stack) {
    if (!o.pushVector(v, 0)) o.fail('Stack overflow');
  } else vm.writeVector(o, o.opReg[0]!, v, 0);
}

const nrg =
  (stack: boolean): Handler =>
  (vm, o) =>
    out(vm, o, stack, pack(DATA, o.er));
const ntr =
  (stack: boolean): Handler =>
  (vm, o) =>
    out(vm, o, stack, pack(DATA, o.sr));
const gmr =
  (stack: boolean): Handler =>
  (vm, o) =>
    out(vm, o, stack, pack(DATA, o.mr));

const diff =
  (stack: boolean): Handler =>
  (vm, o) => {
    const t = vm.tmpVec;
    const off = o.activeDpOffset;
    for (let d = 0; d < vm.dims; d++) t[d] = o.dps[off + d]! - o.ipBefore[d]!;
    outVec(vm, o, stack, t);
  };

const pos =
  (stack: boolean): Handler =>
  (vm, o) => {
    const t = vm.tmpVec;
    for (let d = 0; d < vm.dims; d++) t[d] = o.ipBefore[d]! - o.initialPosition[d]!;
    outVec(vm, o, stack, t);
  };

const gdv =
  (stack: boolean): Handler =>
  (vm, o) => {
    vm.tmpVec.set(o.dv);
    outVec(vm, o, stack, vm.tmpVec);
  };

function rand(stack: boolean): Handler {
  return (vm, o) => {
    if (o.opN < 1 || o.opIsVec[0] === 1) {
      o.fail('RAND requires a scalar operand.');
      return;
    }
    const m = o.opScalar[0]!;
    const n = valueOf(m);
    if (n <= 0) {
      o.fail('RAND upper bound must be > 0.');
      return;
    }
    out(vm, o, stack, pack(typeOf(m), o.random.nextInt(n)));
  };
}

/** FORK (delta, energy, dv), FRKI (same), FRKS (dv on top, energy, delta). */
function fork(stack: boolean): Handler {
  const di = stack ? 2 : 0;
  const vi = stack ? 0 : 2;
  return (vm, o) => {
    if (o.opN !== 3) {
      o.fail('FORK requires three operands.');
      return;
    }
    if (o.opIsVec[di] !== 1 || o.opIsVec[vi] !== 1 || o.opIsVec[1] === 1) {
      o.fail('FORK requires delta and direction vectors and a scalar energy.');
      return;
    }
    const dims = vm.dims;
    if (!vm.isUnit(o, di)) return;
    const energy = valueOf(o.opScalar[1]!);
    if (energy <= 0 || energy > o.er) {
      o.fail(`FORK: invalid child energy ${energy}`);
      return;
    }
    const childIp = new Int32Array(dims);
    const off = o.activeDpOffset;
    for (let d = 0; d < dims; d++) childIp[d] = o.dps[off + d]! + o.opVec[di * dims + d]!;
    vm.world.normalize(childIp);
    const childDv = o.opVec.slice(vi * dims, vi * dims + dims);
    o.er -= energy;
    const child = vm.host.spawnChild(o, childIp, energy, childDv);
    const world = vm.world;
    const marker = o.mr & 0xf;
    for (const idx of world.ownedCellsSorted(o.id)) {
      const mol = world.cells[idx]!;
      if (mol >>> 28 === marker) world.setCell(idx, mol & 0x0fffffff, child.id);
    }
  };
}

function adp(_vm: VirtualMachine, o: Organism): void {
  if (o.opN < 1 || o.opIsVec[0] === 1) {
    o.fail('ADP requires a scalar operand.');
    return;
  }
  const i = valueOf(o.opScalar[0]!);
  if (i < 0 || i >= 2) {
    o.fail(`Active DP index out of bounds: ${i}`);
    return;
  }
  o.activeDp = i;
  o.stateWrites++;
}

/**
 * Axis-neighbour mask of the active DP: bit 2d = +d, bit 2d+1 = -d. `type` < 0 tests passability (empty
 * or own); otherwise the neighbour's molecule type must equal `type`.
 */
function neighbourMask(vm: VirtualMachine, o: Organism, type: number): number {
  const world = vm.world;
  const off = o.activeDpOffset;
  const dims = vm.dims;
  let mask = 0;
  for (let d = 0; d < dims; d++) {
    const n = world.shape[d]!;
    const stride = world.strides[d]!;
    // flat index of the DP without axis d, plus the DP's coordinate on d
    let base = 0;
    let inside = true;
    for (let e = 0; e < dims; e++) {
      if (e === d) continue;
      const c = o.dps[off + e]!;
      if (c < 0 || c >= world.shape[e]!) inside = false;
      base += c * world.strides[e]!;
    }
    const c = o.dps[off + d]!;
    for (let s = 0; s < 2; s++) {
      let p = s === 0 ? c + 1 : c - 1;
      if (p < 0 || p >= n) {
        if (!world.toroidal) continue;
        p = ((p % n) + n) % n;
      }
      if (!inside) continue;
      const idx = base + p * stride;
      const m = world.cells[idx]!;
      const hit = type < 0 ? m === 0 || world.owners[idx] === o.id : ((m >>> 20) & 0xff) === type;
      if (hit) mask |= 1 << (2 * d + s);
    }
  }
  return mask;
}

const spn =
  (stack: boolean): Handler =>
  (vm, o) =>
    out(vm, o, stack, pack(DATA, neighbourMask(vm, o, -1)));

function snt(stack: boolean): Handler {
  const ti = stack ? 0 : 1;
  return (vm, o) => {
    if (o.opN <= ti || o.opIsVec[ti] === 1) {
      o.fail('SNT requires a scalar type operand.');
      return;
    }
    out(vm, o, stack, pack(DATA, neighbourMask(vm, o, typeOf(o.opScalar[ti]!))));
  };
}

function rbi(stack: boolean): Handler {
  const mi = stack ? 0 : 1;
  return (vm, o) => {
    if (o.opN <= mi || o.opIsVec[mi] === 1) {
      o.fail('RBI requires a scalar operand.');
      return;
    }
    const m = o.opScalar[mi]!;
    const v = valueOf(m) & 0xfffff;
    let count = 0;
    for (let b = 0; b < 20; b++) if ((v >>> b) & 1) count++;
    if (count === 0) {
      out(vm, o, stack, pack(typeOf(m), 0));
      return;
    }
    let k = o.random.nextInt(count);
    let bit = 0;
    for (let b = 0; b < 20; b++) {
      if ((v >>> b) & 1) {
        if (k === 0) {
          bit = 1 << b;
          break;
        }
        k--;
      }
    }
    out(vm, o, stack, pack(typeOf(m), bit));
  };
}

function smr(name: string): Handler {
  return (_vm, o) => {
    if (o.opN < 1 || o.opIsVec[0] === 1) {
      o.fail(`${name} requires a scalar operand.`);
      return;
    }
    const m = o.opScalar[0]!;
    if (typeOf(m) !== DATA) {
      o.fail(`${name} requires DATA type operand.`);
      return;
    }
    o.mr = valueOf(m) & 0xf;
    o.stateWrites++;
  };
}

function cmr(name: string): Handler {
  return (vm, o) => {
    if (o.opN < 1 || o.opIsVec[0] === 1) {
      o.fail(`${name} requires a scalar operand.`);
      return;
    }
    const marker = valueOf(o.opScalar[0]!) & 0xf;
    const world = vm.world;
    for (const idx of world.ownedCellsSorted(o.id)) {
      if (world.cells[idx]! >>> 28 === marker) world.setCell(idx, 0, 0);
    }
  };
}

export function registerState(t: Map<string, Handler>): void {
  t.set('SCAN', scan(false));
  t.set('SCNI', scan(false));
  t.set('SCNS', scan(true));
  t.set('SEEK', seek);
  t.set('SEKI', seek);
  t.set('SEKS', seek);
  t.set('TURN', turn);
  t.set('TRNI', turn);
  t.set('TRNS', turn);
  t.set('SYNC', sync);
  t.set('NRG', nrg(false));
  t.set('NRGS', nrg(true));
  t.set('NTR', ntr(false));
  t.set('NTRS', ntr(true));
  t.set('DIFF', diff(false));
  t.set('DIFS', diff(true));
  t.set('POS', pos(false));
  t.set('POSS', pos(true));
  t.set('RAND', rand(false));
  t.set('RNDS', rand(true));
  t.set('FORK', fork(false));
  t.set('FRKI', fork(false));
  t.set('FRKS', fork(true));
  t.set('ADPR', adp);
  t.set('ADPI', adp);
  t.set('ADPS', adp);
  t.set('SPNR', spn(false));
  t.set('SPNS', spn(true));
  t.set('SNTR', snt(false));
  t.set('SNTI', snt(false));
  t.set('SNTS', snt(true));
  t.set('RBIR', rbi(false));
  t.set('RBII', rbi(false));
  t.set('RBIS', rbi(true));
  t.set('GDVR', gdv(false));
  t.set('GDVS', gdv(true));
  t.set('SMR', smr('SMR'));
  t.set('SMRI', smr('SMRI'));
  t.set('SMRS', smr('SMRS'));
  t.set('GMR', gmr(false));
  t.set('GMRS', gmr(true));
  t.set('CMR', cmr('CMR'));
  t.set('CMRI', cmr('CMRI'));
  t.set('CMRS', cmr('CMRS'));
}
