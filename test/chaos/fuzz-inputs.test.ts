/**
 * Fuzzers over the inputs a user hands us: mutated EvoASM programs, mutated configurations and corrupted or
 * truncated storage files. Every input must end in a result or a coded error (EvochoraError with a stable code),
 * never an uncaught exception or a hang. Seeded (CHAOS_SEED), so a failure names a reproducible input.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compiler/index.js';
import { loadConfig } from '../../src/config/loader.js';
import { EvochoraError } from '../../src/errors.js';
import { defaultRegistry } from '../../src/pipeline/registry.js';
import { ServiceManager } from '../../src/pipeline/service-manager.js';
import { FileSystemStorage } from '../../src/pipeline/resources/file-system-storage.js';
import { manager, recordingConfig, waitUntil } from '../integration/pipeline/helpers.js';
import { recordFigures, chaosRandom, sized } from './figures.js';

const work = mkdtempSync(join(tmpdir(), 'evo-chaos-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const coded = (err: unknown): boolean =>
  err instanceof EvochoraError && typeof err.code === 'string' && err.code !== '';

/** Runs `f` with a deadline; a hang is a failure. */
async function within<T>(ms: number, what: string, f: () => Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(f),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`HANG: ${what} took over ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const JUNK = [
  '',
  ' ',
  '\t',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '=',
  ':',
  '|',
  '^',
  '%',
  '#',
  ';',
  '\\',
  '\u0000',
  'é',
  '💥',
  '${x}',
  '0x',
  '-',
  '.',
];

function mutateText(r: () => number, text: string, tokens: readonly string[]): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * lines.length);
    switch (Math.floor(r() * 7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[Math.floor(r() * lines.length)] ?? '');
        break;
      case 2: {
        const words = (lines[i] ?? '').split(/(\s+)/);
        words[Math.floor(r() * words.length)] = pick(r, tokens);
        lines[i] = words.join('');
        break;
      }
      case 3: {
        const l = lines[i] ?? '';
        const at = Math.floor(r() * (l.length + 1));
        lines[i] = l.slice(0, at) + pick(r, JUNK) + l.slice(at);
        break;
      }
      case 4:
        return lines.join('\n').slice(0, Math.floor(r() * text.length));
      case 5: {
        const j = Math.floor(r() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      default:
        lines[i] = (lines[i] ?? '').replace(
          /-?\d+/,
          pick(r, ['-1', '0', '99999999999', '1e308', 'NaN', '2147483648', '-2147483649']),
        );
    }
  }
  return lines.join('\n');
}

describe('fuzzing what users hand us', () => {
  it('mutated EvoASM programs: diagnostics or an artifact, never an exception or a hang', async () => {
    const r = chaosRandom();
    const source = readFileSync('assembly/replicator.evo', 'utf8');
    const atoms = [
      'NOP',
      'SETI',
      'JMPI',
      'CALL',
      'RET',
      '.PROC',
      '.ENDP',
      '.ORG',
      '.DIR',
      '.MACRO',
      '.ENDM',
      '.REPEAT',
      '.ENDR',
      '.DEFINE',
      '.REG',
      '.IMPORT',
      '.PLACE',
      '%DR0',
      '%LR9',
      '%PDR0',
      'DATA:5',
      'ENERGY:-1',
      'CODE:0',
      '1|0',
      '0|0|0',
      'X:',
      'REF',
      'VAL',
    ];
    const count = sized(1000, 10_000);
    const t0 = performance.now();
    let crashes = 0;
    let diagnosed = 0;
    const failures: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = mutateText(r, source, atoms);
      try {
        const res = await within(10_000, `compile of mutant ${i}`, () =>
          compileSource(text, { world: { shape: [512, 512], toroidal: true } }),
        );
        if (res.diagnostics.some((d) => d.severity === 'error')) diagnosed++;
      } catch (err) {
        crashes++;
        if (failures.length < 3) failures.push(`mutant ${i}: ${(err as Error).stack}\n---\n${text.slice(0, 400)}`);
      }
    }
    recordFigures({
      scenario: 'EvoASM fuzz (mutated replicator)',
      inputs: count,
      inputKind: 'programs',
      crashes,
      lost: 0,
      seconds: (performance.now() - t0) / 1000,
      notes: `${diagnosed} with error diagnostics, ${count - diagnosed} compiled`,
    });
    expect(failures).toEqual([]);
  });

  it('mutated configurations: a coded error naming the key, or a pipeline that builds; never an exception', async () => {
    const r = chaosRandom(2);
    const source = readFileSync('config/evochora.conf', 'utf8');
    const values = [
      '-1',
      '0',
      '"x"',
      'true',
      '[]',
      '{}',
      '[1, "a"]',
      '1e99',
      '"${nope}"',
      '${?missing}',
      'null',
      '"64TB"',
    ];
    const count = sized(200, 2000);
    const t0 = performance.now();
    let crashes = 0;
    let rejected = 0;
    const failures: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = mutateText(r, source, values);
      const dir = join(work, `config-${i}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'evochora.conf');
      writeFileSync(file, text);
      try {
        await within(20_000, `config mutant ${i}`, async () => {
          const { config } = loadConfig({
            configFile: file,
            overrides: [`node.dataDir=${join(dir, 'data')}`],
            env: {},
          });
          const sm = await ServiceManager.create({
            config,
            registry: defaultRegistry(),
            logger: pino({ level: 'silent' }),
          });
          await sm.shutdown();
        });
      } catch (err) {
        if (coded(err)) rejected++;
        else {
          crashes++;
          if (failures.length < 3) failures.push(`mutant ${i}: ${(err as Error).stack}\n---\n${text}`);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
    recordFigures({
      scenario: 'config fuzz (mutated evochora.conf)',
      inputs: count,
      inputKind: 'configs',
      crashes,
      lost: 0,
      seconds: (performance.now() - t0) / 1000,
      notes: `${rejected} rejected with a coded error, ${count - rejected} accepted`,
    });
    expect(failures).toEqual([]);
  });

  it('corrupted and truncated batch files: every reader answers with a coded error, never a crash or a hang', async () => {
    // A real recording (format 3) to corrupt.
    const recDir = join(work, 'recording');
    const sm = await manager(
      recordingConfig(recDir, {
        engine: {
          maxTicks: 600,
          organisms: [{ program: 'assembly/replicator.evo', energy: 60000, positions: [[10, 10]] }],
          environment: { shape: [96, 96], topology: 'TORUS' },
        },
      }),
    );
    await sm.startAll();
    await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 60_000, 'recording');
    await sm.shutdown();
    const storageRoot = join(recDir, 'storage');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (e.startsWith('batch_')) files.push(p);
      }
    };
    walk(storageRoot);
    expect(files.length).toBeGreaterThan(0);

    const r = chaosRandom(3);
    const count = sized(1000, 10_000);
    const t0 = performance.now();
    let crashes = 0;
    let detected = 0;
    const codes = new Map<string, number>();
    const failures: string[] = [];
    const target = join(work, 'corrupt');
    for (let i = 0; i < count; i++) {
      const original = pick(r, files);
      const bytes = Buffer.from(readFileSync(original));
      let mutated: Buffer;
      let how: string;
      switch (Math.floor(r() * 5)) {
        case 0: {
          const at = Math.floor(r() * bytes.length);
          mutated = bytes.subarray(0, at);
          how = `truncated at ${at}`;
          break;
        }
        case 1: {
          const n = 1 + Math.floor(r() * 8);
          for (let k = 0; k < n; k++) {
            const at = Math.floor(r() * bytes.length);
            bytes[at] = bytes[at]! ^ (1 << Math.floor(r() * 8));
          }
          mutated = bytes;
          how = `${n} bit flips`;
          break;
        }
        case 2: {
          const at = Math.floor(r() * Math.max(1, bytes.length - 256));
          for (let k = 0; k < 256 && at + k < bytes.length; k++) bytes[at + k] = Math.floor(r() * 256);
          mutated = bytes;
          how = `256 random bytes at ${at}`;
          break;
        }
        case 3: {
          const at = Math.floor(r() * bytes.length);
          mutated = Buffer.concat([
            bytes.subarray(0, at),
            Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))),
          ]);
          how = `garbage after ${at}`;
          break;
        }
        default: {
          mutated = Buffer.alloc(Math.floor(r() * 64));
          how = 'zeros';
        }
      }
      // The mutated file in a copy of the run, where the storage expects it.
      rmSync(target, { recursive: true, force: true });
      const key = relative(storageRoot, original);
      const runDir = key.split('/')[0]!;
      mkdirSync(join(target, runDir, 'raw'), { recursive: true });
      copyFileSync(join(storageRoot, runDir, 'raw', 'metadata.pb.zst'), join(target, runDir, 'raw', 'metadata.pb.zst'));
      mkdirSync(dirname(join(target, key)), { recursive: true });
      writeFileSync(join(target, key), mutated);
      const storage = new FileSystemStorage('tick-storage', { rootDirectory: target });
      try {
        await within(10_000, `reading ${how}`, async () => {
          for await (const c of storage.readBatchFile(key)) storage.decodeChunk(c);
        });
      } catch (err) {
        if (coded(err)) {
          detected++;
          const code = (err as EvochoraError).code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
        } else {
          crashes++;
          if (failures.length < 3) failures.push(`${how} of ${key}: ${(err as Error).stack}`);
        }
      }
    }
    recordFigures({
      scenario: 'storage file fuzz (corrupt, truncate)',
      inputs: count,
      inputKind: 'files',
      crashes,
      lost: 0,
      seconds: (performance.now() - t0) / 1000,
      notes: `${detected} detected (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), ${count - detected - crashes} unchanged in effect`,
    });
    expect(failures).toEqual([]);
  });
});
