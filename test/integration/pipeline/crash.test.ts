import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { manager, recordingConfig, waitUntil } from './helpers.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function allFiles(d: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let entries;
    try {
      entries = readdirSync(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) (e.isDirectory() ? walk : (f: string) => out.push(f))(join(p, e.name));
  };
  walk(d);
  return out;
}

describe('crash safety', () => {
  for (const delayBatches of [3, 12]) {
    it(`kill -9 after ~${delayBatches} batch files leaves no partial visible file and every visible file readable`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/record-until-killed.ts'), dir], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let runId = '';
      child.stdout.on('data', (b: Buffer) => (runId += b.toString()));
      const storageRoot = join(dir, 'storage');
      await waitUntil(
        () => allFiles(storageRoot).filter((f) => f.includes('batch_') && !f.endsWith('.tmp')).length >= delayBatches,
        90_000,
        'batch files',
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      runId = runId.trim();
      expect(runId).not.toBe('');
      const storage = new FileSystemStorage('s', { rootDirectory: storageRoot });
      const batches = await storage.listBatches(runId);
      expect(batches.length).toBeGreaterThanOrEqual(delayBatches);
      let chunks = 0;
      for (const b of batches) {
        for await (const c of storage.readBatchFile(b.key)) {
          const chunk = TickDataChunk.decode(c.data);
          expect(chunk.simulationRunId).toBe(runId);
          chunks++;
        }
      }
      expect(chunks).toBe(batches.length);
      // Whatever was in progress is only a hidden temp file, which no listing returns.
      for (const f of allFiles(storageRoot)) {
        const name = f.split('/').pop()!;
        expect(name.endsWith('.pb.zst') || name.endsWith('.tmp')).toBe(true);
        if (name.endsWith('.tmp')) expect(name.startsWith('.')).toBe(true);
      }
      expect((await storage.readMetadata(runId)).simulationRunId).toBe(runId);
    });
  }

  it('evochora inspect storage names the file and offset of a truncated batch and exits 1', async () => {
    const sm = await manager(recordingConfig(dir, { engine: { maxTicks: 60 } }));
    await sm.startAll();
    const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
    await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED');
    await sm.shutdown();
    const storage = new FileSystemStorage('s', { rootDirectory: join(dir, 'storage') });
    const [first] = await storage.listBatches(engine.simulationRunId);
    const path = join(dir, 'storage', first!.key);
    const bytes = readFileSync(path);
    // Cut inside the chunks' frames (each chunk is a frame of its own): the last tick of the file is gone.
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'bin/dev.js'),
          'inspect',
          'storage',
          '--data-dir',
          dir,
          '--run',
          engine.simulationRunId,
          '--tick',
          String(first!.lastTick),
          '--json',
        ],
        { cwd: root },
      );
      let stdout = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(1);
    const env = JSON.parse(out.stdout) as {
      status: number;
      code: string;
      message: string;
      data: { file: string; offset: number };
    };
    expect(env).toMatchObject({ status: 1, code: 'STORAGE_FILE_CORRUPT', data: { file: first!.key } });
    expect(env.message).toMatch(new RegExp(`${first!.key.replace(/\./g, '\\.')}.*offset \\d+`));
  });
});
