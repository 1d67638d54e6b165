import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Simulate from '../../../commands/simulate.js';
import { parseProgramArg, parseWorldArg, runHeadless } from '../../../src/runtime/headless.js';

const PKG = resolve(__dirname, '../../../package.json');

async function capture(argv: string[]): Promise<{ out: string; code: number | undefined }> {
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const before = process.exitCode;
  try {
    await Simulate.run(argv, PKG);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = before;
  return { out, code };
}

describe('evochora simulate', () => {
  it('runs our default organism and prints one JSON envelope', async () => {
    const { out, code } = await capture(['--ticks', '3000', '--world', '256x256', '--json', '--quiet']);
    expect(code).toBe(0);
    const env = JSON.parse(out.trim());
    expect(env.status).toBe(0);
    expect(env.result.ticks).toBe(3000);
    expect(env.result.population).toBeGreaterThan(0);
    expect(env.result.organismInstructionsPerSecond).toBeGreaterThan(0);
    expect(env.result.stateHash).toMatch(/^[0-9a-f]{16}$/);
    expect(env.result.peakPopulation).toBeGreaterThanOrEqual(env.result.population);
  });

  it('--threads 2 prints the same state hash as one thread (several -p copies, so the plan workers take part)', async () => {
    const place = Array.from({ length: 12 }, (_, k) => [
      '-p',
      `assembly/replicator.evo@${(k % 2) * 128 + 2},${Math.floor(k / 2) * 10 + 3}`,
    ]).flat();
    const run = async (threads: string) => {
      const { out, code } = await capture([
        ...place,
        '--ticks',
        '1500',
        '--world',
        '256x96',
        '--threads',
        threads,
        '--min-organisms-per-thread',
        '1',
        '--json',
        '--quiet',
      ]);
      expect(code).toBe(0);
      return JSON.parse(out.trim()).result as { stateHash: string; threads: number; population: number };
    };
    const one = await run('1');
    const two = await run('2');
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.stateHash).toBe(one.stateHash);
    expect(one.population).toBe(12);
  });

  it('loads user plugins named in --config (relative to the file) and changes the run by them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evo-simplug-'));
    writeFileSync(
      join(dir, 'mark.mjs'),
      `export default { kind: 'mark', type: 'tick', create: () => ({ onTick(h) { if (h.tick === 3) h.world.setCell(5, (1 << 20) | 9, 0); } }) };`,
    );
    const file = join(dir, 'rt.json');
    writeFileSync(file, JSON.stringify({ plugins: [{ module: './mark.mjs' }] }));
    const none = JSON.stringify({ plugins: [] });
    writeFileSync(join(dir, 'none.json'), none);
    const args = ['--ticks', '50', '--world', '64x64', '--json', '--quiet', '--config'];
    const a = JSON.parse((await capture([...args, file])).out.trim());
    const b = JSON.parse((await capture([...args, join(dir, 'none.json')])).out.trim());
    expect(a.status).toBe(0);
    expect(a.result.stateHash).not.toBe(b.result.stateHash);
    writeFileSync(file, JSON.stringify({ plugins: [{ module: './missing.mjs' }] }));
    const bad = JSON.parse((await capture([...args, file])).out.trim());
    expect(bad.code).toBe('USER_PLUGIN_INVALID');
    expect(bad.message).toContain(join(dir, 'missing.mjs'));
  });

  it('reports errors as a status-1 envelope with a stable code', async () => {
    const { out, code } = await capture(['--program', '/nonexistent.evo', '--json']);
    expect(code).toBe(1);
    const env = JSON.parse(out.trim());
    expect(env).toMatchObject({ status: 1, code: 'RUNTIME_SPEC' });
    expect(env.actions.length).toBeGreaterThan(0);
  });

  it('runs a spec and writes a gzip trace in the conformance format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evo-sim-'));
    writeFileSync(
      join(dir, 'p.evo'),
      'START:\n  NRG %DR0\n  SETI %DR1 DATA:3\n  PUSI DATA:4\n  POKI %DR1 0|1\n  JMPI START\n',
    );
    writeFileSync(
      join(dir, 'spec.json'),
      JSON.stringify({
        shape: [32, 32],
        topology: 'TORUS',
        seed: 42,
        ticks: 20,
        selectionSpread: 0,
        organisms: [{ root: '.', file: 'p.evo', position: [3, 3], energy: 500 }],
        extraCells: [{ type: 2, value: 100, at: [[10, 10]] }],
      }),
    );
    const trace = join(dir, 'out.jsonl.gz');
    const { code } = await capture(['--spec', join(dir, 'spec.json'), '--trace', trace, '--quiet']);
    expect(code).toBe(0);
    const lines = gunzipSync(readFileSync(trace))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(21);
    expect(lines[0].init).toBe(true);
    expect(lines[0].cells).toContainEqual([10 * 32 + 10, (2 << 20) | 100, 0]);
    expect(lines[1]).toMatchObject({ t: 0, seed: '-6387817139659442654' });
    expect(lines[1].orgs[0]).toMatchObject({ id: 1, op: 'NOP', er: 499 }); // the IP starts on the START label
    expect(lines[2].orgs[0]).toMatchObject({ op: 'NRG', dr: [(1 << 20) | 498, 0, 0, 0, 0, 0, 0, 0] });
    expect(lines[5].cells).toEqual([[3 * 32 + 4, (1 << 20) | 3, 1]]);
  });

  it('reads runtime options from a HOCON --config (top level or under runtime)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evo-cfg-'));
    const file = join(dir, 'rt.conf');
    writeFileSync(
      file,
      'runtime {\n  quirks = reference # compat\n  organism { maxEnergy = 120000 }\n  plugins = []\n}\n',
    );
    const { out, code } = await capture([
      '--config',
      file,
      '--ticks',
      '500',
      '--world',
      '256x256',
      '--json',
      '--quiet',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out.trim()).result.ticks).toBe(500);
    writeFileSync(file, 'runtime { unknownThing = 1 }\n');
    const bad = await capture(['--config', file, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out.trim()).message).toMatch(/unknown option/);
    writeFileSync(file, 'runtime { threads = 2 }\n');
    const threads = await capture(['--config', file, '--json']);
    expect(threads.code).toBe(1);
    expect(JSON.parse(threads.out.trim()).message).toMatch(/give `simulate --threads N` instead/);
  });

  it('parses program placements and worlds', () => {
    expect(parseProgramArg('a.evo@3,4:500')).toEqual({ file: 'a.evo', position: [3, 4], energy: 500 });
    expect(parseProgramArg('a.evo')).toEqual({ file: 'a.evo' });
    expect(parseWorldArg('64x32:bounded')).toEqual({ shape: [64, 32], toroidal: false });
    expect(() => parseWorldArg('64by32')).toThrow();
  });

  it('headless runs are deterministic', async () => {
    const a = await runHeadless({ programs: [], world: '128x128', ticks: 2000 });
    const b = await runHeadless({ programs: [], world: '128x128', ticks: 2000 });
    expect({ ...a, seconds: 0, ticksPerSecond: 0, organismInstructionsPerSecond: 0 }).toEqual({
      ...b,
      seconds: 0,
      ticksPerSecond: 0,
      organismInstructionsPerSecond: 0,
    });
  });
});
