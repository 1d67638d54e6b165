/** The artifact: determinism, program id, JSON round trip, source map, label maps. */
import { describe, expect, it } from 'vitest';
import { compileSource, computeProgramId, javaStringHashCode } from '../../../src/compiler/index.js';
import { ok } from './helpers.js';

const PROGRAM = [
  '.REG %A %DR0',
  '.PLACE DATA:7 3|4',
  'START: SETI %A DATA:5',
  '  CALL P REF %A',
  '  JMPI START',
  '.PROC P REF X',
  '  INCR X',
  '  RET',
  '.ENDP',
].join('\n');

describe('ProgramArtifact', () => {
  it('is deterministic: the same source gives an identical artifact', () => {
    expect(JSON.stringify(ok(PROGRAM))).toBe(JSON.stringify(ok(PROGRAM)));
  });

  it('has a program id that is a hash of the layout (code and world objects), not of the text', () => {
    const a = ok(PROGRAM);
    expect(a.programId).toMatch(/^[0-9a-f]{16}$/);
    expect(ok(`# a comment\n${PROGRAM.replace('START:', 'START:   ')}`).programId).toBe(a.programId);
    expect(ok(PROGRAM.replace('DATA:5', 'DATA:6')).programId).not.toBe(a.programId);
    expect(ok(PROGRAM.replace('DATA:7 3|4', 'DATA:7 3|5')).programId).not.toBe(a.programId);
    expect(computeProgramId(a.machineCodeLayout, a.initialWorldObjects)).toBe(a.programId);
  });

  it('survives a JSON round trip unchanged', () => {
    const a = ok(PROGRAM);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('describes cells, world objects, labels, aliases, procedures and sources', () => {
    const a = ok(PROGRAM);
    expect(a.formatVersion).toBe(1);
    expect(a.world).toEqual({ shape: [64, 64], toroidal: true });
    expect(a.mainFile).toBe('main.evo');
    expect(a.machineCodeLayout[0]).toEqual({
      coord: [0, 0],
      molecule: 0x400000 | (javaStringHashCode('START') & 0x7ffff),
    });
    expect(a.initialWorldObjects).toEqual([{ coord: [3, 4], molecule: 0x100007, type: 1, value: 7, marker: 0 }]);
    expect(a.labels.map((l) => [l.name, l.coord.join('|'), l.address])).toEqual([
      ['START', '0|0', 0],
      ['P', '12|0', 12],
    ]);
    expect(a.labelValueToName[String(a.labelNameToValue.START)]).toBe('START');
    expect(a.registerAliasMap).toEqual({ '%A': 0 });
    expect(a.procNameToParamNames).toEqual({ P: [{ name: 'X', type: 'REF' }] });
    expect(a.sources['main.evo']).toEqual(PROGRAM.split('\n'));
  });

  it('maps every cell back to its source; marshalling code points at its CALL', () => {
    const a = ok(PROGRAM);
    expect(a.sourceMap).toHaveLength(a.machineCodeLayout.length);
    const lines = a.sourceMap.map((s) => s.line);
    expect(lines.slice(0, 4)).toEqual([3, 3, 3, 3]); // START SETI %A DATA:5
    expect(lines.slice(4, 10)).toEqual([4, 4, 4, 4, 4, 4]); // PUSH %A CALL P POP %A
    expect(a.sourceMap[5]).toEqual({ file: 'main.evo', line: 4, column: 3 });
  });

  it('uses the world shape: a 3-D world gives 3-cell vectors and 3-component coordinates', () => {
    const r = compileSource('SETV %DR0 1|2|3', { world: { shape: [4, 4, 4], toroidal: false } });
    expect(r.artifact!.machineCodeLayout.map((c) => c.coord)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
      [3, 0, 0],
      [4, 0, 0],
    ]);
    expect(r.artifact!.world.toroidal).toBe(false);
  });

  it('defaults to a 100x100 torus', () => {
    expect(compileSource('NOP').artifact!.world).toEqual({ shape: [100, 100], toroidal: true });
  });
});
