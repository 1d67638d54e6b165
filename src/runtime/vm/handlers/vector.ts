import type { Organism } from '../../organism.js';
import { pack, valueOf, type Handler, type VirtualMachine } from '../vm.js';

const DATA = 1;

function pushOrWriteVec(vm: VirtualMachine, o: Organism, stack: boolean, v: Int32Array): void {
  if (stack) {
    if (!o.pushVector(v, 0)) o.fail('Stack overflow');
  } else vm.writeVector(o, o.opReg[0]!, v, 0);
}

function pushOrWrite(vm: VirtualMachine, o: Organism, stack: boolean, m: number): void {
  if (stack) {
    if (!o.pushScalar(m)) o.fail('Stack overflow');
  } else vm.writeScalar(o, o.opReg[0]!, m);
}

/** VGTR/VGTI (dest, vector, index) and VGTS (index on top, vector below). */
function vgt(stack: boolean): Handler {
  const vi = stack ? 1 : 1;
  const ii = stack ? 0 : 2;
  return (vm, o) => {
    if (o.opN !== (stack ? 2 : 3) || o.opIsVec[vi] !== 1 || o.opIsVec[ii] === 1) {
      o.fail('VGT requires a vector and a scalar index.');
      return;
    }
    const i = valueOf(o.opScalar[ii]!);
    if (i < 0 || i >= vm.dims) {
      o.fail(`Vector index out of bounds: ${i}`);
      return;
    }
    pushOrWrite(vm, o, stack, pack(DATA, o.opVec[vi * vm.dims + i]!));
  };
}

/** VSTR/VSTI (vector register, index, value) and VSTS (value on top, index, vector). */
function vst(stack: boolean): Handler {
  const vi = stack ? 2 : 0;
  const ii = 1;
  const xi = stack ? 0 : 2;
  return (vm, o) => {
    if (o.opN !== 3 || o.opIsVec[vi] !== 1 || o.opIsVec[ii] === 1 || o.opIsVec[xi] === 1) {
      o.fail('VST requires a vector, a scalar index and a scalar value.');
      return;
    }
    const i = valueOf(o.opScalar[ii]!);
    if (i < 0 || i >= vm.dims) {
      o.fail(`Vector index out of bounds: ${i}`);
      return;
    }
    const t = vm.tmpVec;
    t.set(o.opVec.subarray(vi * vm.dims, vi * vm.dims + vm.dims));
    t[i] = valueOf(o.opScalar[xi]!);
    pushOrWriteVec(vm, o, stack, t);
  };
}

/** VBLD/VBLS: build a vector from `dims` scalars on the data stack (component 0 = top). */
function vbl(stack: boolean): Handler {
  const name = stack ? 'VBLS' : 'VBLD';
  return (vm, o) => {
    const dims = vm.dims;
    const t = vm.tmpVec;
    // Components are popped one by one (component 0 = top); a missing or vector entry fails, and what
    // was popped before the failure stays popped (reference behaviour).
    for (let d = 0; d < dims; d++) {
      if (o.dsLen === 0 || o.dsIsVec[o.dsLen - 1] === 1) {
        if (o.dsLen > 0) o.dsLen--;
        o.fail(`${name} requires scalar components on the stack.`);
        return;
      }
      o.dsLen--;
      t[d] = valueOf(o.dsScalar[o.dsLen]!);
    }
    pushOrWriteVec(vm, o, stack, t);
  };
}

/** B2V*: single-bit direction mask → unit vector (bit 2d = +d, 2d+1 = -d). */
function b2v(stack: boolean): Handler {
  const mi = stack ? 0 : 1;
  return (vm, o) => {
    if (o.opN <= mi || o.opIsVec[mi] === 1) {
      o.fail('B2V requires a single-bit direction mask.');
      return;
    }
    const v = valueOf(o.opScalar[mi]!);
    if (v <= 0 || (v & (v - 1)) !== 0 || 31 - Math.clz32(v) >= 2 * vm.dims) {
      o.fail('B2V requires a single-bit direction mask.');
      return;
    }
    const bit = 31 - Math.clz32(v);
    const t = vm.tmpVec;
    t.fill(0);
    t[bit >> 1] = bit & 1 ? -1 : 1;
    pushOrWriteVec(vm, o, stack, t);
  };
}

/** V2B*: unit vector → single-bit mask. */
function v2b(stack: boolean): Handler {
  const vi = stack ? 0 : 1;
  return (vm, o) => {
    const msg = 'V2B requires a unit vector with single non-zero component of magnitude 1.';
    if (o.opN <= vi || o.opIsVec[vi] !== 1) {
      o.fail(msg);
      return;
    }
    let bit = -1;
    let nonZero = 0;
    for (let d = 0; d < vm.dims; d++) {
      const c = o.opVec[vi * vm.dims + d]!;
      if (c !== 0) {
        nonZero++;
        if (c === 1) bit = 2 * d;
        else if (c === -1) bit = 2 * d + 1;
        else bit = -2;
      }
    }
    if (nonZero !== 1 || bit < 0) {
      o.fail(msg);
      return;
    }
    pushOrWrite(vm, o, stack, pack(DATA, 1 << bit));
  };
}

/** RTRR/RTRI (vector register, axis i, axis j) and RTRS (j on top, i, vector): 90° rotation in plane (i, j). */
function rtr(stack: boolean): Handler {
  const vi = stack ? 2 : 0;
  const ii = stack ? 1 : 1;
  const ji = stack ? 0 : 2;
  return (vm, o) => {
    if (o.opN !== 3 || o.opIsVec[vi] !== 1 || o.opIsVec[ii] === 1 || o.opIsVec[ji] === 1) {
      o.fail('RTR requires a vector and two scalar axes.');
      return;
    }
    const i = valueOf(o.opScalar[ii]!);
    const j = valueOf(o.opScalar[ji]!);
    if (i < 0 || j < 0 || i >= vm.dims || j >= vm.dims) {
      o.fail('Axis index out of bounds.');
      return;
    }
    if (i === j) {
      o.fail('Axes must be distinct.');
      return;
    }
    const t = vm.tmpVec;
    t.set(o.opVec.subarray(vi * vm.dims, vi * vm.dims + vm.dims));
    const a = t[i]!;
    t[i] = t[j]!;
    t[j] = -a;
    pushOrWriteVec(vm, o, stack, t);
  };
}

export function registerVector(t: Map<string, Handler>): void {
  t.set('VGTR', vgt(false));
  t.set('VGTI', vgt(false));
  t.set('VGTS', vgt(true));
  t.set('VSTR', vst(false));
  t.set('VSTI', vst(false));
  t.set('VSTS', vst(true));
  t.set('VBLD', vbl(false));
  t.set('VBLS', vbl(true));
  t.set('B2VR', b2v(false));
  t.set('B2VI', b2v(false));
  t.set('B2VS', b2v(true));
  t.set('V2BR', v2b(false));
  t.set('V2BI', v2b(false));
  t.set('V2BS', v2b(true));
  t.set('RTRR', rtr(false));
  t.set('RTRI', rtr(false));
  t.set('RTRS', rtr(true));
}
