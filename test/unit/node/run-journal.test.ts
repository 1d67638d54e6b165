import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunJournal } from '../../../src/node/run-journal.js';
import { withOptionalResumeValue } from '../../../src/cli/run-continuation.js';

const file = (): string => join(mkdtempSync(join(tmpdir(), 'evo-journal-')), 'runs.json');
const at = (s: number): Date => new Date(Date.UTC(2026, 11, 5, 0, 0, s));

describe('RunJournal', () => {
  it('keeps a run open while its engine runs, ends it when the engine stops, and leaves a failed one open', () => {
    const f = file();
    const j = new RunJournal(f);
    j.observe([{ service: 'sim', runId: 'a', tick: 10, state: 'RUNNING' }], at(1));
    j.observe([{ service: 'sim', runId: 'a', tick: 50, state: 'PAUSED' }], at(2));
    expect(RunJournal.interrupted(RunJournal.read(f))?.runId).toBe('a');
    j.observe([{ service: 'sim', runId: 'a', tick: 60, state: 'STOPPED' }], at(3));
    j.observe([{ service: 'sim', runId: 'b', tick: 5, state: 'RUNNING' }], at(4));
    j.observe([{ service: 'sim', runId: 'b', tick: 7, state: 'ERROR' }], at(5));
    const runs = RunJournal.read(f);
    expect(runs).toEqual([
      { runId: 'a', service: 'sim', startedAt: at(1).toISOString(), lastTick: 60, endedAt: at(3).toISOString() },
      { runId: 'b', service: 'sim', startedAt: at(4).toISOString(), lastTick: 7, endedAt: null },
    ]);
    expect(RunJournal.interrupted(runs)?.runId).toBe('b');
    expect(RunJournal.interrupted(runs, ['b'])).toBeUndefined();
  });

  it('a resumed run is open again; the newest open run is the one to resume', () => {
    const f = file();
    const j = new RunJournal(f);
    j.observe([{ service: 'sim', runId: 'old', tick: 1, state: 'RUNNING' }], at(1));
    j.observe([{ service: 'sim', runId: 'new', tick: 1, state: 'RUNNING' }], at(2));
    expect(RunJournal.interrupted(RunJournal.read(f))?.runId).toBe('new');
    j.observe([{ service: 'sim', runId: 'new', tick: 9, state: 'STOPPED' }], at(3));
    expect(RunJournal.interrupted(RunJournal.read(f))?.runId).toBe('old');
  });

  it('reads a missing or corrupt journal as empty and rewrites it whole', () => {
    const f = file();
    expect(RunJournal.read(f)).toEqual([]);
    writeFileSync(f, '{"runs": [tr');
    const j = new RunJournal(f);
    j.observe([{ service: 'sim', runId: 'x', tick: 3, state: 'RUNNING' }], at(1));
    expect(JSON.parse(readFileSync(f, 'utf8')).runs).toHaveLength(1);
  });
});

describe('--resume without a value', () => {
  it('means the newest interrupted run, before another flag or at the end', () => {
    expect(withOptionalResumeValue(['--resume'])).toEqual(['--resume', 'latest']);
    expect(withOptionalResumeValue(['--resume', '--detached'])).toEqual(['--resume', 'latest', '--detached']);
    expect(withOptionalResumeValue(['--resume', 'RUN', '-d'])).toEqual(['--resume', 'RUN', '-d']);
  });
});
