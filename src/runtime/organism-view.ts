import type { Organism } from './organism.js';
import { traceOrganism, type TraceOrganism } from './trace/trace-recorder.js';

/** A plain-object view of an organism for readers (API, recording pipeline, debugger). */
export interface OrganismView extends TraceOrganism {
  parentId: number | null;
  birthTick: number;
  deathTick: number;
  programId: string;
  genomeHash: string;
  initialPosition: number[];
  plr: (number | number[])[];
  flr: (number | number[])[];
  slr: (number | number[])[];
  /** Call frames, innermost last: label hash, absolute return IP, absolute CALL IP. */
  callStack: { label: number; returnIp: number[]; callIp: number[] }[];
  /** Full data stack (bottom first) and location stack (bottom first). */
  dataStack: (number | number[])[];
  locationStack: number[][];
  lastEnergyDelta: number;
  lastEntropyDelta: number;
}

function slots(o: Organism, start: number, count: number): (number | number[])[] {
  const out: (number | number[])[] = [];
  for (let s = start; s < start + count; s++) {
    out.push(o.regIsVec[s] === 1 ? Array.from(o.regVec.subarray(s * o.dims, (s + 1) * o.dims)) : o.regScalar[s]!);
  }
  return out;
}

/** Builds the view (allocates; meant for sampled ticks, not for every instruction). */
export function organismView(o: Organism): OrganismView {
  const dims = o.dims;
  const base = traceOrganism(o, o.lastName !== null);
  const callStack: OrganismView['callStack'] = [];
  for (let f = 0; f < o.csLen; f++) {
    callStack.push({
      label: o.csLabel[f]!,
      returnIp: Array.from(o.csReturnIp.subarray(f * dims, f * dims + dims)),
      callIp: Array.from(o.csCallIp.subarray(f * dims, f * dims + dims)),
    });
  }
  const dataStack: (number | number[])[] = [];
  for (let i = 0; i < o.dsLen; i++)
    dataStack.push(o.dsIsVec[i] === 1 ? Array.from(o.dsVec.subarray(i * dims, i * dims + dims)) : o.dsScalar[i]!);
  const locationStack: number[][] = [];
  for (let i = 0; i < o.lsLen; i++) locationStack.push(Array.from(o.ls.subarray(i * dims, i * dims + dims)));
  return {
    ...base,
    parentId: o.parentId,
    birthTick: o.birthTick,
    deathTick: o.deathTick,
    programId: o.programId,
    genomeHash: o.genomeHash,
    initialPosition: Array.from(o.initialPosition),
    plr: slots(o, 20, 4),
    flr: slots(o, 32, 4),
    slr: slots(o, 44, 4),
    callStack,
    dataStack,
    locationStack,
    lastEnergyDelta: o.lastEnergyDelta,
    lastEntropyDelta: o.lastEntropyDelta,
  };
}
