import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manager, recordingConfig, waitUntil } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-engcfg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The engine's error: refused before anything starts (preflight, CONFIG_INVALID), or its ERROR once started. */
async function engineError(engine: Record<string, unknown>): Promise<{ code: string; message: string }> {
  let sm;
  try {
    sm = await manager(recordingConfig(dir, { engine }));
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  try {
    sm.start('simulation-engine');
    await waitUntil(() => sm.stateOf('simulation-engine') === 'ERROR', 30_000, 'engine error');
    const [err] = sm.serviceStatus('simulation-engine').errors;
    return { code: err!.code, message: err!.message };
  } finally {
    await sm.shutdown();
  }
}

describe('SimulationEngine configuration errors', () => {
  // Program and world problems are found before any service starts (nothing starts with a bad configuration).
  it('names a program file that cannot be read', async () => {
    expect(
      await engineError({ organisms: [{ program: 'no/such/file.evo', energy: 100, positions: [[1, 1]] }] }),
    ).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/no\/such\/file\.evo' cannot be read/) });
  });

  it('shows the compiler diagnostics of a program that does not compile', async () => {
    const file = join(dir, 'bad.evo');
    writeFileSync(file, 'START:\n  JMPI NOWHERE\n');
    expect(await engineError({ organisms: [{ program: file, energy: 100, positions: [[1, 1]] }] })).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/does not compile:[\s\S]*NOWHERE/),
    });
  });

  it('refuses positions that do not match the world', async () => {
    expect(
      await engineError({ organisms: [{ program: 'builtin:counter', energy: 100, positions: [[1, 1, 1]] }] }),
    ).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/does not match the world shape/) });
  });

  it('refuses a thread count that is not a whole number from 1 to 256, in either place', async () => {
    expect(await engineError({ runtime: { threads: 0 } })).toMatchObject({
      message: expect.stringMatching(/runtime\.threads must be a whole number from 1 to 256, got 0/),
    });
    expect(await engineError({ threads: 300 })).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses to resume a run that is not stored', async () => {
    expect(await engineError({ resume: { runId: 'no-such-run' } })).toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
