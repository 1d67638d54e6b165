/**
 * Conformance of the EvoASM compiler with the reference compiler's recorded outputs in
 * ../shared/conformance/compiler (and the compiled layouts of ../shared/conformance/runtime programs).
 * See docs/compiler.md for the cases where our default mode deliberately differs from the reference and
 * how reference-compatible mode reproduces it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFile, type Diagnostic, formatDiagnostic, type ProgramArtifact } from '../../src/compiler/index.js';
import { formatMolecule, OPCODES } from '../../src/isa/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(REPO, '../shared/conformance');
const COMPILER_CASES = path.join(SHARED, 'compiler');
const RUNTIME_CASES = path.join(SHARED, 'runtime');

interface Expected {
  world: { shape: number[]; topology: string };
  mainFile: string;
  machineCodeLayout: number[][];
  initialWorldObjects: number[][];
  labelNameToValue: Record<string, number>;
  registerAliasMap: Record<string, number>;
  procNameToParamNames: Record<string, string[]>;
  labelCells: (number | string)[][];
  layoutCellCount: number;
}

interface InvalidCase {
  case: string;
  category: string;
  mainFile: string;
  world: { shape: number[] };
  errors: { file: string; line: number; message: string }[];
}

const readJson = <T>(p: string): T => JSON.parse(fs.readFileSync(p, 'utf8')) as T;
const byCoord = (a: number[], b: number[], dims: number): number => {
  for (let i = 0; i < dims; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
};

function compile(dir: string, mainFile: string, shape: number[], referenceCompatible: boolean) {
  return compileFile(path.join(dir, mainFile), {
    world: { shape, toroidal: true },
    sourceRoots: [dir],
    referenceCompatible,
  });
}

function errorsOf(diags: readonly Diagnostic[]): Diagnostic[] {
  return diags.filter((d) => d.severity === 'error');
}

/** Every difference between our artifact and the reference's expected.json, each naming the cell or key. */
function differences(a: ProgramArtifact, e: Expected): string[] {
  const dims = e.world.shape.length;
  const out: string[] = [];
  const key = (c: number[]) => c.slice(0, dims).join('|');
  const ours = new Map(a.machineCodeLayout.map((c) => [c.coord.join('|'), c.molecule]));
  const theirs = new Map(e.machineCodeLayout.map((c) => [key(c), c[dims]!]));
  for (const [k, m] of theirs) {
    const got = ours.get(k);
    if (got === undefined) out.push(`code cell ${k}: missing (expected ${formatMolecule(m)} = ${m})`);
    else if (got !== m)
      out.push(`code cell ${k}: expected ${formatMolecule(m)} (${m}), got ${formatMolecule(got)} (${got})`);
  }
  for (const [k, m] of ours) if (!theirs.has(k)) out.push(`code cell ${k}: unexpected ${formatMolecule(m)} (${m})`);
  if (a.machineCodeLayout.length !== e.layoutCellCount)
    out.push(`layoutCellCount: expected ${e.layoutCellCount}, got ${a.machineCodeLayout.length}`);

  const objOurs = a.initialWorldObjects.map((o) => [...o.coord, o.type, o.value, o.marker]);
  const objTheirs = [...e.initialWorldObjects].sort((x, y) => byCoord(x, y, dims));
  const objMap = new Map(objOurs.map((o) => [key(o), o.slice(dims).join(',')]));
  for (const o of objTheirs) {
    const got = objMap.get(key(o));
    const want = o.slice(dims).join(',');
    if (got !== want) out.push(`world object ${key(o)}: expected [type,value,marker]=${want}, got ${got ?? 'nothing'}`);
  }
  if (objOurs.length !== objTheirs.length)
    out.push(`world objects: expected ${objTheirs.length}, got ${objOurs.length}`);
  if (JSON.stringify(objOurs) !== JSON.stringify(objTheirs))
    out.push('world objects: order/content differs from the sorted reference list');

  const cmpMap = (what: string, ours: Record<string, unknown>, theirs: Record<string, unknown>) => {
    for (const k of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
      if (JSON.stringify(ours[k]) !== JSON.stringify(theirs[k])) {
        out.push(`${what}[${k}]: expected ${JSON.stringify(theirs[k])}, got ${JSON.stringify(ours[k])}`);
      }
    }
  };
  cmpMap('labelNameToValue', a.labelNameToValue, e.labelNameToValue);
  cmpMap('registerAliasMap', a.registerAliasMap, e.registerAliasMap);
  const procs = Object.fromEntries(
    Object.entries(a.procNameToParamNames).map(([k, ps]) => [k, ps.map((p) => `${p.type} ${p.name}`)]),
  );
  cmpMap('procNameToParamNames', procs, e.procNameToParamNames);
  const labelCells = a.labels
    .map((l) => [...l.coord, l.value, l.name])
    .sort((x, y) => byCoord(x as number[], y as number[], dims));
  if (JSON.stringify(labelCells) !== JSON.stringify(e.labelCells)) {
    out.push(`labelCells: expected ${JSON.stringify(e.labelCells)}, got ${JSON.stringify(labelCells)}`);
  }
  return out;
}

function expectMatches(dir: string, expectedFile: string, referenceCompatible: boolean): void {
  const e = readJson<Expected>(path.join(dir, expectedFile));
  const r = compile(dir, e.mainFile, e.world.shape, referenceCompatible);
  const errors = errorsOf(r.diagnostics);
  expect(errors.map(formatDiagnostic)).toEqual([]);
  expect(r.artifact).toBeDefined();
  expect(differences(r.artifact!, e)).toEqual([]);
}

if (!fs.existsSync(COMPILER_CASES)) {
  describe('compiler conformance', () => {
    it('needs the reference data', () => {
      throw new Error(
        `Conformance data not found at ${COMPILER_CASES}: check out the shared design folder next to the repository (../shared).`,
      );
    });
  });
} else {
  const validCases = fs
    .readdirSync(COMPILER_CASES)
    .filter((d) => /^c\d+_/.test(d) && fs.existsSync(path.join(COMPILER_CASES, d, 'expected.json')))
    .filter((d) => d !== 'c07_safe_call_rewrite')
    .sort();

  describe('valid programs match the reference exactly', () => {
    it('finds the cases', () => expect(validCases.length).toBeGreaterThanOrEqual(11));
    for (const c of validCases) {
      for (const compat of [false, true]) {
        it(`${c}${compat ? ' (reference-compatible mode)' : ''}`, () =>
          expectMatches(path.join(COMPILER_CASES, c), 'expected.json', compat));
      }
    }
    it('a01_pdr_outside_proc is accepted, as by the reference (with a warning in default mode)', () => {
      const dir = path.join(COMPILER_CASES, 'invalid', 'a01_pdr_outside_proc');
      expectMatches(dir, 'expected.json', false);
      expectMatches(dir, 'expected.json', true);
      const r = compile(dir, 'main.evo', [64, 64], false);
      expect(r.diagnostics.map((d) => d.code)).toContain('EVOASM_PROC_REGISTER_OUTSIDE_PROC');
    });
  });

  describe('runtime programs compile to the layouts the runtime traces were recorded with', () => {
    const files = fs.existsSync(RUNTIME_CASES)
      ? fs.readdirSync(RUNTIME_CASES).flatMap((d) =>
          fs
            .readdirSync(path.join(RUNTIME_CASES, d))
            .filter((f) => f.endsWith('.expected.json'))
            .map((f) => path.join(RUNTIME_CASES, d, f)),
        )
      : [];
    it('finds them', () => expect(files.length).toBeGreaterThanOrEqual(7));
    for (const f of files) {
      it(path.basename(f), () => expectMatches(path.dirname(f), path.basename(f), false));
    }
  });

  describe('c07: the safe-call rewrite', () => {
    const dir = path.join(COMPILER_CASES, 'c07_safe_call_rewrite');
    it('default mode produces the intended rewrite (expected.patched.json)', () =>
      expectMatches(dir, 'expected.patched.json', false));
    it("reference-compatible mode fails like the reference's HEAD", () => {
      const e = readJson<{ file: string; line: number; message: string }>(path.join(dir, 'expected.json'));
      const errors = errorsOf(compile(dir, 'main.evo', [64, 64], true).diagnostics);
      expect(errors[0]).toMatchObject({ file: e.file, line: e.line });
      expect(errors[0]!.message).toContain("'_safe_call_0' was not resolved");
    });
  });

  describe('q01: a label as a vector operand', () => {
    const dir = path.join(COMPILER_CASES, 'q01_label_as_vector_operand');
    it('is rejected by default with a clear diagnostic on each use', () => {
      const errors = errorsOf(compile(dir, 'main.evo', [64, 64], false).diagnostics);
      expect(errors.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual([
        'main.evo:9 EVOASM_LABEL_AS_VECTOR',
        'main.evo:10 EVOASM_LABEL_AS_VECTOR',
      ]);
      expect(errors[0]!.message).toMatch(/is a label.*LRLI/);
    });
    it("reference-compatible mode reproduces the reference's broken layout", () =>
      expectMatches(dir, 'expected.json', true));
  });

  const invalid = readJson<{ cases: InvalidCase[] }>(path.join(COMPILER_CASES, 'invalid', 'invalid.json')).cases;

  /** Default-mode deviations from the reference's error line, each explained in docs/compiler.md. */
  const DEFAULT_LINE_OVERRIDES: Record<string, number> = {
    // The reference reports the line of the statement AFTER the bad vector; we point at the vector itself.
    e08_vector_arity: 3,
  };

  describe('invalid programs fail at the same file and line as the reference', () => {
    it('finds the cases', () =>
      expect(invalid.filter((c) => c.case.startsWith('e')).length).toBeGreaterThanOrEqual(11));
    for (const c of invalid) {
      const dir = path.join(COMPILER_CASES, 'invalid', c.case);
      const ref = c.errors[0]!;
      const modes = c.case.startsWith('e') ? [false, true] : [true];
      for (const compat of modes) {
        it(`${c.case}${compat ? ' (reference-compatible mode)' : ''}`, () => {
          const r = compile(dir, c.mainFile, c.world.shape, compat);
          const errors = errorsOf(r.diagnostics);
          expect(r.artifact).toBeUndefined();
          expect(errors.length).toBeGreaterThan(0);
          const first = errors[0]!;
          for (const d of errors) {
            expect(d.line).toBeGreaterThan(0);
            expect(d.column).toBeGreaterThan(0);
            expect(formatDiagnostic(d)).toContain('^');
          }
          expect(first.file).toBe(ref.file);
          if (ref.line === 0) {
            // The reference gives no line (e05); we point at the re-entered file's .IMPORT and name the cycle.
            expect(first.message).toContain(ref.file);
            expect(first.code).toBe('EVOASM_IMPORT_CYCLE');
          } else {
            const line = compat ? ref.line : (DEFAULT_LINE_OVERRIDES[c.case] ?? ref.line);
            expect(`${first.file}:${first.line}`).toBe(`${ref.file}:${line}`);
          }
          if (compat) {
            // Every line the reference complains about is one we complain about.
            const ours = new Set(errors.map((d) => `${d.file}:${d.line}`));
            for (const e of c.errors) if (e.line > 0) expect(ours).toContain(`${e.file}:${e.line}`);
          }
        });
      }
    }
  });

  /**
   * The x* programs are valid according to the EvoASM documentation; by default we compile them as documented.
   * Expected layouts below were derived by hand from the semantics (linear 1|0 layout from 0|0).
   */
  const X_EXPECTED: Record<string, string> = {
    x01_octal_literal: 'LABEL:START ORI %DR1 DATA:15 JMPI START',
    x02_vector_define_as_operand: 'LABEL:START SETV %DR1 DATA:1 DATA:0 JMPI START',
    x03_label_ref_inside_source: 'LABEL:SPIN INCR %DR0 JMPI SPIN LABEL:START JMPI SPIN',
    x04_endr_swallows_newline: 'LABEL:START SWAP SWAP JMPI START',
    x05_define_used_before_import: 'LABEL:START SETI %DR0 DATA:4 JMPI START LABEL:W.WENTRY NOP',
    // A plain CALL needs no rewrite: the conditional skips the CALL itself.
    x06_conditional_before_call: 'LABEL:START GTI %DR0 DATA:3 CALL P JMPI START LABEL:P RET',
    // A RET of a procedure without REF/LREF parameters is a single instruction: nothing to rewrite.
    x07_conditional_before_ret: 'LABEL:START CALL P JMPI START LABEL:P GTI %DR0 DATA:1 RET RET',
  };

  describe('documented-valid programs the reference rejects compile correctly by default', () => {
    for (const [name, listing] of Object.entries(X_EXPECTED)) {
      it(name, () => {
        const dir = path.join(COMPILER_CASES, 'invalid', name);
        const r = compile(dir, 'main.evo', [64, 64], false);
        expect(errorsOf(r.diagnostics).map(formatDiagnostic)).toEqual([]);
        const a = r.artifact!;
        expect(a.machineCodeLayout.every((c) => c.coord[1] === 0)).toBe(true);
        expect(a.machineCodeLayout.map((c) => c.coord[0])).toEqual(a.machineCodeLayout.map((_, i) => i));
        expect(disassemble(a)).toBe(listing);
      });
    }
  });
}

/** A compact listing: `LABEL:NAME`, mnemonics, operands (`%DR1`, `DATA:15`, label names). */
function disassemble(a: ProgramArtifact): string {
  const names = new Map(Object.entries(a.labelValueToName).map(([v, n]) => [Number(v), n]));
  return a.machineCodeLayout
    .map((c) => {
      const text = formatMolecule(c.molecule);
      const [type, value] = text.split(':') as [string, string];
      if (type === 'LABEL') return `LABEL:${names.get(Number(value))}`;
      if (type === 'LABELREF') return names.get(Number(value)) ?? text;
      if (type === 'REGISTER') return value === '0' ? '%DR0' : value === '1' ? '%DR1' : `REG:${value}`;
      if (type === 'CODE') return MNEMONICS.get(Number(value)) ?? text;
      return text;
    })
    .join(' ');
}

const MNEMONICS = new Map(OPCODES.map((o) => [o.opcode, o.name]));
