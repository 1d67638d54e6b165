import { CALL_STACK_MAX } from '../../organism.js';
import type { Organism } from '../../organism.js';
import type { Handler, VirtualMachine } from '../vm.js';

/** Label hash of operand 0 (immediate label, register or stack value); -1 if it is a vector. */
function labelOperand(o: Organism): number {
  if (o.opN < 1 || o.opIsVec[0] === 1) return -1;
  return o.opScalar[0]! & 0xfffff;
}

/** IP := label cell + DV (instant skip then passes the padding). */
function jumpTo(vm: VirtualMachine, o: Organism, labelIdx: number): void {
  const world = vm.world;
  world.coordsOf(labelIdx, o.ip);
  for (let d = 0; d < vm.dims; d++) o.ip[d] = o.ip[d]! + o.dv[d]!;
  world.normalize(o.ip);
  o.skipIpAdvance = true;
  o.ipOnLine = false;
}

function jump(name: string): Handler {
  // JMPI's label is an immediate of the instruction, so its target can live in the decode-cache entry.
  const cacheable = name === 'JMPI';
  return (vm: VirtualMachine, o: Organism) => {
    const hash = labelOperand(o);
    if (hash < 0) {
      o.fail(`${name}: label operand must be a scalar`);
      return;
    }
    const world = vm.world;
    const ent = cacheable ? o.decodeEntry : -1;
    if (ent >= 0) {
      // Cached: the label index has not changed since, so this label is still the only one with its
      // value; it still wins outright if it is still ours and unmarked (the matcher's own-exact fast path).
      const dc = o.decode;
      const t = dc[ent + 5]!;
      if (dc[ent + 6] === world.labels.version && world.owners[t] === o.id && world.cells[t]! >>> 28 === 0) {
        jumpTo(vm, o, t);
        return;
      }
    }
    const target = vm.labels.findTarget(hash, o.id, o.ipBefore, 0, o.random);
    if (target < 0) {
      o.fail(`${name}: No matching label found for hash ${hash}`);
      return;
    }
    if (ent >= 0) {
      const exact = world.labels.get(hash);
      if (
        exact !== undefined &&
        exact.length === 1 &&
        exact[0] === target &&
        world.owners[target] === o.id &&
        world.cells[target]! >>> 28 === 0
      ) {
        o.decode[ent + 5] = target;
        o.decode[ent + 6] = world.labels.version;
      }
    }
    jumpTo(vm, o, target);
  };
}

function call(vm: VirtualMachine, o: Organism): void {
  if (o.csLen >= CALL_STACK_MAX) {
    o.fail('Call stack overflow');
    return;
  }
  const hash = labelOperand(o);
  const target = hash < 0 ? -1 : vm.labels.findTarget(hash, o.id, o.ipBefore, 0, o.random);
  if (target < 0) {
    o.fail(`CALL: No matching label found for hash ${hash}`);
    return;
  }
  o.ensureCallStackCapacity();
  const dims = vm.dims;
  const f = o.csLen;
  o.csLabel[f] = hash;
  // Return address: CALL position + 2 cells along the DV (CALL has exactly one operand).
  const t = vm.tmpVec;
  for (let d = 0; d < dims; d++) t[d] = o.ipBefore[d]! + 2 * o.dvBefore[d]!;
  vm.world.normalize(t);
  o.csReturnIp.set(t, f * dims);
  o.csCallIp.set(o.ipBefore, f * dims);
  o.saveSlots(12, 24, o.csSaved[f]!);
  o.csLen++;
  o.frameWrites++;
  o.stateWrites++;
  vm.saveStatics(o);
  vm.loadStatics(o, hash);
  jumpTo(vm, o, target);
}

function ret(vm: VirtualMachine, o: Organism): void {
  if (o.csLen === 0) {
    o.fail('Call stack underflow (RET without CALL)');
    return;
  }
  vm.popFrame(o);
  o.skipIpAdvance = true;
}

export function registerControl(t: Map<string, Handler>): void {
  t.set('JMPI', jump('JMPI'));
  t.set('JMPR', jump('JMPR'));
  t.set('JMPS', jump('JMPS'));
  t.set('CALL', call);
  t.set('RET', ret);
}
