import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LogFile } from '../../../src/logging/log-file.js';

describe('LogFile', () => {
  it('writes lines in order, and a reopen after rotation writes to the new file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evo-logfile-'));
    const path = join(dir, 'logs', 'node.log');
    const file = new LogFile(path);
    const log = pino({ base: null }, file);
    log.info('one');
    log.warn('two');
    renameSync(path, `${path}.1`);
    file.reopen();
    log.info('three');
    file.close();
    const msgs = (p: string): string[] =>
      readFileSync(p, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs(`${path}.1`)).toEqual(['one', 'two']);
    expect(msgs(path)).toEqual(['three']);
  });

  it('on a full disk neither blocks nor throws, also for fatal lines, and bounds what it keeps', () => {
    // /dev/full fails every write with ENOSPC. pino's own file stream loops forever in flushSync there, which
    // pino calls after every fatal line: the daemon froze on a full disk.
    const file = new LogFile('/dev/full', 1000);
    const log = pino({ base: null }, file);
    const started = performance.now();
    for (let i = 0; i < 200; i++) log.error({ i }, 'a line the disk refuses');
    log.fatal('fatal on a full disk');
    file.flushSync();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(file.lastError?.code).toBe('ENOSPC');
    file.close();
  });
});
