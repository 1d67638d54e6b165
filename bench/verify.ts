/**
 * Speed of `evochora verify` (without --replay) against reading and decompressing the same batch files, on a run of
 * the default node: the target is verify at ≥ 0.8 × the speed of the storage reader over the same files.
 * Also `zstd -t` of the files (decompression and zstd's own checksums in C, nothing decoded) as a floor.
 *
 * Without --data-dir it records one: a default `node run --detached` in an empty data dir for `--seconds` (60),
 * then `node stop`. Each round (`--rounds`, 3) measures the three one after the other, so machine load hits each
 * alike; the medians are printed with MB/s of stored bytes and the ratios.
 *
 * Usage: npm run bench:verify -- [--seconds 60] [--data-dir DIR] [--rounds 3] [--keep] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { bytesUnder, cli, CLI } from './node-cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SECONDS = Number(arg('--seconds', '60'));
const ROUNDS = Number(arg('--rounds', '3'));
const json = process.argv.includes('--json');
const given = process.argv.indexOf('--data-dir') > 0;
const dataDir = arg('--data-dir', mkdtempSync(join(tmpdir(), 'evo-bench-verify-')));
const keep = given || process.argv.includes('--keep');
const say = (s: string): void => {
  if (!json) console.log(s);
};

/** Every file under `dir` (recursively). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Reads and decompresses every chunk of a run with the compiled storage reader; prints the sampled ticks. */
const READER = `
  const { FileSystemStorage } = await import(${JSON.stringify(join(ROOT, 'dist/src/pipeline/resources/file-system-storage.js'))});
  const [root, run] = process.argv.slice(1);
  const storage = new FileSystemStorage('bench-verify', { rootDirectory: root, compressInWorker: false });
  let ticks = 0;
  for (const b of await storage.listBatches(run)) for await (const c of storage.readBatchFile(b.key)) ticks += c.tickCount;
  console.log(ticks);
`;

async function timed(f: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  if (!given) {
    say(`recording: a default node for ${SECONDS} s in ${dataDir} …`);
    cli(['node', 'run', '--detached', '--port', '0', '--data-dir', dataDir]);
    await sleep(SECONDS * 1000);
    cli(['node', 'stop', '--data-dir', dataDir]);
  }
  const storageRoot = join(dataDir, 'storage');
  const runs = readdirSync(storageRoot).filter((d) => statSync(join(storageRoot, d)).isDirectory());
  if (runs.length !== 1) throw new Error(`expected one run under ${storageRoot}, found ${runs.length}`);
  const runId = runs[0]!;
  const raw = join(storageRoot, runId, 'raw');
  const files = filesUnder(raw).filter((f) => f.endsWith('.pb.zst'));
  const bytes = bytesUnder(raw);
  const storage = new FileSystemStorage('bench-verify', { rootDirectory: storageRoot, compressInWorker: false });
  const batches = await storage.listBatches(runId);
  say(`run ${runId}: ${batches.length} batch files, ${(bytes / 1e6).toFixed(0)} MB stored`);

  const verifyS: number[] = [];
  const readS: number[] = [];
  const zstdS: number[] = [];
  let ticksRead = 0;
  let verifiedTicks = 0;
  for (let r = 0; r < ROUNDS; r++) {
    verifyS.push(
      await timed(() => {
        const res = spawnSync(process.execPath, [CLI, 'verify', '--run', runId, '--data-dir', dataDir, '--json'], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        if (res.status !== 0) throw new Error(`verify exited ${res.status}: ${res.stdout}${res.stderr}`);
        const report = (JSON.parse(res.stdout) as { result: { ok: boolean; ticks: number } }).result;
        if (!report.ok) throw new Error('verify found problems');
        verifiedTicks = report.ticks;
      }),
    );
    // The reader in a process of its own too (the compiled storage reader, as verify uses it): both figures
    // include starting a process, so the ratio compares the work.
    readS.push(
      await timed(() => {
        const res = spawnSync(process.execPath, ['--input-type=module', '-e', READER, storageRoot, runId], {
          encoding: 'utf8',
        });
        if (res.status !== 0) throw new Error(`the reader exited ${res.status}: ${res.stderr}`);
        ticksRead = Number(res.stdout.trim());
      }),
    );
    zstdS.push(
      await timed(() => {
        const res = spawnSync('zstd', ['-q', '-t', ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
        if (res.error) throw new Error(`zstd is missing (apt-get install zstd): ${res.error.message}`);
        if (res.status !== 0) throw new Error(`zstd -t failed: ${res.stderr}`);
      }),
    );
  }
  if (verifiedTicks !== ticksRead) throw new Error(`verify saw ${verifiedTicks} ticks, the reader ${ticksRead}`);
  const mbps = (s: number): number => +(bytes / 1e6 / s).toFixed(1);
  const v = median(verifyS);
  const rd = median(readS);
  const z = median(zstdS);
  const result = {
    benchmark: 'verify',
    runId,
    batchFiles: batches.length,
    storedMB: +(bytes / 1e6).toFixed(1),
    ticks: ticksRead,
    rounds: ROUNDS,
    verifySeconds: +v.toFixed(2),
    readAndDecompressSeconds: +rd.toFixed(2),
    zstdTestSeconds: +z.toFixed(2),
    verifyMBps: mbps(v),
    readMBps: mbps(rd),
    zstdMBps: mbps(z),
    verifyOverRead: +(rd / v).toFixed(2),
    verifyOverZstd: +(z / v).toFixed(2),
    target: 0.8,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    say(`${result.ticks} ticks; medians of ${ROUNDS} rounds:`);
    say(`  evochora verify (no replay)     ${result.verifySeconds} s  ${result.verifyMBps} MB/s`);
    say(`  storage reader, every chunk     ${result.readAndDecompressSeconds} s  ${result.readMBps} MB/s`);
    say(`  zstd -t (C, no decoding)        ${result.zstdTestSeconds} s  ${result.zstdMBps} MB/s`);
    say(
      `verify ÷ read-and-decompress: ${result.verifyOverRead}× (target ≥ ${result.target}); ÷ zstd -t: ${result.verifyOverZstd}×`,
    );
  }
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
});
