import { FRAME_SLOT_START, type Organism } from '../organism.js';
import type { Simulation } from '../simulation.js';

/** One organism in the conformance trace format (see docs/runtime.md). */
export interface TraceOrganism {
  id: number;
  ip: number[];
  dv: number[];
  dps: number[][];
  adp: number;
  er: number;
  sr: number;
  mr: number;
  fail: boolean;
  reason: string | null;
  op: string | null;
  opc: number | null;
  dr: (number | number[])[];
  ds: number;
  cs: number;
  ls: number;
  lr: number[][];
  pdr: (number | number[])[];
  fdr: (number | number[])[];
  sdr: (number | number[])[];
  dstop: (number | number[])[];
  lstop: number[][];
  dead?: boolean;
  death?: string;
}

export interface TraceInitLine {
  init: true;
  shape: number[];
  cells: number[][];
  orgs: TraceOrganism[];
}

export interface TraceTickLine {
  t: number;
  seed: string;
  orgs: TraceOrganism[];
  cells: number[][];
}

function regValue(o: Organism, slot: number): number | number[] {
  if (o.regIsVec[slot] === 1) return Array.from(o.regVec.subarray(slot * o.dims, slot * o.dims + o.dims));
  return o.regScalar[slot]!;
}

function bank(o: Organism, start: number, count: number): (number | number[])[] {
  const out: (number | number[])[] = [];
  for (let i = 0; i < count; i++) out.push(regValue(o, start + i));
  return out;
}

/** Snapshot of one organism as a trace record. `planned` false for the init line and newborns. */
export function traceOrganism(o: Organism, planned: boolean): TraceOrganism {
  const dims = o.dims;
  const dps: number[][] = [];
  for (let p = 0; p < o.dps.length / dims; p++) dps.push(Array.from(o.dps.subarray(p * dims, p * dims + dims)));
  const lr: number[][] = [];
  for (let i = 0; i < 4; i++) lr.push(Array.from(o.regVec.subarray((8 + i) * dims, (9 + i) * dims)));
  const dstop: (number | number[])[] = [];
  for (let i = o.dsLen - 1; i >= 0 && dstop.length < 4; i--) {
    dstop.push(o.dsIsVec[i] === 1 ? Array.from(o.dsVec.subarray(i * dims, i * dims + dims)) : o.dsScalar[i]!);
  }
  const lstop: number[][] = [];
  for (let i = o.lsLen - 1; i >= 0 && lstop.length < 4; i--)
    lstop.push(Array.from(o.ls.subarray(i * dims, i * dims + dims)));
  const rec: TraceOrganism = {
    id: o.id,
    ip: Array.from(o.ip),
    dv: Array.from(o.dv),
    dps,
    adp: o.activeDp,
    er: o.er,
    sr: o.sr,
    mr: o.mr,
    fail: o.failed,
    reason: o.failureReason,
    op: planned ? o.lastName : null,
    opc: planned ? o.lastMolecule : null,
    dr: bank(o, 0, 8),
    ds: o.dsLen,
    cs: o.csLen,
    ls: o.lsLen,
    lr,
    pdr: bank(o, FRAME_SLOT_START, 8),
    fdr: bank(o, 24, 8),
    sdr: bank(o, 36, 8),
    dstop,
    lstop,
  };
  if (o.dead) {
    rec.dead = true;
    rec.death = o.deathCause ?? 'other';
  }
  return rec;
}

/**
 * Produces conformance-trace lines from a running simulation: the init line after placement, then one
 * line per tick with every organism seen during the tick and the NET cell changes since the previous
 * line (a shadow copy filters cells that were written and restored). Call `tickLine` after `sim.step()`
 * and before `sim.pruneDead()`.
 */
export class TraceRecorder {
  private readonly shadowCells: Int32Array;
  private readonly shadowOwners: Int32Array;

  constructor(private readonly sim: Simulation) {
    this.shadowCells = new Int32Array(sim.world.size);
    this.shadowOwners = new Int32Array(sim.world.size);
  }

  initLine(): TraceInitLine {
    const world = this.sim.world;
    world.drainChanged();
    const cells: number[][] = [];
    for (let i = 0; i < world.size; i++) {
      const m = world.cells[i]!;
      const w = world.owners[i]!;
      this.shadowCells[i] = m;
      this.shadowOwners[i] = w;
      if (m !== 0 || w !== 0) cells.push([i, m, w]);
    }
    return {
      init: true,
      shape: Array.from(world.shape),
      cells,
      orgs: this.sim.organisms.map((o) => traceOrganism(o, false)),
    };
  }

  tickLine(): TraceTickLine {
    const sim = this.sim;
    const world = sim.world;
    const t = sim.tick - 1;
    const changed: number[] = [];
    world.drainChanged((idx) => {
      if (world.cells[idx] !== this.shadowCells[idx] || world.owners[idx] !== this.shadowOwners[idx]) changed.push(idx);
    });
    changed.sort((a, b) => a - b);
    const cells = changed.map((i) => {
      this.shadowCells[i] = world.cells[i]!;
      this.shadowOwners[i] = world.owners[i]!;
      return [i, world.cells[i]!, world.owners[i]!];
    });
    const orgs = sim.organisms.map((o) => traceOrganism(o, o.lastName !== null));
    return { t, seed: sim.tickSeedOfTick(t).toString(), orgs, cells };
  }
}
