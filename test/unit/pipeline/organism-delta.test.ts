import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { OrganismDelta, OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import {
  OrganismTimeline,
  applyOrganismDelta,
  OrganismDeltaError,
} from '../../../src/pipeline/contracts/organism-timeline.js';
import { briefOf } from '../../../src/pipeline/contracts/organism-brief.js';
import { applyEncodedDeltaToBrief, briefOfEncodedState } from '../../../src/pipeline/contracts/organism-delta-wire.js';
import { reconstructTick } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { writeOrganism } from '../../../src/pipeline/engine/organism-wire.js';
import { ProtoWriter } from '../../../src/pipeline/engine/proto-writer.js';
import { readVarint } from '../../../src/pipeline/contracts/framing.js';

const shape = [120, 120];
const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
const program = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
);
/** The node's default world: our replicator in 512×512 (a population of ~50 with births and deaths after ~100,000 ticks). */
const defaultProgram = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape: [512, 512], toroidal: true } }, 'replicator.evo'),
);

/**
 * A 3-D organism (the writer has a straight-line path for 2-D worlds; this one takes the general one): it walks
 * both data pointers, switches between them, writes scalar and vector registers and pushes and pops the stack.
 */
const cubeShape = [12, 12, 12];
const cubeProgram = programFromArtifact(
  compileSourceOrThrow(
    [
      'START:',
      '  ADDI %DR0 DATA:1',
      '  SETV %DR1 0|1|0',
      '  SEKI 1|0|0',
      '  ADPI DATA:1',
      '  SEKI 0|0|1',
      '  ADPI DATA:0',
      '  PUSI DATA:5',
      '  POP %DR2',
      '  JMPI START',
    ].join('\n'),
    { world: { shape: cubeShape, toroidal: true } },
    'cube.evo',
  ),
);

/** Every organism's full state, as the full writer encodes it (one buffer per organism). */
function fullStates(sim: Simulation): Buffer[] {
  const w = new ProtoWriter(64);
  return sim.organisms.map((o) => {
    w.reset();
    writeOrganism(w, 0x0a, o);
    const [len, start] = readVarint(w.buf, 1)!;
    return Buffer.from(w.buf.subarray(start, start + len));
  });
}

/**
 * Records `ticks` ticks of a world that has lived `warm` ticks (births, deaths, register and stack traffic),
 * rebuilds every sampled tick from the chunks and compares each organism, byte for byte, with its full state.
 */
function recordAndCompare(
  warm: number,
  ticks: number,
  interval: number,
  samplesPerChunk: number,
  world: 'small' | 'default' | 'cube' = 'small',
): { samples: number; organisms: number; deltaBytes: number; fullBytes: number; bornBeforeAccumulated: number } {
  const sim =
    world === 'small'
      ? new Simulation(resolveRuntimeOptions({ shape, seed: 7n }))
      : world === 'cube'
        ? new Simulation(resolveRuntimeOptions({ shape: cubeShape, seed: 5n }))
        : new Simulation(resolveRuntimeOptions({ shape: [512, 512], seed: 42n }));
  if (world === 'small') {
    sim.placeProgram(program, [10, 10], 80_000);
    sim.placeProgram(program, [60, 60], 80_000);
  } else if (world === 'cube') {
    sim.placeProgram(cubeProgram, [0, 2, 3], 50_000);
    sim.placeProgram(cubeProgram, [0, 7, 8], 50_000);
  } else sim.placeProgram(defaultProgram, [100, 100], 100_000);
  for (let i = 0; i < warm; i++) {
    sim.step();
    sim.pruneDead();
  }
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'r',
    samplesPerChunk,
    accumulatedDeltaInterval: 5,
    samplingInterval: interval,
  });
  encoder.resetChanges();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const expected = new Map<number, Buffer[]>();
  const chunks: Uint8Array[] = [];
  let fullBytes = 0;
  for (let i = 0; i < ticks; i++) {
    sim.step();
    if (sim.tick % interval === 0) {
      const states = fullStates(sim);
      expected.set(sim.tick, states);
      for (const s of states) fullBytes += s.length;
      const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
      if (c) chunks.push(c.bytes);
    }
    sim.pruneDead();
  }
  const last = encoder.finishPartial();
  if (last) chunks.push(last.bytes);
  let samples = 0;
  let organisms = 0;
  let deltaBytes = 0;
  let bornBeforeAccumulated = 0;
  for (const bytes of chunks) {
    const chunk = TickDataChunk.decode(bytes);
    for (const d of chunk.deltas)
      for (const od of d.organismDeltas ?? []) deltaBytes += OrganismState.encode(od.state ?? {}).finish().length + 4;
    // Organisms born after the snapshot appear whole in ACCUMULATED samples (which are written against the snapshot).
    const inSnapshot = new Set((chunk.snapshot?.organisms ?? []).map((o) => o.organismId));
    for (const d of chunk.deltas)
      if (d.deltaType === 2)
        for (const od of d.organismDeltas ?? []) if (!inSnapshot.has(od.organismId)) bornBeforeAccumulated++;
    const timeline = new OrganismTimeline(chunk);
    // The same from the bytes, with deltas applied straight from the wire (what the organism index reads).
    const fromWire = OrganismTimeline.ofEncoded(bytes);
    expect(fromWire.sampledTicks).toEqual(timeline.sampledTicks);
    // Backwards too: going back starts over at the snapshot.
    for (const tick of [...timeline.sampledTicks].reverse()) {
      const rebuilt = timeline.at(tick)!.map((s) => Buffer.from(OrganismState.encode(s).finish()));
      const rebuiltFromWire = fromWire.at(tick)!.map((s) => Buffer.from(OrganismState.encode(s).finish()));
      // The briefs a list of organisms shows, rebuilt from the wire without registers and stacks, agree with the
      // states' (the briefs walk apart from the states: backwards here, forwards below).
      const briefs = JSON.stringify(fromWire.briefsAt(tick));
      const statesBriefs = JSON.stringify(timeline.at(tick)!.map(briefOf));
      if (briefs !== statesBriefs)
        expect(JSON.parse(briefs), `briefs at tick ${tick}`).toEqual(JSON.parse(statesBriefs));
      const want = expected.get(tick)!;
      // One organism's state alone (the organism detail), for a few organisms of every 5th sample.
      if (samples % 5 === 0) {
        for (const k of new Set([0, want.length >> 1, want.length - 1])) {
          if (k < 0) continue;
          const id = OrganismState.decode(want[k]!).organismId;
          const one = fromWire.stateAt(tick, id);
          if (!one || !Buffer.from(OrganismState.encode(one).finish()).equals(want[k]!))
            expect(one && OrganismState.toObject(one), `organism ${id} alone at tick ${tick}`).toEqual(
              OrganismState.toObject(OrganismState.decode(want[k]!)),
            );
        }
        expect(fromWire.stateAt(tick, 999_999)).toBeNull();
      }
      // One comparison per tick (deep equality of thousands of buffers would dominate the test); details on a mismatch.
      if (!Buffer.concat(rebuiltFromWire).equals(Buffer.concat(rebuilt)))
        expect(rebuiltFromWire, `tick ${tick} from the wire`).toEqual(rebuilt);
      if (!Buffer.concat(rebuilt).equals(Buffer.concat(want)) || rebuilt.length !== want.length) {
        expect(rebuilt.length, `tick ${tick}`).toBe(want.length);
        for (let k = 0; k < want.length; k++) {
          if (!rebuilt[k]!.equals(want[k]!))
            expect(OrganismState.decode(rebuilt[k]!).toJSON(), `tick ${tick}, organism #${k}`).toEqual(
              OrganismState.decode(want[k]!).toJSON(),
            );
        }
      }
      samples++;
      organisms += want.length;
    }
    // Forward, holding every sample's states: the wire path applies deltas in place, and what it handed out must not
    // change with the samples stepped through after it.
    const held = fromWire.sampledTicks.map((tick) => [tick, fromWire.at(tick)!] as const);
    const heldBriefs = fromWire.sampledTicks.map((tick) => [tick, fromWire.briefsAt(tick)!] as const);
    for (const [tick, briefs] of heldBriefs) {
      const want = JSON.stringify(OrganismTimeline.ofEncoded(bytes).at(tick)!.map(briefOf));
      if (JSON.stringify(briefs) !== want) expect.fail(`tick ${tick}: briefs handed out earlier changed (or differ)`);
    }
    for (const [tick, states] of held) {
      const got = Buffer.concat(states.map((s) => Buffer.from(OrganismState.encode(s).finish())));
      if (!got.equals(Buffer.concat(expected.get(tick)!)))
        expect.fail(`tick ${tick}: organisms handed out earlier changed as later samples were rebuilt`);
    }
  }
  expect(samples).toBe(expected.size);
  return { samples, organisms, deltaBytes, fullBytes, bornBeforeAccumulated };
}

/** The first chunk (20 samples) of replicators placed at `positions`; `each` sees every sampled tick. */
function firstChunk(seed: bigint, positions: number[][], each?: (sim: Simulation) => void): Uint8Array {
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed }));
  for (const p of positions) sim.placeProgram(program, p, 80_000);
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'r',
    samplesPerChunk: 20,
    accumulatedDeltaInterval: 5,
  });
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  encoder.resetChanges();
  for (;;) {
    sim.step();
    each?.(sim);
    const chunk = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1)?.bytes;
    if (chunk) return chunk;
  }
}

describe('organism deltas (storage format 2)', () => {
  it('rebuild every organism of every sampled tick byte for byte, through births, deaths and stack traffic', () => {
    const r = recordAndCompare(150_000, 3_000, 1, 50, 'default');
    expect(r.organisms).toBeGreaterThan(60_000);
    expect(r.bornBeforeAccumulated).toBeGreaterThan(0);
    // Deltas are much smaller than full states (the point of the format).
    expect(r.deltaBytes * 5).toBeLessThan(r.fullBytes);
  }, 60_000); // 14 s in CI, 20–21 s on a slow hour of this machine (the unit default is 20 s)

  it('stay exact when sampling every 7th tick, with long chunks', () => {
    const r = recordAndCompare(20_000, 7_000, 7, 200);
    expect(r.samples).toBe(1000);
  });

  it('rebuild a 3-D world byte for byte (pointers, registers and stack moving every few ticks)', () => {
    const r = recordAndCompare(100, 400, 1, 50, 'cube');
    expect(r.samples).toBe(400);
    expect(r.organisms).toBe(800);
  });

  it('reconstructTick gives the same organisms as the timeline', () => {
    const want = new Map<number, Buffer[]>();
    const chunk = firstChunk(3n, [[10, 10]], (sim) => want.set(sim.tick, fullStates(sim)));
    const decoded = TickDataChunk.decode(chunk);
    for (const tick of [Number(decoded.firstTick) + 7, Number(decoded.lastTick)]) {
      const got = reconstructTick(decoded, tick).organisms.map((s) => Buffer.from(OrganismState.encode(s).finish()));
      expect(got).toEqual(want.get(tick));
    }
  });

  it('rebuild the briefs and single states of full-state samples (format 1) and of placed organisms from the wire', () => {
    const chunk = firstChunk(11n, [
      [10, 10],
      [60, 60],
    ]);
    // The same samples as format 1 writes them: every delta sample with its organisms' full states.
    const decoded = TickDataChunk.decode(chunk);
    const states = new OrganismTimeline(decoded);
    const full = TickDataChunk.fromObject(decoded.toJSON());
    for (const d of full.deltas) {
      d.organisms = states.at(Number(d.tickNumber))!;
      d.organismDeltas = [];
    }
    const fullBytes = TickDataChunk.encode(full).finish();
    for (const bytes of [chunk, fullBytes]) {
      const wire = OrganismTimeline.ofEncoded(bytes);
      for (const tick of wire.sampledTicks) {
        const want = states.at(tick)!.map(briefOf);
        expect(want.map((b) => b.parentId)).toEqual([-1, -1]);
        expect(wire.briefsAt(tick), `tick ${tick}`).toEqual(want);
        for (const o of states.at(tick)!)
          expect(Buffer.from(OrganismState.encode(wire.stateAt(tick, o.organismId)!).finish())).toEqual(
            Buffer.from(OrganismState.encode(o).finish()),
          );
      }
      expect(wire.briefsAt(Number(decoded.lastTick) + 1)).toBeUndefined();
      expect(wire.stateAt(Number(decoded.lastTick) + 1, 1)).toBeUndefined();
    }
  });

  it('read briefs of edge values from the wire: ticks past 2^32, negative numbers, non-ASCII and long strings', () => {
    const states = [
      OrganismState.create({
        organismId: 7,
        parentId: -1,
        birthTick: 5_000_000_123,
        programId: 'réplicateur',
        energy: -42,
        ip: { components: [-3, 1_000_000] },
        dataPointers: [{ components: [0, -1] }, { components: [] }],
        activeDpIndex: 1,
        isDead: true,
        deathTick: 2 ** 40 + 5,
        entropyRegister: -7,
        genomeHash: 'f'.repeat(100),
        registers: [{ scalar: 9 }],
      }),
      OrganismState.create({ organismId: 8 }),
    ];
    for (const s of states) {
      const bytes = OrganismState.encode(s).finish();
      expect(briefOfEncodedState(bytes)).toEqual(briefOf(s));
    }
    // A delta naming every brief field, some absent from its state (they take their defaults), then changes.
    const delta = OrganismDelta.encode({
      organismId: 7,
      changedFields: 0xfffff,
      state: { organismId: 7, birthTick: 2 ** 33, energy: 10, dv: { components: [0, 1] } },
      energyChange: -15,
      entropyChange: 4,
    }).finish();
    const full = OrganismState.create(states[0]!.toJSON());
    applyOrganismDelta(full, OrganismDelta.decode(delta));
    expect(applyEncodedDeltaToBrief(briefOf(states[0]!), 7, delta)).toEqual(briefOf(full));
    expect(briefOf(full)).toMatchObject({ birthTick: 2 ** 33, energy: -5, entropyRegister: 4, ip: null });
  });

  it('refuses a delta whose register slots and values disagree', () => {
    const into = OrganismState.create({ organismId: 1, registers: [{ scalar: 1 }, { scalar: 2 }] });
    expect(() =>
      applyOrganismDelta(into, {
        organismId: 1,
        changedFields: 0,
        state: { registers: [{ scalar: 5 }] },
        registerSlots: [0, 1],
      } as never),
    ).toThrow(OrganismDeltaError);
    expect(() =>
      applyOrganismDelta(into, {
        organismId: 1,
        changedFields: 0,
        state: { registers: [{ scalar: 5 }] },
        registerSlots: [9],
      } as never),
    ).toThrow(/out of range/);
  });
});
