/** `evochora compile`: envelope, summary, diagnostics on stderr, exit codes, -o. Runs the command class in-process. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import Compile from '../../../commands/compile.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;

async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const before = process.exitCode;
  try {
    process.exitCode = undefined;
    await Compile.run(args, REPO);
    return { stdout, stderr, exitCode: process.exitCode as number | undefined };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evoasm-cli-'));
  fs.writeFileSync(path.join(dir, 'good.evo'), 'START: SETV %DR0 1|0\n  SETI %PDR0 DATA:1\n  JMPI START\n');
  fs.writeFileSync(path.join(dir, 'good3d.evo'), 'SETV %DR0 1|0|0\n');
  fs.writeFileSync(path.join(dir, 'bad.evo'), 'START:\n  JMPI NOWHERE\n  FOO\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('evochora compile', () => {
  it('--json prints one success envelope with the artifact and warnings', async () => {
    const r = await run([path.join(dir, 'good.evo'), '--env', '64x64', '--json']);
    expect(r.exitCode).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env.status).toBe(0);
    expect(env.result.machineCodeLayout).toHaveLength(10);
    expect(env.result.world).toEqual({ shape: [64, 64], toroidal: true });
    expect(env.warnings).toHaveLength(1);
    expect(env.warnings[0]).toMatch(/^good\.evo:2:8: warning: /);
  });

  it('uses the world from --env (3-D, bounded)', async () => {
    const r = await run([path.join(dir, 'good3d.evo'), '--env', '8x8x8:bounded', '--json']);
    const env = JSON.parse(r.stdout);
    expect(env.result.world).toEqual({ shape: [8, 8, 8], toroidal: false });
    expect(env.result.machineCodeLayout).toHaveLength(5);
    // A 2-component vector does not fit a 3-D world.
    expect((await run([path.join(dir, 'good.evo'), '--env', '8x8x8', '--json'])).exitCode).toBe(1);
  });

  it('--json prints one error envelope with every diagnostic and exits 1', async () => {
    const r = await run([path.join(dir, 'bad.evo'), '--json']);
    expect(r.exitCode).toBe(1);
    const env = JSON.parse(r.stdout);
    expect(env).toMatchObject({ status: 1, name: 'CompileError', code: 'EVOASM_COMPILE_FAILED' });
    expect(env.diagnostics.map((d: { line: number; code: string }) => `${d.code}@${d.line}`)).toEqual([
      'EVOASM_UNKNOWN_INSTRUCTION@3',
      'EVOASM_UNDEFINED_SYMBOL@2',
    ]);
    expect(env.actions.length).toBeGreaterThan(0);
  });

  it('prints a readable summary, or the diagnostics with carets on stderr', async () => {
    const good = await run([path.join(dir, 'good.evo')]);
    expect(good.stdout).toMatch(/program id\s+[0-9a-f]{16}/);
    expect(good.stdout).toContain('START@0|0');
    const bad = await run([path.join(dir, 'bad.evo')]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain("bad.evo:2:8: error: Symbol 'NOWHERE' is not defined.");
    expect(bad.stderr).toContain('^~~~~~~');
  });

  it('-o writes the artifact JSON', async () => {
    const out = path.join(dir, 'good.json');
    const r = await run([path.join(dir, 'good.evo'), '-o', out]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).machineCodeLayout).toHaveLength(10);
  });

  it('rejects a malformed --env with a usage error (exit 2)', async () => {
    const r = await run([path.join(dir, 'good.evo'), '--env', '10y', '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 2, code: 'EVOASM_BAD_ENV' });
  });

  it('reports flag errors as a usage envelope with --json (exit 2)', async () => {
    const r = await run([path.join(dir, 'good.evo'), '--json', '--bogus']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 2, code: 'USAGE' });
  });

  it('accepts --source-root before the file, and PREFIX=DIR roots', async () => {
    fs.mkdirSync(path.join(dir, 'std'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'std', 'u.evo'), 'EXPORT U: NOP\n');
    fs.writeFileSync(path.join(dir, 'uses.evo'), '.IMPORT "std:u.evo" AS U\nJMPI U.U\n');
    const r = await run(['--source-root', `std=${path.join(dir, 'std')}`, path.join(dir, 'uses.evo'), '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).result.mainFile).toBe('uses.evo');
  });
});
