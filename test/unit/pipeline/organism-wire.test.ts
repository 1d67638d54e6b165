import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { TickDelta } from '../../../src/pipeline/contracts/index.js';
import { organismState } from '../../../src/pipeline/engine/organism-encoder.js';
import { writeOrganism, writeOrganismGeneral } from '../../../src/pipeline/engine/organism-wire.js';
import { ProtoWriter } from '../../../src/pipeline/engine/proto-writer.js';
import { readVarint } from '../../../src/pipeline/contracts/framing.js';

describe('hand-written OrganismState wire encoding', () => {
  it('decodes to exactly what the generated encoder produces, for replicators over many ticks', () => {
    const shape = [80, 80];
    const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
    const program = programFromArtifact(compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'));
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
        const theirs = TickDelta.decode(TickDelta.encode({ tickNumber: sim.tick, organisms: sim.organisms.map(organismState) }).finish()).toJSON();
        expect(mine).toEqual(theirs);
        // The fast path and the general one (used beyond 12 dimensions) write the same bytes.
        const general = new ProtoWriter(16);
        general.tag(0x08);
        general.varint(sim.tick);
        for (const o of sim.organisms) writeOrganismGeneral(general, 0x22, o);
        expect(Buffer.from(general.finish()).equals(Buffer.from(w.finish()))).toBe(true);
        compared += sim.organisms.length;
        sawVectorRegister ||= JSON.stringify(mine).includes('"vector"');
      }
      sim.pruneDead();
    }
    expect(compared).toBeGreaterThan(300);
    expect(sawVectorRegister).toBe(true);
  });

  it('sizes lengths right at every boundary: tiny, 2-byte and 3-byte organism bodies, negative values', () => {
    const shape = [40, 40];
    const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 2n, plugins: [] }));
    sim.placeProgram(programFromArtifact(compileSourceOrThrow('NOP\n', { world: { shape, toroidal: true } }, 'nop.evo')), [3, 3], 500);
    const o = sim.organisms[0]!;
    for (const depth of [0, 1, 300, 1000]) {
      while (o.dsLen < depth) o.dsLen % 3 === 0 ? o.pushScalar(-o.dsLen - 1) : o.pushVector([o.dsLen * 1000, -7], 0);
      const fast = new ProtoWriter(4);
      writeOrganism(fast, 0x22, o);
      if (depth === 1000) expect(fast.pos).toBeGreaterThan(16_384 + 4);
      const general = new ProtoWriter(4);
      writeOrganismGeneral(general, 0x22, o);
      expect(Buffer.from(fast.finish()).equals(Buffer.from(general.finish()))).toBe(true);
      const decoded = TickDelta.decode(fast.finish()).toJSON();
      expect(decoded).toEqual(TickDelta.decode(TickDelta.encode({ organisms: [organismState(o)] }).finish()).toJSON());
    }
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
});
