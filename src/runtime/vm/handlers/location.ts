import { LOCATION_STACK_MAX } from '../../organism.js';
import type { Organism } from '../../organism.js';
import type { Handler } from '../vm.js';

function lsPush(o: Organism, src: ArrayLike<number>, off: number): boolean {
  if (o.lsLen >= LOCATION_STACK_MAX) {
    o.fail('Location stack overflow');
    return false;
  }
  const dims = o.dims;
  for (let d = 0; d < dims; d++) o.ls[o.lsLen * dims + d] = src[off + d]!;
  o.lsLen++;
  return true;
}

const dpls: Handler = (_vm, o) => void lsPush(o, o.dps, o.activeDpOffset);

const dplr: Handler = (vm, o) => void vm.writeLocation(o, o.opReg[0]!, o.dps, o.activeDpOffset);

const skls: Handler = (vm, o) => {
  if (o.lsLen === 0) {
    o.fail('SKLS on empty LS');
    return;
  }
  o.lsLen--;
  o.dps.set(o.ls.subarray(o.lsLen * vm.dims, o.lsLen * vm.dims + vm.dims), o.activeDpOffset);
  o.stateWrites++;
};

const sklr: Handler = (vm, o) => {
  const slot = vm.locationSlot(o, o.opReg[0]!);
  if (slot < 0) return;
  o.dps.set(o.regVec.subarray(slot * vm.dims, slot * vm.dims + vm.dims), o.activeDpOffset);
  o.stateWrites++;
};

const lrds: Handler = (vm, o) => {
  const slot = vm.locationSlot(o, o.opReg[0]!);
  if (slot < 0) return;
  if (!o.pushVector(o.regVec, slot * vm.dims)) o.fail('Stack overflow');
};

const lrdr: Handler = (vm, o) => {
  const slot = vm.locationSlot(o, o.opReg[1]!);
  if (slot < 0) return;
  vm.tmpVec.set(o.regVec.subarray(slot * vm.dims, slot * vm.dims + vm.dims));
  vm.writeVector(o, o.opReg[0]!, vm.tmpVec, 0);
};

const lsds: Handler = (vm, o) => {
  if (o.lsLen === 0) {
    o.fail('LSDS on empty LS');
    return;
  }
  o.lsLen--;
  if (!o.pushVector(o.ls, o.lsLen * vm.dims)) o.fail('Stack overflow');
};

const lsdr: Handler = (vm, o) => {
  if (o.lsLen === 0) {
    o.fail('LSDR on empty LS');
    return;
  }
  vm.writeVector(o, o.opReg[0]!, o.ls, (o.lsLen - 1) * vm.dims);
};

const pusl: Handler = (vm, o) => {
  const slot = vm.locationSlot(o, o.opReg[0]!);
  if (slot < 0) return;
  lsPush(o, o.regVec, slot * vm.dims);
};

const popl: Handler = (vm, o) => {
  const slot = vm.locationSlot(o, o.opReg[0]!);
  if (slot < 0) return;
  if (o.lsLen === 0) {
    o.fail('POPL on empty LS');
    return;
  }
  o.lsLen--;
  vm.writeLocation(o, o.opReg[0]!, o.ls, o.lsLen * vm.dims);
};

function swapLs(o: Organism, a: number, b: number): void {
  const dims = o.dims;
  for (let d = 0; d < dims; d++) {
    const t = o.ls[a * dims + d]!;
    o.ls[a * dims + d] = o.ls[b * dims + d]!;
    o.ls[b * dims + d] = t;
  }
}

const dupl: Handler = (_vm, o) => {
  if (o.lsLen === 0) {
    o.fail('DUPL on empty LS');
    return;
  }
  lsPush(o, o.ls, (o.lsLen - 1) * o.dims);
};

const swpl: Handler = (_vm, o) => {
  if (o.lsLen < 2) {
    o.fail('SWPL requires two LS entries');
    return;
  }
  swapLs(o, o.lsLen - 1, o.lsLen - 2);
};

const drpl: Handler = (_vm, o) => {
  if (o.lsLen === 0) {
    o.fail('DRPL on empty LS');
    return;
  }
  o.lsLen--;
};

/** ROTL: swaps the 2nd and 3rd entries (top-first [a,b,c] → [a,c,b]). */
const rotl: Handler = (_vm, o) => {
  if (o.lsLen < 3) {
    o.fail('ROTL requires three LS entries');
    return;
  }
  swapLs(o, o.lsLen - 2, o.lsLen - 3);
};

const crlr: Handler = (vm, o) => {
  vm.tmpVec.fill(0);
  vm.writeLocation(o, o.opReg[0]!, vm.tmpVec, 0);
};

const lrlr: Handler = (vm, o) => {
  const src = vm.locationSlot(o, o.opReg[1]!);
  if (src < 0) return;
  vm.tmpVec.set(o.regVec.subarray(src * vm.dims, src * vm.dims + vm.dims));
  vm.writeLocation(o, o.opReg[0]!, vm.tmpVec, 0);
};

/**
 * Label-based DP moves: the label nearest the active DP; the label cell must be own or unowned.
 * `mode`: 0 = SKJ (DP := position), 1 = PSLI (push on LS), 2 = LRLI (into a location register).
 */
function labelPosition(name: string, mode: 0 | 1 | 2): Handler {
  const li = mode === 2 ? 1 : 0;
  return (vm, o) => {
    if (o.opN <= li || o.opIsVec[li] === 1) {
      o.fail(`${name}: label operand must be a scalar`);
      return;
    }
    const hash = o.opScalar[li]! & 0xfffff;
    const target = vm.labels.findTarget(hash, o.id, o.dps, o.activeDpOffset, o.random);
    if (target < 0) {
      o.fail(`${name}: No matching label found for hash ${hash}`);
      return;
    }
    const owner = vm.world.owners[target]!;
    if (owner !== 0 && owner !== o.id) {
      o.fail(
        mode === 0
          ? 'SKJ: Target cell is owned by another organism.'
          : `${name}: Target cell is owned by another organism.`,
      );
      return;
    }
    const t = vm.tmpVec;
    vm.world.coordsOf(target, t);
    if (mode === 0) {
      o.dps.set(t, o.activeDpOffset);
      o.stateWrites++;
    } else if (mode === 1) lsPush(o, t, 0);
    else vm.writeLocation(o, o.opReg[0]!, t, 0);
  };
}

export function registerLocation(t: Map<string, Handler>): void {
  t.set('DPLS', dpls);
  t.set('DPLR', dplr);
  t.set('SKLS', skls);
  t.set('SKLR', sklr);
  t.set('LRDS', lrds);
  t.set('LRDR', lrdr);
  t.set('LSDS', lsds);
  t.set('LSDR', lsdr);
  t.set('PUSL', pusl);
  t.set('POPL', popl);
  t.set('DUPL', dupl);
  t.set('SWPL', swpl);
  t.set('DRPL', drpl);
  t.set('ROTL', rotl);
  t.set('CRLR', crlr);
  t.set('LRLR', lrlr);
  t.set('SKJR', labelPosition('SKJR', 0));
  t.set('SKJS', labelPosition('SKJS', 0));
  t.set('SKJI', labelPosition('SKJI', 0));
  t.set('PSLI', labelPosition('PSLI', 1));
  t.set('LRLI', labelPosition('LRLI', 2));
}
