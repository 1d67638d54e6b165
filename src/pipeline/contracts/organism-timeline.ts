/**
 * The organisms of every sample of a chunk, rebuilt from what it stores: full states in the snapshot, then
 * per delta either every full state again (storage format 1) or one OrganismDelta per organism present
 * (format 2), applied to that organism's previous state in the chunk.
 */
import { OrganismDelta, OrganismState, Vector, type TickDataChunk, type TickDelta } from './index.js';
import { briefOf, type OrganismBrief } from './organism-brief.js';
import { applyEncodedDeltaToBrief, applyEncodedOrganismDelta, briefOfEncodedState } from './organism-delta-wire.js';
import { applyOrganismDelta } from './organism-timeline-apply.js';
import { eachField as walk } from './wire-walk.js';

export { applyOrganismDelta, OrganismDeltaError } from './organism-timeline-apply.js';

/** Whether a delta sample stores full states (format 1, or no organism at all). */
function isFull(delta: { organisms: readonly unknown[]; organismDeltas?: readonly unknown[] | null }): boolean {
  return delta.organisms.length > 0 || (delta.organismDeltas?.length ?? 0) === 0;
}

/** Where each sample of an encoded chunk lies (offsets into its bytes). */
interface EncodedSamples {
  readonly bytes: Uint8Array;
  readonly snapshot: readonly [number, number] | undefined;
  /** Delta k lies at bytes[deltas[2k], deltas[2k + 1]) (one flat array: a chunk has hundreds). */
  readonly deltas: readonly number[];
}

const ACCUMULATED = 2;

/**
 * Walks a chunk's samples in order and hands out the organisms of any of them. Going forward continues from
 * the current sample; going back starts over at the snapshot. The states handed out are copies: later steps
 * never change them. Built from a decoded chunk, or (`ofEncoded`) from its bytes, where only the samples up to
 * the one asked for are read and deltas are applied straight from the wire.
 */
export class OrganismTimeline {
  private readonly ticks: number[];
  private index = -1;
  private working: OrganismState[] = [];
  private readonly chunk: TickDataChunk | undefined;
  private readonly encoded: EncodedSamples | undefined;
  /** Per sample: true for an ACCUMULATED delta (its organism deltas are against the snapshot). */
  private readonly accumulated: boolean[];
  private snapshotStates: OrganismState[] | undefined;
  /** The briefs' own walk (briefsAt), apart from the states': a list and a detail view step independently. */
  private briefIndex = -1;
  private briefWorking: readonly OrganismBrief[] = [];
  private snapshotBriefs: readonly OrganismBrief[] | undefined;

  constructor(chunk: TickDataChunk) {
    this.chunk = chunk;
    this.ticks = [
      Number(chunk.snapshot?.tickNumber ?? chunk.firstTick),
      ...chunk.deltas.map((d) => Number(d.tickNumber)),
    ];
    this.accumulated = [false, ...chunk.deltas.map((d) => d.deltaType === ACCUMULATED)];
  }

  /** A timeline over an encoded TickDataChunk (any chunk; the organism index keeps organisms-only ones). */
  static ofEncoded(bytes: Uint8Array): OrganismTimeline {
    let snapshot: [number, number] | undefined;
    let firstTick = 0;
    const deltas: number[] = [];
    const ticks: number[] = [];
    const accumulated: boolean[] = [false];
    let snapTick = -1;
    let tick = 0;
    let type = 0;
    // Tick and type are the delta's first fields as every writer orders them: the walk ends at the cells.
    const deltaHead = (m: number, mwt: number, _s: number, _e: number, v: number): boolean | void => {
      if (m === 1 && mwt === 0) tick = v;
      else if (m === 2 && mwt === 0) type = v;
      else if (m > 2 && tick !== 0) return true;
    };
    walk(bytes, 0, bytes.length, (n, wt, start, end, varint) => {
      if (n === 2 && wt === 0) firstTick = varint;
      else if (n === 5 && wt === 2) {
        snapshot = [start, end];
        walk(bytes, start, end, (m, mwt, _s, _e, v) => {
          if (m === 2 && mwt === 0) snapTick = v;
        });
      } else if (n === 6 && wt === 2) {
        deltas.push(start, end);
        tick = 0;
        type = 0;
        walk(bytes, start, end, deltaHead);
        ticks.push(tick);
        accumulated.push(type === ACCUMULATED);
      }
    });
    const t = Object.create(OrganismTimeline.prototype) as OrganismTimeline;
    Object.assign(t, {
      ticks: [snapTick >= 0 ? snapTick : firstTick, ...ticks],
      index: -1,
      working: [],
      chunk: undefined,
      encoded: { bytes, snapshot, deltas },
      accumulated,
      snapshotStates: undefined,
      briefIndex: -1,
      briefWorking: [],
      snapshotBriefs: undefined,
    });
    return t;
  }

  /** Sampled ticks of the chunk, ascending. */
  get sampledTicks(): readonly number[] {
    return this.ticks;
  }

  /** The organisms at `tick` (copies), or undefined when the chunk did not sample it. */
  at(tick: number): OrganismState[] | undefined {
    const target = this.ticks.indexOf(tick);
    if (target < 0) return undefined;
    return this.atSample(target);
  }

  /** The organisms at the sample with this index (0 = snapshot). */
  atSample(target: number): OrganismState[] {
    if (target < this.index) this.index = -1;
    // An ACCUMULATED sample is rebuilt from the snapshot alone: skip the samples before it.
    let a = target;
    while (a > 0 && !this.accumulated[a]) a--;
    if (a > this.index + 1) this.index = a - 1;
    while (this.index < target) this.step();
    return this.working.map(ownedCopy);
  }

  /**
   * The briefs of the organisms at `tick` (organism-brief.ts), or undefined when the chunk did not sample it. From
   * an encoded chunk they are rebuilt from the wire without the registers and stacks; briefs are never changed
   * once built, so the list handed out is the walk's own (no copies).
   */
  briefsAt(tick: number): OrganismBrief[] | undefined {
    const target = this.ticks.indexOf(tick);
    if (target < 0) return undefined;
    const e = this.encoded;
    if (!e) return this.atSample(target).map(briefOf);
    if (target < this.briefIndex) this.briefIndex = -1;
    let a = target;
    while (a > 0 && !this.accumulated[a]) a--;
    if (a > this.briefIndex + 1) this.briefIndex = a - 1;
    while (this.briefIndex < target) {
      const next = this.briefIndex + 1;
      this.briefWorking = next === 0 ? this.snapshotBriefList(e) : this.stepBriefs(next, e);
      this.briefIndex = next;
    }
    return this.briefWorking.slice();
  }

  /**
   * The state of one organism at `tick` (the caller's own copy); null when it has no state there, undefined when
   * the chunk did not sample the tick. From an encoded chunk only this organism's snapshot state and deltas are
   * decoded and applied (the others are skipped by their length), so an organism's detail costs a fraction of
   * rebuilding the sample. Independent of the walks of `at` and `briefsAt`.
   */
  stateAt(tick: number, organismId: number): OrganismState | null | undefined {
    const target = this.ticks.indexOf(tick);
    if (target < 0) return undefined;
    const e = this.encoded;
    if (!e) return this.atSample(target).find((o) => o.organismId === organismId) ?? null;
    let a = target;
    while (a > 0 && !this.accumulated[a]) a--;
    const bytes = e.bytes;
    let s: OrganismState | null = a === 0 ? this.snapshotStateOf(e, organismId) : null;
    for (let k = Math.max(a, 1); k <= target; k++) {
      const base = this.accumulated[k] ? this.snapshotStateOf(e, organismId) : s;
      let full = false;
      let fullState: OrganismState | null = null;
      let deltaAt = -1;
      let deltaEnd = -1;
      walk(bytes, e.deltas[2 * k - 2]!, e.deltas[2 * k - 1]!, (n, wt, start, end) => {
        if (wt !== 2) return;
        if (n === 4) {
          full = true;
          if (stateOrganismId(bytes, start, end) === organismId)
            fullState = OrganismState.decode(bytes.subarray(start, end));
        } else if (n === 6 && deltaAt < 0 && deltaOrganismId(bytes, start, end) === organismId) {
          deltaAt = start;
          deltaEnd = end;
        }
      });
      if (full) s = fullState;
      else if (deltaAt >= 0) {
        // The base is this walk's own (decoded here, or the previous sample's result): applied in place.
        const into = base ?? OrganismState.create({ organismId });
        applyEncodedOrganismDelta(into, bytes, deltaAt, deltaEnd, base !== null);
        s = into;
      } else s = null;
    }
    return s;
  }

  /** The organism's state in the snapshot, freshly decoded (null when the snapshot does not hold it). */
  private snapshotStateOf(e: EncodedSamples, organismId: number): OrganismState | null {
    let found: OrganismState | null = null;
    if (e.snapshot)
      walk(e.bytes, e.snapshot[0], e.snapshot[1], (n, wt, start, end) => {
        if (n !== 3 || wt !== 2 || stateOrganismId(e.bytes, start, end) !== organismId) return;
        found = OrganismState.decode(e.bytes.subarray(start, end));
        return true;
      });
    return found;
  }

  /**
   * Visits every sample in order with its organisms. The states are the timeline's own working copies, changed
   * by the next step: read them during the call, never keep them (analytics walks every sample this way).
   */
  forEachSample(f: (index: number, tick: number, organisms: readonly OrganismState[]) => void): void {
    this.index = -1;
    for (let i = 0; i < this.ticks.length; i++) {
      this.step();
      f(i, this.ticks[i]!, this.working);
    }
  }

  /** The snapshot's organisms (decoded once; copies for the caller to change). */
  private snapshotCopies(): OrganismState[] {
    if (!this.snapshotStates) {
      const e = this.encoded;
      if (e) {
        // Only the organisms: the snapshot's cells and runtime checkpoint are most of its bytes.
        const states: OrganismState[] = [];
        if (e.snapshot)
          walk(e.bytes, e.snapshot[0], e.snapshot[1], (n, wt, start, end) => {
            if (n === 3 && wt === 2) states.push(OrganismState.decode(e.bytes.subarray(start, end)));
          });
        this.snapshotStates = states;
      } else this.snapshotStates = (this.chunk!.snapshot?.organisms ?? []).map((s) => new OrganismState(s));
    }
    return this.snapshotStates.map(ownedCopy);
  }

  private snapshotBriefList(e: EncodedSamples): readonly OrganismBrief[] {
    if (!this.snapshotBriefs) {
      const briefs: OrganismBrief[] = [];
      if (e.snapshot)
        walk(e.bytes, e.snapshot[0], e.snapshot[1], (n, wt, start, end) => {
          if (n === 3 && wt === 2) briefs.push(briefOfEncodedState(e.bytes, start, end));
        });
      this.snapshotBriefs = briefs;
    }
    return this.snapshotBriefs;
  }

  /** The briefs of sample `next` (> 0), as stepEncoded rebuilds its states. */
  private stepBriefs(next: number, e: EncodedSamples): readonly OrganismBrief[] {
    const bytes = e.bytes;
    const full: OrganismBrief[] = [];
    const list: OrganismBrief[] = [];
    let previous: PreviousEntries<OrganismBrief> | undefined;
    walk(bytes, e.deltas[2 * next - 2]!, e.deltas[2 * next - 1]!, (n, wt, start, end) => {
      if (wt !== 2) return;
      if (n === 4) full.push(briefOfEncodedState(bytes, start, end));
      else if (n === 6) {
        previous ??= new PreviousEntries(this.accumulated[next] ? this.snapshotBriefList(e) : this.briefWorking);
        const organismId = deltaOrganismId(bytes, start, end);
        list.push(applyEncodedDeltaToBrief(previous.of(list.length, organismId), organismId, bytes, start, end));
      }
    });
    return full.length > 0 || list.length === 0 ? full : list;
  }

  /** The states deltas of sample `next` apply to, by organism id. */
  private baseFor(next: number): Map<number, OrganismState> {
    const base = new Map<number, OrganismState>();
    for (const s of this.accumulated[next] ? this.snapshotCopies() : this.working) base.set(s.organismId, s);
    return base;
  }

  private step(): void {
    const next = this.index + 1;
    if (this.encoded) this.stepEncoded(next, this.encoded);
    else this.stepDecoded(next, this.chunk!);
    this.index = next;
  }

  private stepDecoded(next: number, chunk: TickDataChunk): void {
    if (next === 0) {
      this.working = this.snapshotCopies();
      return;
    }
    const d = chunk.deltas[next - 1] as TickDelta;
    if (isFull(d)) {
      this.working = d.organisms.map((s) => new OrganismState(s));
      return;
    }
    const previous = this.baseFor(next);
    const list: OrganismState[] = [];
    for (const od of d.organismDeltas as OrganismDelta[]) {
      const s = previous.get(od.organismId) ?? OrganismState.create({ organismId: od.organismId });
      applyOrganismDelta(s, od);
      list.push(s);
    }
    this.working = list;
  }

  private stepEncoded(next: number, e: EncodedSamples): void {
    const bytes = e.bytes;
    if (next === 0) {
      this.working = this.snapshotCopies();
      return;
    }
    const from = e.deltas[2 * next - 2]!;
    const to = e.deltas[2 * next - 1]!;
    const full: OrganismState[] = [];
    const list: OrganismState[] = [];
    // The states the deltas apply to, found as PreviousEntries finds briefs, written out here: this walk runs for
    // every sample the indexers read, and the shared lookup cost a few per cent of it.
    let base: OrganismState[] | undefined;
    let byId: Map<number, OrganismState> | undefined;
    walk(bytes, from, to, (n, wt, start, end) => {
      if (wt !== 2) return;
      if (n === 4) full.push(OrganismState.decode(bytes.subarray(start, end)));
      else if (n === 6) {
        base ??= this.accumulated[next] ? this.snapshotCopies() : this.working;
        const organismId = deltaOrganismId(bytes, start, end);
        let s = base[list.length];
        if (s === undefined || s.organismId !== organismId) {
          if (!byId) {
            byId = new Map();
            for (const b of base) byId.set(b.organismId, b);
          }
          s = byId.get(organismId) ?? OrganismState.create({ organismId });
        }
        // In place: the working states own their vectors and register arrays (ownedCopy), so a step allocates
        // only what changed, not a new IP per organism per sample (a rebuild walks up to 50 samples).
        applyEncodedOrganismDelta(s, bytes, start, end, true);
        list.push(s);
      }
    });
    this.working = full.length > 0 || list.length === 0 ? full : list;
  }
}

/**
 * A copy of `s` that shares nothing an in-place delta overwrites (its IP, DV and data pointer vectors and its
 * registers array) with `s`; the rest (register values, stacks) is replaced, never mutated, by every apply.
 */
function ownedCopy(s: OrganismState): OrganismState {
  const c = new OrganismState(s);
  if (s.ip) c.ip = vectorCopy(s.ip);
  if (s.dv) c.dv = vectorCopy(s.dv);
  c.dataPointers = s.dataPointers.map(vectorCopy);
  c.registers = s.registers.slice();
  return c;
}

function vectorCopy(v: { components?: number[] | null }): Vector {
  const c = new Vector();
  c.components = v.components ? v.components.slice() : [];
  return c;
}

/**
 * The entries of the previous sample (or the snapshot) that a sample's deltas apply to. A sample lists its organisms
 * in about the previous one's order, so the entry at the same position is tried first; the map by id is built only
 * when that misses (births, deaths).
 */
class PreviousEntries<T extends { readonly organismId: number }> {
  private byId: Map<number, T> | undefined;

  constructor(private readonly entries: readonly T[]) {}

  /** The entry of `organismId`, tried at position `at` first; undefined for an organism not there. */
  of(at: number, organismId: number): T | undefined {
    const e = this.entries[at];
    if (e !== undefined && e.organismId === organismId) return e;
    if (!this.byId) {
      this.byId = new Map();
      for (const x of this.entries) this.byId.set(x.organismId, x);
    }
    return this.byId.get(organismId);
  }
}

/** The organism_id of the OrganismDelta in bytes[start, end). */
function deltaOrganismId(bytes: Uint8Array, start: number, end: number): number {
  // organism_id is the delta's first field as the engine writes it; otherwise read it the long way.
  const id = bytes[start] === 0x08 ? idAfterTag(bytes, start + 1, end) : -1;
  return id >= 0 ? id : OrganismDelta.decode(bytes.subarray(start, end)).organismId;
}

/** The organism_id of the OrganismState in bytes[start, end) (its first field as writers order them). */
function stateOrganismId(bytes: Uint8Array, start: number, end: number): number {
  const id = bytes[start] === 0x08 ? idAfterTag(bytes, start + 1, end) : -1;
  return id >= 0 ? id : OrganismState.decode(bytes.subarray(start, end)).organismId;
}

/** The int32 varint at buf[at, end) (an organism id), or -1 when it is not a short, complete one. */
function idAfterTag(buf: Uint8Array, at: number, end: number): number {
  let v = 0;
  for (let shift = 0; shift < 35 && at < end; shift += 7) {
    const b = buf[at++]!;
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return v >= 0 ? v : -1;
  }
  return -1;
}

/** Every sample of the chunk with its organisms (copies), in order. */
export function organismSamplesOf(chunk: TickDataChunk): Array<{ tick: number; organisms: OrganismState[] }> {
  const t = new OrganismTimeline(chunk);
  return t.sampledTicks.map((tick, i) => ({ tick, organisms: t.atSample(i) }));
}
