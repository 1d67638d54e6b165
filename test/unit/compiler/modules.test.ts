/** Module resolution on a real file system: relative paths, source roots with prefixes, cycles, missing files. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile, type CompileOptions, formatDiagnostic, listing } from '../../../src/compiler/index.js';

let dir: string;

function write(files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

function build(main: string, options: CompileOptions = {}) {
  return compileFile(path.join(dir, main), { world: { shape: [64, 64], toroidal: true }, ...options });
}

function summary(main: string, options: CompileOptions = {}): string[] {
  return build(main, options)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code.replace('EVOASM_', '')}@${d.file}:${d.line}:${d.column}`);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evoasm-modules-'));
  write({
    'proj/main.evo': '.IMPORT "lib/a.evo" AS A\nJMPI A.GO',
    'proj/lib/a.evo': '.IMPORT "b.evo" AS B\nEXPORT GO: JMPI B.HERE',
    'proj/lib/b.evo': 'EXPORT HERE: NOP',
    'proj/rooted.evo': '.IMPORT "lib/b.evo" AS B\nJMPI B.HERE',
    'std/util.evo': 'EXPORT .DEFINE K DATA:7\nEXPORT U: NOP',
    'proj/prefixed.evo': '.IMPORT "std:util.evo" AS U\nSETI %DR0 U.K\nJMPI U.U',
    'cyc/main.evo': '.IMPORT "a.evo" AS A\nNOP',
    'cyc/a.evo': '.IMPORT "b.evo" AS B\nEXPORT X: NOP',
    'cyc/b.evo': '.IMPORT "a.evo" AS A2\nEXPORT Y: NOP',
    'cyc/srcmain.evo': '.SOURCE "s1.evo"\nNOP',
    'cyc/s1.evo': '.SOURCE "s2.evo"',
    'cyc/s2.evo': '.SOURCE "s1.evo"',
    'miss/main.evo': 'NOP\n.IMPORT "lib/none.evo" AS N\n.SOURCE "inc/none.evo"\nJMPI START\nSTART: NOP',
    'src/main.evo': '.SOURCE "inc.evo"\nNOP',
    'src/inc.evo': '.IMPORT "x.evo" AS X',
    'src/x.evo': 'NOP',
    'req/main.evo': '.IMPORT "m.evo" AS M\n.IMPORT "u.evo" AS U USING M AS NEED USING Q AS OTHER',
    'req/m.evo': 'EXPORT F: NOP',
    'req/u.evo': '.REQUIRE "m.evo" AS NEED\nJMPI NEED.F',
    'req/top.evo': '.REQUIRE "m.evo" AS M\nNOP',
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('module resolution', () => {
  it("resolves a path against the source root first, then the importing file's folder", () => {
    const r = build('proj/main.evo');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(listing(r.artifact!)).toBe('LABEL:A.B.HERE NOP LABEL:A.GO JMPI A.B.HERE JMPI A.GO');
    expect(Object.keys(r.artifact!.sources).sort()).toEqual(['lib/a.evo', 'lib/b.evo', 'main.evo']);
  });

  it('uses explicit source roots', () => {
    const r = build('proj/rooted.evo', { sourceRoots: [path.join(dir, 'proj')] });
    expect(listing(r.artifact!)).toBe('LABEL:B.HERE NOP JMPI B.HERE');
  });

  it('selects a named root with PREFIX:path', () => {
    const r = build('proj/prefixed.evo', {
      sourceRoots: [path.join(dir, 'proj'), { prefix: 'std', path: path.join(dir, 'std') }],
    });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(listing(r.artifact!)).toBe('LABEL:U.U NOP SETI %DR0 DATA:7 JMPI U.U');
  });

  it('an unknown prefix is treated as a path and reported as missing, without follow-on errors', () => {
    expect(summary('proj/prefixed.evo')).toEqual(['FILE_NOT_FOUND@prefixed.evo:1:9']);
  });

  it('detects import cycles and reports them at the import that enters the cycle', () => {
    const r = build('cyc/main.evo');
    const e = r.diagnostics.filter((d) => d.severity === 'error');
    expect(e.map((d) => `${d.code}@${d.file}:${d.line}`)).toEqual(['EVOASM_IMPORT_CYCLE@a.evo:1']);
    expect(e[0]!.message).toContain('a.evo → b.evo → a.evo');
  });

  it('detects .SOURCE cycles', () => {
    expect(summary('cyc/srcmain.evo')).toEqual(['IMPORT_CYCLE@s2.evo:1:9']);
  });

  it('reports every missing file and keeps checking the rest', () => {
    expect(summary('miss/main.evo').sort()).toEqual(['FILE_NOT_FOUND@main.evo:2:9', 'FILE_NOT_FOUND@main.evo:3:9']);
  });

  it('a missing main file is a diagnostic, not an exception', () => {
    const r = compileFile(path.join(dir, 'nope/main.evo'));
    expect(r.artifact).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['EVOASM_FILE_NOT_FOUND']);
  });

  it('forbids .IMPORT inside a .SOURCE file', () => {
    expect(summary('src/main.evo')).toEqual(['SYNTAX@inc.evo:1:1']);
  });

  it('checks USING bindings and unsatisfiable .REQUIREs', () => {
    expect(summary('req/main.evo')).toEqual(['MODULE_BINDING@main.evo:2:44']);
    expect(summary('req/top.evo')).toEqual(['MODULE_BINDING@top.evo:1:1']);
  });
});
