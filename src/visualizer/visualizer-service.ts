/**
 * The queries behind /visualizer/api, over an IndexDatabase. Immutable results (a run's metadata, a past
 * tick's cells and organisms) are cached in small LRUs; a chunk is decoded once and serves every tick and
 * region inside it.
 */
import { EvochoraError } from '../errors.js';
import { MOLECULE_TYPE_NAMES } from '../isa/molecule.js';
import { OPCODES } from '../isa/opcodes.js';
import { SimulationMetadata, type OrganismState } from '../pipeline/contracts/index.js';
import type { IndexDatabase, RunIndexReader, RunMetadataRow, TickRange } from '../pipeline/api/index-database.js';
import { decodeEnvironmentBlob, decodeOrganismBlob } from '../pipeline/api/index-blobs.js';
import { briefOf, type OrganismBrief } from '../pipeline/contracts/organism-brief.js';
import { Lru } from './lru.js';
import { BufferPool } from '../pipeline/api/buffer-pool.js';
import { ChunkLease } from '../pipeline/api/chunk-lease.js';
import { alignAndDiff, genomeOf, type Genome } from './genome.js';
import { Generations } from './generations.js';
import {
  cellsAt,
  minimapAt,
  prepareChunk,
  prepareEncodedChunk,
  regionAt,
  type CellColumns,
  type Minimap,
  type PreparedChunk,
  type Region,
  type RegionCells,
} from './region.js';
import {
  instructionCells,
  lastInstruction,
  nextInstruction,
  nextInstructionLength,
  registerBanks,
  sourceLocationOf,
  staticInfo,
  summaryOf,
  valueView,
  vec,
  type ProgramInfo,
} from './views.js';
import type { ProgramArtifact, RegisterValue } from '../pipeline/contracts/index.js';
import { VisualizerErrorCode } from './error-codes.js';
import { PipelineErrorCode } from '../pipeline/error-codes.js';
import { HttpErrorCode } from '../http/error-codes.js';

export class VisualizerNotFoundError extends EvochoraError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

export interface RunInfo {
  readonly runId: string;
  readonly startTimeMs: number | null;
  readonly worldShape: readonly number[];
  readonly samplingInterval: number;
  readonly ticks: TickRange | null;
  readonly hasMetadata: boolean;
  /** The run and tick this run was forked from, or null. */
  readonly forkedFrom: { readonly runId: string; readonly tick: number } | null;
}

interface RunCache {
  readonly meta: RunMetadataRow;
  readonly decoded: SimulationMetadata;
  readonly programs: Map<string, { info: ProgramInfo; index: Map<string, number>; artifact: unknown }>;
}

/**
 * Memory for decoded chunks (plus always the newest one): ~25 chunks of the default world at maturity, a few
 * of a densely filled 2048×1152 world (~14 MB each).
 */
const CHUNK_CACHE_BYTES = 64 * 1024 * 1024;

/** Organisms held by the organisms-at-tick cache, summed over its ticks. */
const ORG_CACHE_ORGANISMS = 4096;

/** A decoded chunk and the count of its holders (the cache and the requests reading it). */
interface HeldChunk {
  readonly chunk: PreparedChunk;
  readonly lease: ChunkLease;
}

export class VisualizerService {
  private readonly runCache = new Lru<string, RunCache>(32);
  /** Bounded by bytes too: a dense world's chunk is megabytes (CHUNK_CACHE_BYTES). */
  private readonly chunkCache = new Lru<string, HeldChunk>(
    48,
    { weigh: (c) => c.chunk.byteSize, maxWeight: CHUNK_CACHE_BYTES },
    (c) => c.lease.release(),
  );
  /** Buffers the flat indices of dense layers are decoded into, given back when their chunk is dropped. */
  private readonly decodeBuffers = new BufferPool();
  /**
   * Bounded by organisms too: each is ~100 small decoded objects, and a large cache of them made every full GC
   * mark ~30 MB more (dense-world query p95 went from ~30 to ~20 ms when it shrank; docs/pipeline.md).
   */
  private readonly orgCache = new Lru<string, OrganismState[]>(32, {
    weigh: (states) => states.length,
    maxWeight: ORG_CACHE_ORGANISMS,
  });
  /** Single organisms' states by tick (the organism detail). */
  private readonly stateCache = new Lru<string, OrganismState>(64);
  /** The organisms of a tick as a list shows them (a few small objects each: a long list of ticks is cheap). */
  private readonly briefCache = new Lru<string, OrganismBrief[]>(256);
  private readonly minimapCache = new Lru<string, Minimap>(64);
  private readonly rangeCache = new Lru<string, TickRange[]>(32);
  /** The whole world's occupied cells at a tick (genome answers scan it; a few ticks are kept). */
  private readonly worldCache = new Lru<string, CellColumns>(4);
  private readonly genomeCache = new Lru<string, Record<string, unknown>>(64);
  /** One organism's energy and entropy at one tick (history points; null: not alive then). */
  private readonly pointCache = new Lru<string, readonly [number, number] | null>(20_000);
  /** Per run, the organisms' generations found so far (the organism list sorts by generation). */
  private readonly generations = new Lru<string, Generations>(8);

  constructor(private readonly db: IndexDatabase) {}

  async listRuns(): Promise<RunInfo[]> {
    const out: RunInfo[] = [];
    for (const runId of await this.db.listRuns()) {
      let r: RunIndexReader | undefined;
      let meta: RunMetadataRow | undefined;
      let ticks: TickRange | null;
      try {
        r = await this.db.reader(runId);
        if (!r) continue;
        meta = await r.metadata();
        ticks = await this.tickRangeOf(r);
      } catch {
        // An unreadable index file (foreign or damaged) is left out of the list rather than failing it.
        continue;
      }
      let forkedFrom: RunInfo['forkedFrom'] = null;
      if (meta) {
        try {
          const d = (await this.run(r)).decoded;
          if (d.forkedFromRunId) forkedFrom = { runId: d.forkedFromRunId, tick: Number(d.forkedAtTick) };
        } catch {
          // Metadata we cannot decode only costs the fork link.
        }
      }
      out.push({
        runId,
        hasMetadata: meta !== undefined,
        forkedFrom,
        startTimeMs: meta?.startTimeMs ?? null,
        worldShape: meta?.worldShape ?? [],
        samplingInterval: meta?.samplingInterval ?? 1,
        ticks,
      });
    }
    out.sort((a, b) => (b.startTimeMs ?? 0) - (a.startTimeMs ?? 0) || (a.runId < b.runId ? 1 : -1));
    return out;
  }

  /** The run named, or the newest one. */
  async resolveRun(runId: string | undefined): Promise<RunIndexReader> {
    if (runId !== undefined) {
      const r = await this.db.reader(runId);
      if (!r) throw new VisualizerNotFoundError(PipelineErrorCode.RUN_NOT_FOUND, `No indexed run '${runId}'.`);
      return r;
    }
    const runs = await this.listRuns();
    if (runs.length === 0)
      throw new VisualizerNotFoundError(PipelineErrorCode.RUN_NOT_FOUND, 'No simulation runs available.');
    return (await this.db.reader(runs[0]!.runId))!;
  }

  private async run(r: RunIndexReader): Promise<RunCache> {
    let c = this.runCache.get(r.runId);
    if (c) return c;
    const meta = await r.metadata();
    if (!meta)
      throw new VisualizerNotFoundError(
        PipelineErrorCode.METADATA_NOT_FOUND,
        `Run '${r.runId}' has no indexed metadata yet.`,
      );
    const decoded = SimulationMetadata.decode(meta.simulationMetadata);
    const programs = new Map<string, { info: ProgramInfo; index: Map<string, number>; artifact: unknown }>();
    for (const p of decoded.programs as ProgramArtifact[]) {
      try {
        const artifact = JSON.parse(Buffer.from(p.artifactJson).toString('utf8')) as ProgramInfo &
          Record<string, unknown>;
        const index = new Map<string, number>();
        (artifact.machineCodeLayout ?? []).forEach((cell, address) => index.set(cell.coord.join(','), address));
        programs.set(p.programId, { info: artifact, index, artifact });
      } catch {
        // An artifact we cannot read only costs the source view.
      }
    }
    c = { meta, decoded, programs };
    this.runCache.set(r.runId, c);
    return c;
  }

  private async tickRangeOf(r: RunIndexReader): Promise<TickRange | null> {
    const env = await r.environmentTickRange();
    const org = await r.organismTickRange();
    if (!env && !org) return null;
    if (!env) return org!;
    if (!org) return env;
    return { minTick: Math.max(env.minTick, org.minTick), maxTick: Math.min(env.maxTick, org.maxTick) };
  }

  async metadata(runId: string | undefined): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const c = await this.run(r);
    const d = c.decoded;
    let resolvedConfig: unknown = null;
    try {
      resolvedConfig = JSON.parse(Buffer.from(d.resolvedConfigJson).toString('utf8'));
    } catch {
      resolvedConfig = null;
    }
    const moleculeTypes: Record<string, string> = {};
    MOLECULE_TYPE_NAMES.forEach((n, i) => (moleculeTypes[String(i)] = n));
    const opcodes: Record<string, string> = {};
    for (const o of OPCODES) opcodes[String(o.opcode)] = o.name;
    return {
      runId: r.runId,
      startTimeMs: Number(d.startTimeMs),
      initialSeed: String(d.initialSeed),
      environment: { shape: [...d.worldShape], topology: d.toroidal ? 'TORUS' : 'BOUND' },
      samplingInterval: d.samplingInterval || 1,
      accumulatedDeltaInterval: d.accumulatedDeltaInterval,
      snapshotInterval: d.snapshotInterval,
      resumedFromRunId: d.resumedFromRunId || null,
      forkedFrom: d.forkedFromRunId ? { runId: d.forkedFromRunId, tick: Number(d.forkedAtTick) } : null,
      provenance: d.provenance
        ? {
            productVersion: d.provenance.productVersion ?? '',
            gitCommit: d.provenance.gitCommit || null,
            host: d.provenance.host ?? '',
            configSha256: d.provenance.configSha256 ?? '',
          }
        : null,
      writerVersion: d.writerVersion,
      moleculeTypes,
      opcodes,
      programs: (d.programs as ProgramArtifact[]).map((p) => ({
        programId: p.programId,
        sources: p.sources,
        artifact: c.programs.get(p.programId)?.artifact ?? null,
      })),
      resolvedConfig,
    };
  }

  async ticks(runId: string | undefined): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const meta = await r.metadata();
    const env = await r.environmentTickRange();
    const org = await r.organismTickRange();
    const both = await this.tickRangeOf(r);
    if (!both)
      throw new VisualizerNotFoundError(
        VisualizerErrorCode.TICKS_NOT_FOUND,
        `Run '${r.runId}' has no indexed ticks yet.`,
      );
    return {
      runId: r.runId,
      minTick: both.minTick,
      maxTick: both.maxTick,
      samplingInterval: meta?.samplingInterval ?? 1,
      environment: env ?? null,
      organisms: org ?? null,
    };
  }

  /** The indexed chunk range holding `tick`, from a per-run list refreshed when the tick is not in it. */
  private async rangeOf(r: RunIndexReader, tick: number): Promise<TickRange | undefined> {
    const find = (ranges: TickRange[]): TickRange | undefined => {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const c = ranges[mid]!;
        if (tick < c.minTick) hi = mid - 1;
        else if (tick > c.maxTick) lo = mid + 1;
        else return c;
      }
      return undefined;
    };
    let ranges = this.rangeCache.get(r.runId);
    let hit = ranges && find(ranges);
    if (!hit) {
      ranges = await r.environmentChunkRanges();
      this.rangeCache.set(r.runId, ranges);
      hit = find(ranges);
    }
    return hit;
  }

  /**
   * The cells-only chunk of an indexed chunk range, decoded once (undefined when the index lost it), with the
   * caller's share of it: the chunk may read a reused buffer (ChunkLease), so the caller releases it when done.
   */
  private async heldChunk(r: RunIndexReader, range: TickRange): Promise<HeldChunk | undefined> {
    const key = `${r.runId}:${range.minTick}:${range.maxTick}`;
    const cached = this.chunkCache.get(key);
    if (cached) {
      cached.lease.retain();
      return cached;
    }
    const row = await r.environmentChunkContaining(range.minTick);
    if (!row) return undefined;
    let chunk: PreparedChunk;
    try {
      const shape = (await this.run(r)).meta.worldShape;
      chunk = row.chunk
        ? prepareEncodedChunk(row.chunk, shape, row.chunkPlanedColumns === true, this.decodeBuffers)
        : prepareChunk(decodeEnvironmentBlob(row.data), shape);
    } catch (err) {
      row.chunkLease?.release();
      throw err;
    }
    // The first share is the cache's (released when the entry is dropped), the second the caller's.
    const held: HeldChunk = {
      chunk,
      lease: new ChunkLease(() => {
        chunk.dispose();
        row.chunkLease?.release();
      }),
    };
    held.lease.retain();
    this.chunkCache.set(key, held);
    return held;
  }

  /**
   * `use` run on the chunk holding `tick` and the tick's sample in it; TICK_NOT_FOUND when the tick is not an
   * indexed, sampled tick. `use` is synchronous: the chunk is held only while it runs.
   */
  private async withChunk<T>(
    r: RunIndexReader,
    tick: number,
    use: (chunk: PreparedChunk, sample: number) => T,
  ): Promise<T> {
    const range = await this.rangeOf(r, tick);
    const held = range && (await this.heldChunk(r, range));
    if (!held)
      throw new VisualizerNotFoundError(
        VisualizerErrorCode.TICK_NOT_FOUND,
        `Tick ${tick} of run '${r.runId}' is not indexed.`,
      );
    try {
      const { chunk } = held;
      const sample = chunk.ticks.indexOf(tick);
      if (sample < 0)
        throw new VisualizerNotFoundError(
          VisualizerErrorCode.TICK_NOT_FOUND,
          `Tick ${tick} was not sampled in run '${r.runId}' (sampled ticks near it: ${chunk.ticks.slice(0, 5).join(', ')}…).`,
        );
      return use(chunk, sample);
    } finally {
      held.lease.release();
    }
  }

  /** Occupied cells of `region` (whole world when undefined) at `tick`, with an optional minimap. */
  async environment(
    runId: string | undefined,
    tick: number,
    region: Region | undefined,
    withMinimap: boolean,
  ): Promise<{ runId: string; cells: RegionCells; minimap?: Minimap; shape: number[] }> {
    const r = await this.resolveRun(runId);
    const c = await this.run(r);
    const shape = [...c.meta.worldShape];
    const reg = clampRegion(region, shape);
    const key = `${r.runId}:${tick}`;
    const { cells, minimap } = await this.withChunk(r, tick, (chunk, sample) => {
      let map: Minimap | undefined;
      if (withMinimap && shape.length === 2) {
        map = this.minimapCache.get(key);
        if (!map) {
          map = minimapAt(chunk, sample, shape);
          this.minimapCache.set(key, map);
        }
      }
      return { cells: regionAt(chunk, sample, shape, reg), minimap: map };
    });
    return { runId: r.runId, cells, shape, ...(minimap ? { minimap } : {}) };
  }

  private async statesAt(r: RunIndexReader, tick: number): Promise<OrganismState[]> {
    const key = `${r.runId}:${tick}`;
    let states = this.orgCache.get(key);
    if (!states) {
      const row = await r.organismTick(tick);
      if (!row) {
        // A sampled tick without organisms has no row; tell it apart from a tick that is not indexed.
        // Throws TICK_NOT_FOUND unless the tick is a sampled tick of an indexed chunk.
        await this.withChunk(r, tick, () => undefined);
        states = [];
      } else {
        states = row.states ? [...row.states] : decodeOrganismBlob(row.data);
      }
      this.orgCache.set(key, states);
    }
    return states;
  }

  /** The briefs of the organisms at `tick` (what the organism list needs: no registers or stacks). */
  private async briefsAt(r: RunIndexReader, tick: number): Promise<OrganismBrief[]> {
    const key = `${r.runId}:${tick}`;
    let briefs = this.briefCache.get(key);
    if (!briefs) {
      const states = this.orgCache.get(key);
      briefs = states ? states.map(briefOf) : await r.organismBriefs(tick);
      // As statesAt: a sampled tick without organisms has no row; withChunk throws TICK_NOT_FOUND for any other.
      if (!briefs) await this.withChunk(r, tick, () => undefined);
      this.briefCache.set(key, (briefs ??= []));
    }
    return briefs;
  }

  async organismsAt(runId: string | undefined, tick: number): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const briefs = await this.briefsAt(r, tick);
    const total = await r.organismsCreatedUpTo(tick);
    const summaries = briefs.map(summaryOf);
    let gens = this.generations.get(r.runId);
    if (!gens) this.generations.set(r.runId, (gens = new Generations()));
    const generation = await gens.of(summaries, (ids) => r.organisms(ids));
    return {
      runId: r.runId,
      tick,
      aliveCount: briefs.filter((s) => !s.isDead).length,
      totalOrganismsCreated: total,
      organisms: summaries.map((s) => ({ ...s, generation: generation.get(s.organismId) })),
    };
  }

  /**
   * An organism's energy and entropy from `from` (default: its birth) up to `tick`, at most `points` samples:
   * every `step` ticks (the sampling interval times a power of two, on a grid from the run's first tick, so the
   * history of the next tick shares all but its newest points with this one) and at `tick` itself. Ticks where
   * the organism has no state (before its birth, after its death) are left out.
   */
  async organismHistory(
    runId: string | undefined,
    tick: number,
    organismId: number,
    from: number | undefined,
    points: number,
  ): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const c = await this.run(r);
    const known = await r.organism(organismId);
    if (!known)
      throw new VisualizerNotFoundError(
        VisualizerErrorCode.ORGANISM_NOT_FOUND,
        `No organism ${organismId} in run '${r.runId}'.`,
      );
    const range = await this.tickRangeOf(r);
    if (!range || tick < range.minTick || tick > range.maxTick)
      throw new VisualizerNotFoundError(
        VisualizerErrorCode.TICK_NOT_FOUND,
        `Tick ${tick} of run '${r.runId}' is not indexed.`,
      );
    const start = Math.min(tick, Math.max(from ?? known.birthTick, range.minTick));
    const sampling = c.meta.samplingInterval || 1;
    let step = sampling;
    while ((tick - start) / step > points - 1) step *= 2;
    const ticks: number[] = [];
    for (let t = range.minTick + Math.ceil((start - range.minTick) / step) * step; t < tick; t += step) ticks.push(t);
    ticks.push(tick);
    const out = { ticks: [] as number[], energy: [] as number[], entropy: [] as number[] };
    for (const t of ticks) {
      const p = await this.historyPoint(r, t, organismId);
      if (!p) continue;
      out.ticks.push(t);
      out.energy.push(p[0]);
      out.entropy.push(p[1]);
    }
    return { runId: r.runId, organismId, from: start, to: tick, step, ...out };
  }

  private async historyPoint(
    r: RunIndexReader,
    tick: number,
    organismId: number,
  ): Promise<readonly [number, number] | null> {
    const key = `${r.runId}:${organismId}:${tick}`;
    const cached = this.pointCache.get(key);
    if (cached !== undefined) return cached;
    // The organisms of a tick the page shows are cached already; other ticks are read without filling that cache.
    const tickKey = `${r.runId}:${tick}`;
    const briefs: readonly (OrganismBrief | OrganismState)[] =
      this.briefCache.get(tickKey) ?? this.orgCache.get(tickKey) ?? (await r.organismBriefs(tick)) ?? [];
    const s = briefs.find((o) => o.organismId === organismId);
    const point = s ? ([s.energy, s.entropyRegister] as const) : null;
    this.pointCache.set(key, point);
    return point;
  }

  /** Occupied cells of the whole world at `tick`, rebuilt as the region route rebuilds them. */
  private async worldCells(r: RunIndexReader, tick: number): Promise<CellColumns> {
    const key = `${r.runId}:${tick}`;
    let cells = this.worldCache.get(key);
    if (!cells) {
      const shape = [...(await this.run(r)).meta.worldShape];
      cells = await this.withChunk(
        r,
        tick,
        (chunk, sample) => regionAt(chunk, sample, shape, clampRegion(undefined, shape)).cells,
      );
      this.worldCache.set(key, cells);
    }
    return cells;
  }

  /**
   * The first stored tick from `birthTick` up to `upTo` at which the child has a state. The birth tick itself
   * does not do: it is stored as it was before the tick ran, when the parent still owned the copy it forks off.
   */
  private async firstTickOf(r: RunIndexReader, childId: number, birthTick: number, upTo: number): Promise<number> {
    await this.rangeOf(r, upTo); // refreshes the cached chunk list when it lacks the newest ticks
    const ranges = this.rangeCache.get(r.runId) ?? [];
    for (const range of ranges) {
      if (range.maxTick < birthTick || range.minTick > upTo) continue;
      const held = await this.heldChunk(r, range);
      held?.lease.release(); // only its tick list is read (a plain array, never in a reused buffer)
      for (const t of held?.chunk.ticks ?? []) {
        if (t < birthTick || t > upTo) continue;
        if ((await this.briefsAt(r, t)).some((o) => o.organismId === childId)) return t;
      }
    }
    return upTo;
  }

  /**
   * An organism's genome as laid out in the world at `tick` (its owned cells relative to its initial position)
   * and, when it has a parent, the parent's genome at the child's first stored tick (relative to the parent's
   * initial position, aligned on the child's genome: see alignAndDiff) with the diff of the two. At most `limit`
   * cells of each.
   */
  async organismGenome(
    runId: string | undefined,
    tick: number,
    organismId: number,
    limit: number,
  ): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const key = `${r.runId}:${tick}:${organismId}:${limit}`;
    const cached = this.genomeCache.get(key);
    if (cached) return cached;
    const c = await this.run(r);
    const shape = [...c.meta.worldShape];
    const toroidal = c.meta.toroidal;
    const s = await this.stateAt(r, tick, organismId);
    const info = staticInfo(await r.organism(organismId), s);
    const genome = genomeOf(await this.worldCells(r, tick), organismId, info.initialPosition, shape, toroidal, limit);
    let parent: Record<string, unknown> | null = null;
    let diff: Record<string, unknown> | null = null;
    if (info.parentId !== null) {
      const at = await this.firstTickOf(r, organismId, info.birthTick, tick);
      const ps = (await this.statesAt(r, at)).find((o) => o.organismId === info.parentId);
      const prow = await r.organism(info.parentId);
      const origin = prow ? [...prow.initialPosition] : ps ? vec(ps.initialPosition) : null;
      // A parent the index does not know (cut off by a fork or resume) has no origin to align on.
      const pg: Genome = origin
        ? genomeOf(await this.worldCells(r, at), info.parentId, origin, shape, toroidal, limit)
        : { ownedCells: 0, truncated: false, cells: [] };
      const { shift, ...counts } = alignAndDiff(genome, pg);
      diff = counts;
      parent = {
        organismId: info.parentId,
        childBirthTick: info.birthTick,
        tick: at,
        alive: ps !== undefined && !ps.isDead,
        initialPosition: origin,
        shift,
        ...pg,
      };
    }
    const out = {
      runId: r.runId,
      tick,
      organismId,
      shape,
      toroidal,
      limit,
      initialPosition: info.initialPosition,
      ...genome,
      parent,
      diff,
    };
    this.genomeCache.set(key, out);
    return out;
  }

  /** One organism's state at a tick, or ORGANISM_NOT_FOUND saying whether it exists in the run at all. */
  private async stateAt(r: RunIndexReader, tick: number, organismId: number): Promise<OrganismState> {
    const key = `${r.runId}:${tick}:${organismId}`;
    const cached = this.orgCache.get(`${r.runId}:${tick}`)?.find((o) => o.organismId === organismId);
    let s = cached ?? this.stateCache.get(key);
    if (s) return s;
    // One organism alone (the detail of a selected organism follows it tick by tick; the list needs only briefs).
    s = await r.organismState(tick, organismId);
    if (s) {
      this.stateCache.set(key, s);
      return s;
    }
    // The organism has no state at an indexed tick, or the tick is not indexed at all (TICK_NOT_FOUND, as briefsAt).
    await this.briefsAt(r, tick);
    const known = await r.organism(organismId);
    throw new VisualizerNotFoundError(
      VisualizerErrorCode.ORGANISM_NOT_FOUND,
      known
        ? `Organism ${organismId} has no state at tick ${tick} (born at ${known.birthTick}).`
        : `No organism ${organismId} in run '${r.runId}'.`,
    );
  }

  async organismDetails(runId: string | undefined, tick: number, organismId: number): Promise<Record<string, unknown>> {
    const r = await this.resolveRun(runId);
    const c = await this.run(r);
    const s = await this.stateAt(r, tick, organismId);
    const row = await r.organism(organismId);
    const lineage = await r.lineage(organismId, 64);
    const shape = [...c.meta.worldShape];
    const dims = shape.length;
    const program = c.programs.get(s.programId);
    const ip = vec(s.ip);
    const dv = vec(s.dv);
    let next = null;
    try {
      const maxLen = 1 + 3 * Math.max(dims, 1);
      const flat = instructionCells(ip, dv, shape, c.meta.toroidal, maxLen);
      const { molecules } = await this.withChunk(r, tick, (chunk, sample) =>
        cellsAt(chunk, sample, flat, shape.length === 2 ? shape[1] : undefined),
      );
      const len = nextInstructionLength(molecules[0] ?? 0, dims);
      next = nextInstruction(molecules.slice(0, len), s, dims, program?.info);
    } catch (err) {
      if (!(err instanceof VisualizerNotFoundError)) throw err;
    }
    const info = staticInfo(row, s);
    const callStack = s.callStack.map((f) => ({
      procName: program?.info.labelValueToName[String(f.labelHash)] ?? `#${f.labelHash}`,
      labelHash: f.labelHash,
      returnIp: vec(f.returnIp),
      callIp: vec(f.callIp),
      savedRegisters: (f.savedRegisters ?? []).map((v) => valueView(v as RegisterValue)),
    }));
    return {
      runId: r.runId,
      tick,
      organismId,
      staticInfo: {
        ...info,
        lineage: lineage.map((a) => ({ organismId: a.organismId, genomeHash: a.genomeHash, birthTick: a.birthTick })),
      },
      state: {
        energy: s.energy,
        entropy: s.entropyRegister,
        moleculeMarker: s.moleculeMarkerRegister,
        isDead: s.isDead,
        deathTick: s.isDead ? Number(s.deathTick) : -1,
        deathCause: s.deathCause || null,
        ip,
        dv,
        dataPointers: s.dataPointers.map(vec),
        activeDpIndex: s.activeDpIndex,
        registers: registerBanks(s),
        dataStack: s.dataStack.map((v) => valueView(v as RegisterValue)),
        locationStack: s.locationStack.map(vec),
        callStack,
        currentProc:
          s.currentProcLabelHash > 0 || s.currentProcLabelHash < -1
            ? (program?.info.labelValueToName[String(s.currentProcLabelHash)] ?? `#${s.currentProcLabelHash}`)
            : null,
        instructionFailed: s.instructionFailed,
        failureReason: s.failureReason || null,
        instructions: { last: lastInstruction(s), next },
        sourceLocation: sourceLocationOf(
          ip,
          info.initialPosition,
          shape,
          c.meta.toroidal,
          program?.info,
          program?.index,
        ),
      },
    };
  }
}

function clampRegion(region: Region | undefined, shape: readonly number[]): Region {
  if (!region) return { min: shape.map(() => 0), max: shape.map((s) => s - 1) };
  if (region.min.length !== shape.length) {
    throw new EvochoraError(
      HttpErrorCode.BAD_REQUEST,
      `region has ${region.min.length} dimensions; the world has ${shape.length} (give min,max per dimension).`,
    );
  }
  const min = region.min.map((v, d) => Math.max(0, Math.min(shape[d]! - 1, v)));
  const max = region.max.map((v, d) => Math.max(0, Math.min(shape[d]! - 1, v)));
  return { min, max };
}
