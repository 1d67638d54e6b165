/** Converts a runtime Organism into the OrganismState contract (plain numbers, no references kept). */
import type { Organism } from '../../runtime/index.js';
import type { OrganismStateProps } from '../contracts/index.js';

type RegisterValueProps = { scalar?: number; vector?: { components: number[] } };

function vec(src: ArrayLike<number>, off: number, dims: number): { components: number[] } {
  const components = new Array<number>(dims);
  for (let d = 0; d < dims; d++) components[d] = src[off + d]!;
  return { components };
}

function slot(
  isVec: ArrayLike<number>,
  scalar: ArrayLike<number>,
  vecs: ArrayLike<number>,
  i: number,
  dims: number,
): RegisterValueProps {
  return isVec[i] ? { vector: vec(vecs, i * dims, dims) } : { scalar: scalar[i]! };
}

export function organismState(o: Organism): OrganismStateProps {
  const dims = o.dims;
  const registers: RegisterValueProps[] = new Array(o.regIsVec.length);
  for (let i = 0; i < o.regIsVec.length; i++) registers[i] = slot(o.regIsVec, o.regScalar, o.regVec, i, dims);
  const dataStack: RegisterValueProps[] = new Array(o.dsLen);
  for (let i = 0; i < o.dsLen; i++) dataStack[i] = slot(o.dsIsVec, o.dsScalar, o.dsVec, i, dims);
  const locationStack = new Array(o.lsLen);
  for (let i = 0; i < o.lsLen; i++) locationStack[i] = vec(o.ls, i * dims, dims);
  const callStack = new Array(o.csLen);
  for (let i = 0; i < o.csLen; i++) {
    const saved = o.csSaved[i]!;
    const savedRegisters: RegisterValueProps[] = new Array(saved.isVec.length);
    for (let k = 0; k < saved.isVec.length; k++)
      savedRegisters[k] = slot(saved.isVec, saved.scalar, saved.vec, k, dims);
    callStack[i] = {
      labelHash: o.csLabel[i]!,
      returnIp: vec(o.csReturnIp, i * dims, dims),
      callIp: vec(o.csCallIp, i * dims, dims),
      savedRegisters,
    };
  }
  const dataPointers = [];
  for (let p = 0; p * dims < o.dps.length; p++) dataPointers.push(vec(o.dps, p * dims, dims));
  return {
    organismId: o.id,
    parentId: o.parentId ?? -1,
    birthTick: o.birthTick,
    programId: o.programId,
    energy: o.er,
    ip: vec(o.ip, 0, dims),
    dv: vec(o.dv, 0, dims),
    dataPointers,
    activeDpIndex: o.activeDp,
    registers,
    dataStack,
    locationStack,
    callStack,
    isDead: o.dead,
    deathTick: o.deathTick,
    instructionFailed: o.failed,
    failureReason: o.failureReason ?? '',
    entropyRegister: o.sr,
    moleculeMarkerRegister: o.mr,
    genomeHash: o.genomeHash,
    initialPosition: vec(o.initialPosition, 0, dims),
    lastOpcodeId: o.lastOpcode,
    lastMolecule: o.lastMolecule,
    lastEnergyDelta: o.lastEnergyDelta,
    lastEntropyDelta: o.lastEntropyDelta,
    currentProcLabelHash: o.currentProc,
    deathCause: o.deathCause ?? '',
  };
}
