import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/pipeline/resources/atomic-file.js';

describe('atomic writes after a killed writer', () => {
  it('the next write into a directory removes the temp files of writers that are gone, and keeps live ones', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'evo-atomic-')), 'raw', '000');
    mkdirSync(dir, { recursive: true });
    // A pid that is certainly gone: a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadTemp = `.batch_1_2.pb.zst.${dead}.0a1b2c3d4e5f.tmp`;
    const liveTemp = `.batch_3_4.pb.zst.${process.pid}.0a1b2c3d4e5f.tmp`;
    writeFileSync(join(dir, deadTemp), 'half a batch');
    writeFileSync(join(dir, liveTemp), 'being written');
    writeFileSync(join(dir, 'batch_0_0.pb.zst'), 'whole');
    await writeFileAtomic(join(dir, 'batch_5_6.pb.zst'), new Uint8Array([1, 2, 3]));
    expect(readdirSync(dir).sort()).toEqual([liveTemp, 'batch_0_0.pb.zst', 'batch_5_6.pb.zst'].sort());
  });
});
