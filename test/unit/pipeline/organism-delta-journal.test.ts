import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { OrganismDelta, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { assembleChunk } from '../../../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder, type EncodedChunk } from '../../../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { COMMON_DELTA_FIELDS } from '../../../src/pipeline/engine/organism-wire.js';

const shape = [512, 512];
const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
const program = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
);

/** Ticks before recording: by then the replicator has ~13 offspring (births, deaths, stack and register traffic). */
const WARM = 40_000;

/** Every chunk of `ticks` ticks of the node's default world after WARM ticks. */
function record(ticks: number, defer: boolean, recycle = false): { chunks: EncodedChunk[]; recycled: number } {
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 42n }));
  sim.placeProgram(program, [100, 100], 100_000);
  for (let i = 0; i < WARM; i++) {
    sim.step();
    sim.pruneDead();
  }
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'journal',
    samplesPerChunk: 40,
    accumulatedDeltaInterval: 7,
    deferOrganismDeltas: defer,
  });
  encoder.resetChanges();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const chunks: EncodedChunk[] = [];
  let recycled = 0;
  const givenBack = new Set<ArrayBufferLike>();
  for (let i = 0; i < ticks; i++) {
    sim.step();
    const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
    if (c) {
      if (c.deferred && givenBack.has(c.deferred.ints.buffer)) recycled++;
      chunks.push(c);
      if (recycle && c.deferred) {
        // What the main thread does: write the bytes, give the buffer back (a copy of the records is kept here).
        const buffer = c.deferred.ints.buffer as ArrayBuffer;
        chunks[chunks.length - 1] = { ...c, bytes: assembleChunk(c.bytes, c.deferred), deferred: undefined };
        givenBack.add(buffer);
        encoder.recycleJournal(buffer);
      }
    }
    sim.pruneDead();
  }
  const last = encoder.finishPartial();
  if (last) chunks.push(last);
  return { chunks, recycled };
}

describe('deferred organism deltas (journal records written into the chunk on another thread)', () => {
  const direct = record(4000, false).chunks;
  const deferred = record(4000, true).chunks;

  it('assemble to the bytes an encoder writes directly, chunk for chunk', () => {
    expect(deferred.length).toBe(direct.length);
    expect(direct.length).toBeGreaterThan(50);
    let organismDeltas = 0;
    let fullStates = 0;
    let rarer = 0;
    for (let k = 0; k < direct.length; k++) {
      const d = deferred[k]!;
      const hasDeltas = TickDataChunk.decode(direct[k]!.bytes).deltas.length > 0;
      // A chunk of a snapshot alone (the last, partial one) has nothing to defer.
      expect(d.deferred !== undefined, `chunk ${k}`).toBe(hasDeltas);
      if (hasDeltas) expect(d.bytes.length).toBeLessThan(direct[k]!.bytes.length);
      const assembled = d.deferred ? assembleChunk(d.bytes, d.deferred) : d.bytes;
      expect(Buffer.from(assembled).equals(Buffer.from(direct[k]!.bytes)), `chunk ${k}`).toBe(true);
      for (const delta of TickDataChunk.decode(assembled).deltas)
        for (const od of delta.organismDeltas ?? []) {
          organismDeltas++;
          if (od.changedFields === (1 << 27) - 1) fullStates++;
          else if (((od.changedFields ?? 0) & ~COMMON_DELTA_FIELDS) !== 0) rarer++;
        }
    }
    // The run exercised every kind of record: common deltas, whole states (organisms new to a chunk) and deltas
    // with rarer fields (stacks, deaths), the last two as finished bytes.
    expect(organismDeltas).toBeGreaterThan(50_000);
    expect(fullStates).toBeGreaterThan(0);
    expect(rarer).toBeGreaterThan(0);
  });

  it('write every organism delta as the generated protobuf encoder does (canonical bytes)', () => {
    let checked = 0;
    for (const c of deferred) {
      if (!c.deferred) continue;
      const assembled = assembleChunk(c.bytes, c.deferred);
      const decoded = TickDataChunk.decode(assembled);
      for (const delta of decoded.deltas) checked += delta.organismDeltas?.length ?? 0;
      // The chunk re-encodes to itself: every varint minimal, every field in order, nothing extra.
      const reencoded = TickDataChunk.encode(decoded).finish();
      expect(Buffer.from(reencoded).equals(Buffer.from(assembled)), `chunk at tick ${c.firstTick}`).toBe(true);
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('reuses a record buffer the assembling thread gave back, with the same bytes', () => {
    const { chunks, recycled } = record(4000, true, true);
    expect(recycled).toBeGreaterThan(10);
    for (let k = 0; k < direct.length; k++)
      expect(Buffer.from(chunks[k]!.bytes).equals(Buffer.from(direct[k]!.bytes)), `chunk ${k}`).toBe(true);
  });

  it('writes TickDeltas whose length takes one, two or three bytes, after the chunk bytes before them', () => {
    // Three TickDeltas after a header field, with 1, 20 and 2,000 organism deltas given as finished bytes (RAW
    // records): bodies of < 128 B, < 16 KB and more, the lengths the assembler reserves two bytes for and shifts.
    const counts = [1, 20, 2000];
    const expected = TickDataChunk.encode({
      simulationRunId: 'sizes',
      deltas: counts.map((n, d) => ({
        tickNumber: d + 1,
        organismDeltas: Array.from({ length: n }, (_, i) => ({ organismId: 1000 + i, energyChange: -i })),
      })),
    }).finish();
    const raw: number[] = [];
    const ints: number[] = [];
    const index: number[] = [];
    const head = TickDataChunk.encode({ simulationRunId: 'sizes' }).finish();
    const bytes: number[] = [...head];
    counts.forEach((n, d) => {
      index.push(bytes.length, ints.length);
      bytes.push(...TickDataChunk.encode({ deltas: [{ tickNumber: d + 1 }] }).finish());
      for (let i = 0; i < n; i++) {
        const od = OrganismDelta.encode({ organismId: 1000 + i, energyChange: -i }).finish();
        ints.push(2, raw.length, od.length + 2);
        raw.push(0x32, od.length, ...od);
      }
      index.push(ints.length);
    });
    const assembled = assembleChunk(Uint8Array.from(bytes), {
      index: Int32Array.from(index),
      ints: Int32Array.from(ints),
      raw: Uint8Array.from(raw),
    });
    expect(Buffer.from(assembled).equals(Buffer.from(expected))).toBe(true);
    const lengths = TickDataChunk.decode(assembled).deltas.map((t) => t.organismDeltas?.length);
    expect(lengths).toEqual(counts);
  });

  it('refuses an index that does not point at the chunk TickDeltas, naming the byte', () => {
    const d = deferred[3]!;
    const index = d.deferred!.index.slice();
    index[3] = index[3]! + 1;
    expect(() => assembleChunk(d.bytes, { ...d.deferred!, index })).toThrow(/no TickDelta at byte \d+/);
    const records = { ...d.deferred!, ints: d.deferred!.ints.slice() };
    records.ints[0] = 9;
    expect(() => assembleChunk(d.bytes, records)).toThrow(/unknown record kind 9/);
  });
});
