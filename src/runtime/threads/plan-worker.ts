/**
 * A plan worker (runtime/threads): for each job, claims chunks of the block list and plans their organisms through
 * views of the simulation's shared world and organism memory, flagging each chunk; then reports the job done.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { LabelMatcher } from '../labels/label-matcher.js';
import { Organism, organismBlockBytes } from '../organism.js';
import { PolicyTable } from '../thermodynamics/policy-table.js';
import { buildHandlerTable } from '../vm/handlers/index.js';
import { VirtualMachine, type VmHost } from '../vm/vm.js';
import { World } from '../world.js';
import {
  CONTROL_CHUNK,
  CONTROL_CODE_EPOCH,
  CONTROL_CODE_GENERATION,
  CONTROL_COUNT,
  CONTROL_JOB,
  CONTROL_NEXT,
  STOP,
  WORKER_DONE,
  WORKER_FAILED,
  WORKER_READY,
  workerWords,
  type PlanPoolMessage,
  type PlanWorkerData,
} from './plan-protocol.js';

const data = workerData as PlanWorkerData;
const control = new Int32Array(data.control);
const mine = workerWords(data.index);
const world = new World(data.shape, data.toroidal, data.world);
const dims = world.dims;
if (organismBlockBytes(dims) !== data.blockBytes) throw new RangeError('plan worker: organism block size differs');
/** Planning never asks the host: random streams are bound and drawn by the owning thread. */
const host: VmHost = {
  tick: 0,
  tickSeed: () => {
    throw new Error('a plan worker has no tick seed');
  },
  spawnChild: () => {
    throw new Error('a plan worker cannot spawn');
  },
};
const vm = new VirtualMachine(
  world,
  new PolicyTable(data.thermodynamics),
  data.limits,
  data.quirks,
  new LabelMatcher(world, data.labelMatching),
  host,
  buildHandlerTable(),
);
vm.planWorker = true;

const pages: ArrayBufferLike[] = [];
let list: Int32Array = new Int32Array(0);
let flags: Int32Array = new Int32Array(0);
/** One view per block number: blocks are reused by the next organism born, and the views stay valid. */
const views: Organism[] = [];
const position = new Int32Array(dims);

function viewOf(block: number): Organism {
  let o = views[block];
  if (o === undefined) {
    const page = pages[Math.floor(block / data.blocksPerPage)];
    if (page === undefined) throw new RangeError(`plan worker: block ${block} is on a page it was not sent`);
    const offset = (block % data.blocksPerPage) * data.blockBytes;
    o = new Organism(-1, position, 0, 0, { block, buffer: page, offset, blockBytes: data.blockBytes });
    views[block] = o;
  }
  return o;
}

function drainMessages(): void {
  for (;;) {
    const m = receiveMessageOnPort(data.port);
    if (m === undefined) return;
    const msg = m.message as PlanPoolMessage;
    if (msg.kind === 'page') pages[msg.index] = msg.page;
    else {
      list = new Int32Array(msg.list);
      flags = new Int32Array(msg.flags);
    }
  }
}

Atomics.store(control, mine + WORKER_READY, 1);
Atomics.notify(control, mine + WORKER_READY);
let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL_JOB, seen);
  const job = Atomics.load(control, CONTROL_JOB);
  if (job === STOP) break;
  if (job === seen) continue;
  seen = job;
  try {
    drainMessages();
    world.codeEpoch = control[CONTROL_CODE_EPOCH]!;
    world.codeGeneration = control[CONTROL_CODE_GENERATION]!;
    const count = control[CONTROL_COUNT]!;
    const chunk = control[CONTROL_CHUNK]!;
    const chunks = Math.ceil(count / chunk);
    for (let c = Atomics.add(control, CONTROL_NEXT, 1); c < chunks; c = Atomics.add(control, CONTROL_NEXT, 1)) {
      const end = Math.min(count, (c + 1) * chunk);
      for (let i = c * chunk; i < end; i++) {
        const o = viewOf(list[i]!);
        o.takePlanInputs();
        if (o.dead) continue;
        vm.plan(o);
        o.sharePlanOutputs();
      }
      Atomics.store(flags, c, job);
      Atomics.notify(flags, c);
    }
  } catch (e) {
    data.port.postMessage({ kind: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    Atomics.store(control, mine + WORKER_FAILED, 1);
  }
  Atomics.store(control, mine + WORKER_DONE, job);
  Atomics.notify(control, mine + WORKER_DONE);
}
data.port.close();
