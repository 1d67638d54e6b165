import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { TickDelta } from '../../../src/pipeline/contracts/index.js';
import { organismState } from '../../../src/pipeline/engine/organism-encoder.js';
import { writeOrganism } from '../../../src/pipeline/engine/organism-wire.js';
import { ProtoWriter } from '../../../src/pipeline/engine/proto-writer.js';
import { readVarint } from '../../../src/pipeline/contracts/framing.js';

describe('hand-written OrganismState wire encoding', () => {
  it('decodes to exactly what the generated encoder produces, for replicators over many ticks', () => {
    const shape = [80, 80];
    const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
    const program = programFromArtifact(
      compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
    );
    const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 11n }));
    sim.placeProgram(program, [10, 10], 60000);
    sim.placeProgram(program, [50, 40], 60000);
    const w = new ProtoWriter(16);
    let compared = 0;
    let sawVectorRegister = false;
    for (let t = 0; t < 1500; t++) {
      sim.step();
      if (t % 7 === 0) {
        w.reset();
        w.tag(0x08);
        w.varint(sim.tick);
        for (const o of sim.organisms) writeOrganism(w, 0x22, o);
        const mine = TickDelta.decode(w.finish()).toJSON();
        const theirs = TickDelta.decode(
          TickDelta.encode({ tickNumber: sim.tick, organisms: sim.organisms.map(organismState) }).finish(),
        ).toJSON();
        expect(mine).toEqual(theirs);
        // Canonical: the generated encoder writes the very same bytes.
        expect(
          Buffer.from(TickDelta.encode(TickDelta.decode(w.finish())).finish()).equals(Buffer.from(w.finish())),
        ).toBe(true);
        compared += sim.organisms.length;
        sawVectorRegister ||= JSON.stringify(mine).includes('"vector"');
      }
      sim.pruneDead();
    }
    expect(compared).toBeGreaterThan(300);
    expect(sawVectorRegister).toBe(true);
  });

  for (const dims of [2, 14]) {
    it(`sizes lengths right at every boundary (${dims} dimensions: tiny, 2-byte and 3-byte bodies, negative values)`, () => {
      const shape = Array.from({ length: dims }, (_, d) => (d < 2 ? 40 : 2));
      const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 2n, plugins: [] }));
      sim.placeProgram(
        programFromArtifact(compileSourceOrThrow('NOP\n', { world: { shape, toroidal: true } }, 'nop.evo')),
        shape.map(() => 1),
        500,
      );
      const o = sim.organisms[0]!;
      expect(o.dims).toBe(dims);
      // 13 components of -7 are 130 bytes packed: at 14 dimensions vector lengths need two bytes.
      const vec: number[] = Array.from({ length: dims }, (_, d) => (d === 0 ? 0 : -7));
      for (const depth of [0, 1, 300, 1000]) {
        while (o.dsLen < depth) {
          vec[0] = o.dsLen * 1000;
          if (o.dsLen % 3 === 0) o.pushScalar(-o.dsLen - 1);
          else o.pushVector(vec, 0);
        }
        const w = new ProtoWriter(4);
        writeOrganism(w, 0x22, o);
        if (depth === 1000) expect(w.pos).toBeGreaterThan(16_384 + 4);
        const ours = Buffer.from(w.finish());
        const theirs = Buffer.from(TickDelta.encode({ organisms: [organismState(o)] }).finish());
        expect(ours.equals(theirs)).toBe(true);
      }
    });
  }

  it('writes position vectors like the generated encoder on both sides of the 1- and 2-byte component sizes', () => {
    const shape = [40, 40];
    const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 3n, plugins: [] }));
    sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('NOP\n', { world: { shape, toroidal: true } }, 'nop.evo')),
      [1, 1],
      500,
    );
    const o = sim.organisms[0]!;
    const values = [0, 1, 127, 128, 300, 16383, 16384, 70000, 2 ** 31 - 1, -1, -16384];
    let compared = 0;
    for (const x of values)
      for (const y of values) {
        o.ip[0] = x;
        o.ip[1] = y;
        o.dps[0] = y;
        o.dps[1] = x;
        const w = new ProtoWriter(4);
        writeOrganism(w, 0x22, o);
        const ours = Buffer.from(w.finish());
        const theirs = Buffer.from(TickDelta.encode({ organisms: [organismState(o)] }).finish());
        expect(ours.equals(theirs), `ip ${x},${y}`).toBe(true);
        compared++;
      }
    expect(compared).toBe(values.length ** 2);
  });

  it('writes varints like protobuf: negatives as 10 bytes, large values, long nested bodies', () => {
    const w = new ProtoWriter(1);
    w.varint(-1);
    expect(Array.from(w.finish())).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    w.reset();
    w.varint(2 ** 40 + 5);
    w.varint(-(2 ** 33));
    const bytes = w.finish();
    expect(bytes.length).toBe(6 + 10);
    expect(readVarint(bytes, 0)).toEqual([2 ** 40 + 5, 6]);
    // -(2^33) as a 64-bit two's complement varint decodes (through protobuf int64) back to -(2^33).
    const d = TickDelta.decode(Uint8Array.from([0x08, ...bytes.subarray(6)]));
    expect(d.tickNumber).toBe(-(2 ** 33));
    w.reset();
    w.tag(0x0a);
    w.fork();
    for (let i = 0; i < 300; i++) w.tag(7);
    w.ldelim();
    const out = w.finish();
    expect(Array.from(out.subarray(0, 3))).toEqual([0x0a, 0xac, 0x02]);
    expect(out.length).toBe(303);
  });

  it('writes every negative int32 as protobuf does, at each 7-bit boundary and the extremes', () => {
    const values = [
      -1,
      -2,
      -127,
      -128,
      -129,
      -(2 ** 14),
      -(2 ** 21) - 1,
      -(2 ** 28),
      -(2 ** 28) - 1,
      -(2 ** 31) + 1,
      -(2 ** 31),
    ];
    for (let k = 0; k < 200; k++) values.push(-Math.floor(Math.random() * 2 ** 31) - 1);
    for (const v of values) {
      const w = new ProtoWriter(1);
      w.varint(v);
      expect(Array.from(w.finish()), String(v)).toEqual(Array.from(protobuf.Writer.create().int32(v).finish()));
    }
  });
});
