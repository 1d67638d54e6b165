/**
 * Fuzzing: random and mutated sources must only ever produce diagnostics — never an exception, never an
 * internal error, never a diagnostic without a location. Seeded, so a failure is reproducible; bounded in time.
 */
import { describe, expect, it } from 'vitest';
import { compileSource, type CompileResult } from '../../../src/compiler/index.js';
import { seededRandom } from '../../helpers/seeded-random.js';

// EVOASM_FUZZ_MS / EVOASM_FUZZ_SEED allow a longer or different local run; the defaults keep CI fast and fixed.
const TIME_BUDGET_MS = Number(process.env.EVOASM_FUZZ_MS ?? 2_500);
const SEED_BASE = Number(process.env.EVOASM_FUZZ_SEED ?? 0);

const rng = seededRandom;

const CORPUS = [
  'START:\n  SETI %DR0 DATA:10 ; SETI %DR1 0x10\nloop: DECR %DR0\n  GTI %DR0 DATA:0\n    JMPI LOOP\n.ORG 5|3\nFAR: ADDI %DR1 DATA:0b101\n  PSLI START\n  LRLI %LR2 FAR',
  '.DIR 0|1\nDOWN: SETV %DR1 -1|0\n.DIR -1|0\nLEFT: TRNI -1|0\nJMPI DOWN\n.ORG 10|20\n.DIR 0|-1\nUP: NOP^2\nJMPI LEFT',
  '.DEFINE STEP 1|0\n.DEFINE C DATA:42\n.DEFINE L C\n.REG %CNT %DR2\n.REG %HOME %LR1\nS: SETI %CNT L\nSETV %DR0 STEP\nDPLR %HOME\nJMPI S',
  '.PLACE DATA:7 3|4\n.PLACE STRUCTURE:100 -1..4|-1, -1..4|3\n.PLACE ENERGY:250 10:2:16|0\n.PLACE ENERGY:5 *|20\n.ORG 1|1\nS: SCNI %DR0 0|1\nJMPI S',
  '.MACRO B R\n  ADDI R DATA:2\n.ENDM\nS: B %DR0\nNOP^3\nINCR %DR2^2\n.REPEAT 2 DECR %DR3\n.REPEAT 2\n  PUSI DATA:1\n  DROP\n.ENDR\n\nJMPI S^2',
  '.REG %A %DR0\nS: CALL P REF %A VAL DATA:3\n  GTI %A DATA:3\n    CALL P REF %A VAL %A\n.PROC P REF X VAL Y\n  .REG %T %PDR0\n  LTI X DATA:10\n    RET\n  ADDR X Y\n  RET\n.ENDP',
  '.IMPORT "lib/w.evo" AS W\n.IMPORT "lib/s.evo" AS S USING W AS M\nSTART: SETI %DR0 W.STEPS\n CALL W.WALK REF %DR0\n JMPI S.GO\n.SOURCE "inc.evo"\nCALL V LREF %LR0 LVAL START\n.PROC V LREF A LVAL B\n RET\n.ENDP',
];

const FILES: Record<string, string> = {
  'lib/w.evo':
    'EXPORT .DEFINE STEPS DATA:4\n.PLACE STRUCTURE:3 -1|0\nEXPORT .PROC WALK REF N\nL: SEKI 1|0\n DECR N\n GTI N DATA:0\n  JMPI L\n RET\n.ENDP',
  'lib/s.evo': '.REQUIRE "lib/w.evo" AS M\nEXPORT GO: CALL M.WALK REF %DR1\n.IMPORT "lib/s.evo" AS SELF',
  'inc.evo': '.DEFINE K DATA:1\nTAIL: PUSI K\n.SOURCE "inc.evo"',
};

const ATOMS = [
  'NOP',
  'SETI',
  'SETV',
  'JMPI',
  'CALL',
  'RET',
  'ADDI',
  'PUSV',
  'LRLI',
  'GTI',
  'IFER',
  '%DR0',
  '%LR1',
  '%FDR0',
  '%PDR0',
  '%X',
  'DATA:5',
  'ENERGY:-1',
  'CODE:0',
  'FOO:1',
  '1|0',
  '1|0|0',
  '-1..4|0',
  '0:2:8|*',
  '*',
  '^',
  '^3',
  '^999999',
  '|',
  ':',
  '..',
  ',',
  '.ORG',
  '.DIR',
  '.DEFINE',
  '.REG',
  '.PLACE',
  '.MACRO',
  '.ENDM',
  '.REPEAT',
  '.ENDR',
  '.PROC',
  '.ENDP',
  '.IMPORT',
  '.REQUIRE',
  '.SOURCE',
  '.FROB',
  'EXPORT',
  'REF',
  'VAL',
  'LREF',
  'LVAL',
  'AS',
  'USING',
  '"lib/w.evo"',
  '"inc.evo"',
  '"main.evo"',
  '"',
  'START:',
  'L:',
  'X',
  'W.STEPS',
  'W.',
  '0x',
  '0o9',
  '0b2',
  '99999999999999999999',
  '-',
  '#',
  ';',
  '\n',
  '\n',
  '\n',
  ' ',
  '\t',
  '\u00e9',
  '\u{1F600}',
  '\0',
  '\r\n',
  '%',
  '.',
  'S.GO.X',
];

function randomSource(r: () => number): string {
  const n = Math.floor(r() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += ATOMS[Math.floor(r() * ATOMS.length)]! + (r() < 0.7 ? ' ' : '');
  return s;
}

function mutate(src: string, r: () => number): string {
  let s = src;
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const kind = Math.floor(r() * 6);
    if (kind === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
    else if (kind === 1) s = s.slice(0, at) + ATOMS[Math.floor(r() * ATOMS.length)]! + s.slice(at);
    else if (kind === 2) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(at + 1);
    else if (kind === 3) {
      const lines = s.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(Math.floor(r() * lines.length), 0, lines[i]!);
      s = lines.join('\n');
    } else if (kind === 4) {
      const lines = s.split('\n');
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      s = lines.join('\n');
    } else s = s.slice(0, at) + s.slice(at).toLowerCase();
  }
  return s;
}

function check(result: CompileResult, source: string): void {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const context = `source: ${JSON.stringify(source)}`;
  expect(result.artifact === undefined, context).toBe(errors.length > 0);
  for (const d of result.diagnostics) {
    expect(d.code, context).not.toBe('EVOASM_INTERNAL');
    expect(d.line, context).toBeGreaterThanOrEqual(1);
    expect(d.column, context).toBeGreaterThanOrEqual(1);
    expect(typeof d.file).toBe('string');
  }
  if (result.artifact) expect(() => JSON.stringify(result.artifact)).not.toThrow();
}

describe('fuzz: the compiler only ever reports diagnostics', () => {
  it('the corpus compiles', () => {
    for (const src of CORPUS) {
      const r = compileSource(src, { world: { shape: [64, 64], toroidal: true } }, 'main.evo', FILES);
      // lib/s.evo imports itself and inc.evo sources itself: the last corpus entry must report those cycles.
      check(r, src);
    }
  });

  for (const [name, seed] of [
    ['random sources', 1],
    ['mutated sources', 2],
    ['mutated modules', 3],
  ] as const) {
    it(name, () => {
      const r = rng(SEED_BASE * 10 + seed);
      const start = Date.now();
      let runs = 0;
      while (Date.now() - start < TIME_BUDGET_MS / 3) {
        const files = { ...FILES };
        let main: string;
        if (seed === 1) main = randomSource(r);
        else main = mutate(CORPUS[Math.floor(r() * CORPUS.length)]!, r);
        if (seed === 3) {
          const key = Object.keys(files)[Math.floor(r() * 3)]!;
          files[key] = r() < 0.5 ? mutate(files[key]!, r) : randomSource(r);
        }
        const options = {
          world: r() < 0.8 ? { shape: [64, 64], toroidal: true } : { shape: [8, 8, 4], toroidal: false },
          referenceCompatible: r() < 0.3,
        };
        let result: CompileResult | undefined;
        expect(
          () => {
            result = compileSource(main, options, 'main.evo', files);
          },
          `source: ${JSON.stringify(main)}`,
        ).not.toThrow();
        check(result!, main);
        runs++;
      }
      expect(runs).toBeGreaterThan(5);
    });
  }
});
