import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { RuntimeOptions } from '../config.js';
import { PlanWorkerError } from '../errors.js';
import type { Organism } from '../organism.js';
import type { OrganismMemory } from '../organism-memory.js';
import type { VirtualMachine } from '../vm/vm.js';
import type { World } from '../world.js';
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
  controlWords,
  workerWords,
  type PlanPoolMessage,
  type PlanWorkerData,
  type PlanWorkerFailure,
} from './plan-protocol.js';
import { spawnModuleWorker } from '../../spawn-module-worker.js';

/** How long a worker may take to start (tsx compiles it from source in tests) and to answer a job. */
const START_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 60_000;
/** Polls of a flag before the owning thread sleeps on it (a chunk takes a few microseconds). */
const SPINS = 20_000;
/** Organisms per chunk: enough to make a claim's cost small, few enough that the workers keep ahead. */
const CHUNK = 32;
/** Chunks a job may have (the claim counter's range is not a concern below this). */
const MAX_CHUNKS = 1 << 20;

/**
 * The plan workers of a multi-threaded simulation (`threads` > 1). Each tick is one job: the organism list in
 * chunks, which every thread (this one included) claims and plans, flagging each chunk when done. This thread
 * executes the organisms in list order, each chunk once it is flagged, exactly as a single thread does: planning
 * reads only the world and the organism's own state, and a tick's first wave writes neither anything planning
 * reads nor the world, so the result is identical for any number of threads (test/unit/runtime/threads.test.ts).
 * While this thread executes a chunk, the workers plan the next ones.
 */
export class PlanPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly control: Int32Array;
  /** Block numbers of the listed organisms, in list order (shared with the workers). */
  private list = new Int32Array(new SharedArrayBuffer(4 * 1024));
  /** Per chunk of the list, the job that planned it. */
  private flags = new Int32Array(new SharedArrayBuffer(4 * (1024 / CHUNK)));
  /** The current job: organisms, chunk size, chunks. */
  private count = 0;
  private chunk = CHUNK;
  private chunks = 0;
  /** Chunks of the current job planned on this thread (their organisms' plans are in their own fields already). */
  private here = new Uint8Array(1024 / CHUNK);
  /** Whether `planned` found its chunk planned on this thread (else the plans are in the blocks: takePlanOutputs). */
  chunkPlannedHere = false;
  private pagesSent = 0;
  private job = 0;
  private ready = false;
  private closed = false;

  constructor(
    options: RuntimeOptions,
    private readonly world: World,
    private readonly memory: OrganismMemory,
    /** Threads planning, the owning one included (≥ 2). */
    readonly threads: number,
    /** Whether this thread claims chunks too (else only the workers plan). */
    private readonly ownerPlans = true,
  ) {
    const workers = threads - 1;
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlWords(workers)));
    for (let k = 0; k < workers; k++) {
      const { port1, port2 } = new MessageChannel();
      const data: PlanWorkerData = {
        index: k,
        shape: [...options.shape],
        toroidal: options.toroidal,
        world: world.sharedBuffers(),
        thermodynamics: options.thermodynamics,
        limits: options.organism,
        quirks: options.quirks,
        labelMatching: options.labelMatching,
        blockBytes: memory.blockBytes,
        blocksPerPage: memory.blocksPerPage,
        control: this.control.buffer as SharedArrayBuffer,
        port: port2,
      };
      const worker = spawnModuleWorker(import.meta.url, 'plan-worker', { workerData: data, transferList: [port2] });
      // The pool is closed with the simulation; an unclosed one must not keep the process alive.
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
      port1.postMessage({ kind: 'list', list: this.list.buffer, flags: this.flags.buffer } satisfies PlanPoolMessage);
    }
  }

  /** The current block list (its first entries are the organisms `begin` covers). */
  get blockList(): Int32Array {
    return this.list;
  }

  /** The block list has room for `n` organisms (a larger one goes to the workers). */
  ensureListCapacity(n: number): Int32Array {
    if (this.list.length < n) {
      let cap = this.list.length;
      while (cap < n) cap *= 2;
      const bigger = new Int32Array(new SharedArrayBuffer(4 * cap));
      bigger.set(this.list);
      this.list = bigger;
      this.flags = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(cap / CHUNK)));
      for (const p of this.ports)
        p.postMessage({ kind: 'list', list: bigger.buffer, flags: this.flags.buffer } satisfies PlanPoolMessage);
    }
    return this.list;
  }

  /**
   * Starts planning organisms [0, count) of the block list (the organisms of `Simulation.organisms`, dead ones
   * skipped). Follow with `planned` before executing each chunk, then `finish`.
   */
  begin(count: number): void {
    if (this.closed) throw new PlanWorkerError('the simulation was closed');
    if (!this.ready) this.awaitReady();
    this.sendNewPages();
    const c = this.control;
    this.count = count;
    this.chunk = Math.max(CHUNK, Math.ceil(count / MAX_CHUNKS));
    this.chunks = Math.ceil(count / this.chunk);
    if (this.here.length < this.chunks) this.here = new Uint8Array(this.flags.length);
    this.here.fill(0, 0, this.chunks);
    c[CONTROL_CODE_EPOCH] = this.world.codeEpoch;
    c[CONTROL_CODE_GENERATION] = this.world.codeGeneration;
    c[CONTROL_COUNT] = count;
    c[CONTROL_CHUNK] = this.chunk;
    Atomics.store(c, CONTROL_NEXT, 0);
    this.job = this.job === 0x7ffffffe ? 1 : this.job + 1;
    Atomics.store(c, CONTROL_JOB, this.job);
    Atomics.notify(c, CONTROL_JOB);
  }

  /**
   * Waits until organism `i`'s chunk is planned, planning unclaimed chunks here (with `vm`, on `organisms`) rather
   * than waiting idle. Returns the end of that chunk: organisms before it are planned.
   */
  planned(vm: VirtualMachine, organisms: readonly Organism[], i: number): number {
    const chunk = this.chunk;
    const target = Math.floor(i / chunk);
    const flags = this.flags;
    const job = this.job;
    const c = this.control;
    let spins = 0;
    while (Atomics.load(flags, target) !== job) {
      if (this.ownerPlans && Atomics.load(c, CONTROL_NEXT) < this.chunks) {
        const claimed = Atomics.add(c, CONTROL_NEXT, 1);
        if (claimed < this.chunks) {
          const end = Math.min(this.count, (claimed + 1) * chunk);
          for (let k = claimed * chunk; k < end; k++) {
            const o = organisms[k]!;
            if (!o.dead) vm.plan(o);
          }
          this.here[claimed] = 1;
          Atomics.store(flags, claimed, job);
        }
        continue;
      }
      if (++spins < SPINS) continue;
      this.sleepOn(flags, target, job);
      spins = 0;
    }
    this.chunkPlannedHere = this.here[target] === 1;
    return Math.min(this.count, (target + 1) * chunk);
  }

  /** Waits until every worker is done with the job (none may read the world once this thread writes it). */
  finish(): void {
    for (let k = 0; k < this.workers.length; k++) {
      const at = workerWords(k) + WORKER_DONE;
      let spins = 0;
      while (Atomics.load(this.control, at) !== this.job) {
        if (++spins < SPINS) continue;
        this.sleepOn(this.control, at, this.job);
        spins = 0;
      }
      this.throwIfFailed(k);
    }
  }

  /** Sleeps briefly on `words[at]` until it is `value`, checking for failed workers and the job timeout. */
  private sleepOn(words: Int32Array, at: number, value: number): void {
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    for (;;) {
      const v = Atomics.load(words, at);
      if (v === value) return;
      for (let k = 0; k < this.workers.length; k++) this.throwIfFailed(k);
      if (Date.now() > deadline) throw new PlanWorkerError(`plan workers did not answer in ${JOB_TIMEOUT_MS} ms`);
      Atomics.wait(words, at, v, 1);
    }
  }

  /** Stops the workers (the simulation may not step with threads afterwards). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CONTROL_JOB, STOP);
    Atomics.notify(this.control, CONTROL_JOB);
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
  }

  private awaitReady(): void {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (let k = 0; k < this.workers.length; k++) {
      const at = workerWords(k) + WORKER_READY;
      while (Atomics.load(this.control, at) !== 1) {
        this.throwIfFailed(k);
        if (Date.now() > deadline)
          throw new PlanWorkerError(`plan worker ${k + 1} did not start in ${START_TIMEOUT_MS} ms`);
        Atomics.wait(this.control, at, 0, 50);
      }
    }
    this.ready = true;
  }

  private throwIfFailed(k: number): void {
    if (Atomics.load(this.control, workerWords(k) + WORKER_FAILED) !== 1) return;
    const m = receiveMessageOnPort(this.ports[k]!);
    const why = (m?.message as PlanWorkerFailure | undefined)?.message ?? 'no message';
    this.close();
    throw new PlanWorkerError(`plan worker ${k + 1} failed: ${why}`);
  }

  private sendNewPages(): void {
    const memory = this.memory;
    while (this.pagesSent < memory.pageCount) {
      const index = this.pagesSent++;
      const page = memory.page(index) as SharedArrayBuffer;
      for (const p of this.ports) p.postMessage({ kind: 'page', index, page } satisfies PlanPoolMessage);
    }
  }
}
