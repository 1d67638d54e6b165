/** Every EvoASM directive and construct, checked on small in-memory programs. */
import { describe, expect, it } from 'vitest';
import { labelHash } from '../../../src/compiler/index.js';
import { code, coords, errorSummary, ok, WORLD_3D } from './helpers.js';

describe('labels and instructions', () => {
  it('lays out labels, opcodes and operands along +x from 0|0', () => {
    const a = ok('START:\n  SETI %DR0 DATA:5\n  JMPI START');
    expect(coords(a)).toEqual(['0|0', '1|0', '2|0', '3|0', '4|0', '5|0']);
    expect(code('START:\n  SETI %DR0 DATA:5\n  JMPI START')).toBe('LABEL:START SETI %DR0 DATA:5 JMPI START');
  });

  it('accepts a label before an instruction on the same line, any case, forward references', () => {
    expect(code('loop: JMPI Far\nfar: jmpi LOOP')).toBe('LABEL:LOOP JMPI FAR LABEL:FAR JMPI LOOP');
  });

  it('hashes qualified upper-case label names (Java hashCode & 0x7FFFF)', () => {
    const a = ok('START: NOP');
    expect(a.labelNameToValue).toEqual({ START: 52290 });
    expect(labelHash('start')).toBe(52290);
    expect(a.machineCodeLayout[0]!.molecule).toBe(0x400000 | 52290);
  });

  it('treats semicolons as statement separators and # as comments', () => {
    expect(code('NOP ; nop;NOP # NOP NOP')).toBe('NOP NOP NOP');
  });

  it('emits untyped immediates as DATA and keeps typed ones', () => {
    expect(code('SETI %DR0 5\nSETI %DR1 ENERGY:7\nSETI %DR2 STRUCTURE:-1\nSETI %DR3 CODE:0')).toBe(
      'SETI %DR0 DATA:5 SETI %DR1 ENERGY:7 SETI %DR2 STRUCTURE:-1 SETI %DR3 NOP',
    );
  });

  it('accepts the whole 20-bit range and unsigned hex up to 0xFFFFF', () => {
    expect(code('PUSI DATA:524287\nPUSI DATA:-524288\nPUSI DATA:0xFFFFF')).toBe(
      'PUSI DATA:524287 PUSI DATA:-524288 PUSI DATA:-1',
    );
  });

  it('lays vector operands out as one DATA cell per dimension', () => {
    expect(code('SETV %DR0 1|-2')).toBe('SETV %DR0 DATA:1 DATA:-2');
    expect(code('SETV %DR0 1|-2|3', {}, { world: WORLD_3D })).toBe('SETV %DR0 DATA:1 DATA:-2 DATA:3');
  });

  it('encodes location registers and label operands of location instructions', () => {
    expect(code('L: LRLI %LR2 L\nPSLI L\nSKJI L\nDPLR %LR0')).toBe('LABEL:L LRLI %LR2 L PSLI L SKJI L DPLR %LR0');
  });
});

describe('.ORG and .DIR', () => {
  it('.ORG moves the cursor relative to the module base', () => {
    const a = ok('.ORG 5|3\nNOP\n.ORG 0|0\nNOP');
    expect(coords(a)).toEqual(['5|3', '0|0']);
  });

  it('.DIR changes the direction after the already-chosen next cell', () => {
    const a = ok('NOP\n.DIR 0|1\nNOP\nNOP\n.DIR -1|0\nNOP\nNOP');
    expect(coords(a)).toEqual(['0|0', '1|0', '1|1', '1|2', '0|2']);
  });

  it('lays vector operands along .DIR and allows negative coordinates', () => {
    const a = ok('.DIR -1|0\nSETV %DR0 1|2');
    expect(coords(a)).toEqual(['0|0', '-1|0', '-2|0', '-3|0']);
  });

  it('works in 3-D', () => {
    const a = ok('.ORG 0|2|0\n.DIR 0|0|1\nU: NOP', {}, { world: WORLD_3D });
    expect(coords(a)).toEqual(['0|2|0', '0|2|1']);
  });
});

describe('.DEFINE and .REG', () => {
  it('substitutes constants of every kind, including a constant naming another', () => {
    expect(
      code(
        '.DEFINE C DATA:42\n.DEFINE L C\n.DEFINE F ENERGY:500\n.DEFINE E CODE:0\n.DEFINE V 1|0\nSETI %DR0 L\nSETI %DR1 F\nSETI %DR2 E\nSETV %DR3 V',
      ),
    ).toBe('SETI %DR0 DATA:42 SETI %DR1 ENERGY:500 SETI %DR2 NOP SETV %DR3 DATA:1 DATA:0');
  });

  it('allows constants to be used before they are defined', () => {
    expect(code('SETI %DR0 LATER\n.DEFINE LATER DATA:1')).toBe('SETI %DR0 DATA:1');
  });

  it('defines register aliases (case-insensitive), also for location registers, listed in the artifact', () => {
    const a = ok('.REG %cnt %DR2\n.REG %HOME %LR1\nINCR %CNT\nDPLR %home');
    expect(a.registerAliasMap).toEqual({ '%CNT': 2, '%HOME': 257 });
    expect(code('.REG %cnt %DR2\n.REG %HOME %LR1\nINCR %CNT\nDPLR %home')).toBe('INCR %DR2 DPLR %LR1');
  });
});

describe('.PLACE', () => {
  const objects = (src: string, world = { shape: [8, 8], toroidal: true }) =>
    ok(src, {}, { world }).initialWorldObjects.map((o) => `${o.coord.join('|')}=${o.type}:${o.value}`);

  it('places single vectors and comma lists', () => {
    expect(objects('.PLACE DATA:7 3|4\n.PLACE ENERGY:8 1|1, 2|2')).toEqual(['1|1=2:8', '2|2=2:8', '3|4=1:7']);
  });

  it('expands ranges (also negative and descending), stepped ranges and wildcards', () => {
    expect(objects('.PLACE STRUCTURE:1 -1..1|0')).toEqual(['-1|0=3:1', '0|0=3:1', '1|0=3:1']);
    expect(objects('.PLACE STRUCTURE:1 2..0|0')).toEqual(['0|0=3:1', '1|0=3:1', '2|0=3:1']);
    expect(objects('.PLACE DATA:1 0:3:7|1')).toEqual(['0|1=1:1', '3|1=1:1', '6|1=1:1']);
    expect(objects('.PLACE DATA:1 1|*')).toHaveLength(8);
    expect(objects('.PLACE DATA:1 0..1|0..1')).toEqual(['0|0=1:1', '0|1=1:1', '1|0=1:1', '1|1=1:1']);
  });

  it('is relative to the module base, not to .ORG, and may overlap code', () => {
    const a = ok('.ORG 3|3\nNOP\n.PLACE DATA:9 3|3');
    expect(coords(a)).toEqual(['3|3']);
    expect(a.initialWorldObjects.map((o) => o.coord.join('|'))).toEqual(['3|3']);
  });

  it('handles 3-D placements with a wildcard on z', () => {
    expect(objects('.PLACE DATA:5 1|1|*', { shape: [4, 4, 3], toroidal: false })).toEqual([
      '1|1|0=1:5',
      '1|1|1=1:5',
      '1|1|2=1:5',
    ]);
  });
});

describe('.MACRO and repetition', () => {
  it('expands macros with 0, 1 and several parameters, including a label parameter', () => {
    const src = [
      '.MACRO FENCE',
      '  NOP',
      '.ENDM',
      '.MACRO BUMP R',
      '  ADDI R DATA:2',
      '.ENDM',
      '.MACRO STEP R LIMIT TARGET',
      '  INCR R',
      '  LTI R LIMIT',
      '  JMPI TARGET',
      '.ENDM',
      'S: FENCE',
      'BUMP %DR0',
      'STEP %DR1 DATA:5 S',
    ].join('\n');
    expect(code(src)).toBe('LABEL:S NOP ADDI %DR0 DATA:2 INCR %DR1 LTI %DR1 DATA:5 JMPI S');
  });

  it('repeats a statement with X^n, an instruction with operands, and .REPEAT n X', () => {
    expect(code('NOP^3')).toBe('NOP NOP NOP');
    expect(code('INCR %DR2^2')).toBe('INCR %DR2 INCR %DR2');
    expect(code('.REPEAT 2 DECR %DR3')).toBe('DECR %DR3 DECR %DR3');
    expect(code('NOP^0')).toBe('');
  });

  it('repeats blocks with .REPEAT … .ENDR (newline and ; forms, nested), keeping the next line separate', () => {
    expect(code('.REPEAT 2\n  PUSI DATA:1\n  DROP\n.ENDR\nSWAP')).toBe('PUSI DATA:1 DROP PUSI DATA:1 DROP SWAP');
    expect(code('.REPEAT 2; SWAP; .ENDR')).toBe('SWAP SWAP');
    expect(code('.REPEAT 2\n.REPEAT 2\nNOP\n.ENDR\nDUP\n.ENDR')).toBe('NOP NOP DUP NOP NOP DUP');
  });

  it('expands macros inside repeated blocks and macros using macros', () => {
    expect(code('.MACRO A\nNOP\n.ENDM\n.MACRO B\nA\nDUP\n.ENDM\n.REPEAT 2\nB\n.ENDR')).toBe('NOP DUP NOP DUP');
  });
});

describe('.PROC and CALL', () => {
  it('marshals REF and VAL arguments and writes a prologue and RET epilogue', () => {
    const src = ['S: CALL P REF %DR0 VAL %DR1', '.PROC P REF A VAL B', '  ADDR A B', '  RET', '.ENDP'].join('\n');
    expect(code(src)).toBe(
      'LABEL:S PUSH %DR1 PUSH %DR0 CALL P POP %DR0 LABEL:P POP %FDR0 POP %FDR1 ADDR %FDR0 %FDR1 PUSH %FDR0 RET',
    );
    expect(ok(src).procNameToParamNames).toEqual({
      P: [
        { name: 'A', type: 'REF' },
        { name: 'B', type: 'VAL' },
      ],
    });
  });

  it('pushes VAL literals with PUSI and vectors with PUSV; pops several REFs back in reverse', () => {
    const src = ['CALL P REF %DR0 %DR1 VAL DATA:3 1|0', '.PROC P REF A B VAL C D', '  RET', '.ENDP'].join('\n');
    expect(code(src)).toBe(
      'PUSV DATA:1 DATA:0 PUSI DATA:3 PUSH %DR1 PUSH %DR0 CALL P POP %DR1 POP %DR0 ' +
        'LABEL:P POP %FDR0 POP %FDR1 POP %FDR2 POP %FDR3 PUSH %FDR0 PUSH %FDR1 RET',
    );
  });

  it('marshals LREF and LVAL (label via PSLI, register via PUSL) through the location stack', () => {
    const src = [
      'T: CALL M REF %DR1 VAL DATA:2 LREF %LR1 LVAL %LR0',
      'CALL V LREF %LR0 LVAL T',
      '.PROC M REF R VAL V LREF L LVAL X',
      '  LRLR L X',
      '  RET',
      '.ENDP',
      '.PROC V LREF W LVAL G',
      '  RET',
      '.ENDP',
    ].join('\n');
    expect(code(src)).toBe(
      'LABEL:T PUSI DATA:2 PUSH %DR1 PUSL %LR0 PUSL %LR1 CALL M POPL %LR1 POP %DR1 ' +
        'PSLI T PUSL %LR0 CALL V POPL %LR0 ' +
        'LABEL:M POP %FDR0 POP %FDR1 POPL %FLR0 POPL %FLR1 LRLR %FLR0 %FLR1 PUSL %FLR0 PUSH %FDR0 RET ' +
        'LABEL:V POPL %FLR0 POPL %FLR1 PUSL %FLR0 RET',
    );
  });

  it('scopes .REG inside a .PROC and allows proc-local registers there', () => {
    const a = ok('.PROC P\n  .REG %TMP %PDR0\n  SETI %TMP DATA:1\n  RET\n.ENDP');
    expect(a.registerAliasMap).toEqual({ '%TMP': 512 });
  });

  it('rewrites a conditional directly before a marshalled CALL into a jump over the whole sequence', () => {
    const src = [
      'GTI %DR0 DATA:3',
      '  CALL P REF %DR0',
      'IFER',
      '  CALL P REF %DR0',
      '.PROC P REF X',
      '  RET',
      '.ENDP',
    ].join('\n');
    expect(code(src)).toBe(
      'LETI %DR0 DATA:3 JMPI _SAFE_CALL_0 PUSH %DR0 CALL P POP %DR0 LABEL:_SAFE_CALL_0 ' +
        'INER JMPI _SAFE_CALL_1 PUSH %DR0 CALL P POP %DR0 LABEL:_SAFE_CALL_1 ' +
        'LABEL:P POP %FDR0 PUSH %FDR0 RET',
    );
  });

  it('rewrites a conditional directly before a RET that pushes REF results', () => {
    const src = ['.PROC P REF X', '  LTI X DATA:10', '    RET', '  RET', '.ENDP'].join('\n');
    expect(code(src)).toBe(
      'LABEL:P POP %FDR0 GETI %FDR0 DATA:10 JMPI _SAFE_RET_0 PUSH %FDR0 RET LABEL:_SAFE_RET_0 PUSH %FDR0 RET',
    );
  });

  it('leaves single-instruction CALL and RET after a conditional alone', () => {
    expect(code('GTI %DR0 DATA:3\nCALL P\n.PROC P\nIFER\nRET\n.ENDP')).toBe('GTI %DR0 DATA:3 CALL P LABEL:P IFER RET');
  });

  it('EXPORT .PROC and EXPORT labels are visible to importers', () => {
    const files = { 'm.evo': 'EXPORT .PROC F\n RET\n.ENDP\nEXPORT E: NOP' };
    expect(code('.IMPORT "m.evo" AS M\nCALL M.F\nJMPI M.E', files)).toBe(
      'LABEL:M.F RET LABEL:M.E NOP CALL M.F JMPI M.E',
    );
  });
});

describe('modules', () => {
  it('.IMPORT inlines a module at the cursor, qualifies its names, restores .DIR but not the cursor', () => {
    const files = {
      'lib/w.evo': '.DIR 0|1\nEXPORT .DEFINE STEPS DATA:4\nEXPORT GO: NOP\nPRIVATE: JMPI PRIVATE\n.PLACE DATA:1 0|0',
    };
    const a = ok('.ORG 0|4\n.IMPORT "lib/w.evo" AS W\nNOP\n.ORG 0|0\nSETI %DR0 W.STEPS\nJMPI W.GO', files);
    expect(coords(a)).toEqual(['0|4', '0|5', '0|6', '0|7', '0|8', '0|9', '0|0', '1|0', '2|0', '3|0', '4|0']);
    expect(listing0(a)).toContain('LABEL:W.PRIVATE');
    expect(a.initialWorldObjects.map((o) => o.coord.join('|'))).toEqual(['0|4']);
  });

  it('can import the same file twice under two aliases (two instances)', () => {
    const files = { 'c.evo': 'EXPORT T: NOP' };
    expect(code('.IMPORT "c.evo" AS A\n.IMPORT "c.evo" AS B\nJMPI A.T\nJMPI B.T', files)).toBe(
      'LABEL:A.T NOP LABEL:B.T NOP JMPI A.T JMPI B.T',
    );
  });

  it('binds a .REQUIRE with USING so the module calls the importer-provided instance', () => {
    const files = {
      'lib/math.evo': 'EXPORT .DEFINE ONE DATA:1\nEXPORT .PROC ADD\n  ADDS\n  RET\n.ENDP',
      'lib/stats.evo':
        '.REQUIRE "lib/math.evo" AS MATH\nEXPORT .PROC SUM\n  CALL MATH.ADD\n  PUSI MATH.ONE\n  RET\n.ENDP',
    };
    expect(code('.IMPORT "lib/math.evo" AS M\n.IMPORT "lib/stats.evo" AS ST USING M AS MATH\nCALL ST.SUM', files)).toBe(
      'LABEL:M.ADD ADDS RET LABEL:ST.SUM CALL M.ADD PUSI DATA:1 RET CALL ST.SUM',
    );
  });

  it('.SOURCE includes text: its constants, aliases, macros and labels belong to the includer', () => {
    const files = {
      'inc/defs.evo': '.DEFINE LIMIT DATA:3\n.REG %CTR %DR4\n.MACRO DOWN R\n  DECR R\n.ENDM',
      'inc/tail.evo': 'TAIL: JMPI TAIL',
    };
    expect(code('.SOURCE "inc/defs.evo"\nSETI %CTR LIMIT\nDOWN %CTR\nJMPI TAIL\n.SOURCE "inc/tail.evo"', files)).toBe(
      'SETI %DR4 DATA:3 DECR %DR4 JMPI TAIL LABEL:TAIL JMPI TAIL',
    );
  });

  it('lets a module use an exported constant above its .IMPORT line', () => {
    expect(code('SETI %DR0 W.K\n.IMPORT "w.evo" AS W', { 'w.evo': 'EXPORT .DEFINE K DATA:4' })).toBe(
      'SETI %DR0 DATA:4',
    );
  });
});

function listing0(a: ReturnType<typeof ok>): string {
  return Object.keys(a.labelNameToValue)
    .map((n) => `LABEL:${n}`)
    .join(' ');
}

describe('label syntax details', () => {
  it('accepts a label glued to its instruction and tells it from a typed literal', () => {
    expect(code('L:NOP\nSETI %DR0 DATA:5\nJMPI L')).toBe('LABEL:L NOP SETI %DR0 DATA:5 JMPI L');
  });

  it('rejects declared names containing a dot', () => {
    expect(errorSummary('A.B: NOP\n.DEFINE C.D 1')).toEqual(['SYNTAX@main.evo:1', 'SYNTAX@main.evo:2']);
  });
});

describe('1-D worlds', () => {
  it('write vectors as plain numbers', () => {
    const world = { shape: [50], toroidal: true };
    const a = ok('.ORG 3\nS: SEKI 1\n.ORG 20\n.DIR -1\nJMPI S\n.PLACE DATA:1 0..2', {}, { world });
    expect(coords(a)).toEqual(['3', '4', '5', '20', '19']);
    expect(a.initialWorldObjects.map((o) => o.coord[0])).toEqual([0, 1, 2]);
  });
});
