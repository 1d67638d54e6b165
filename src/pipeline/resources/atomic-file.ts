/**
 * Durable atomic file writes: temp file in the target directory → write → fsync → rename → fsync directory.
 * A crash at any step leaves either the old state or the complete new file visible, never a partial one
 * (temp files are skipped by every listing). All filesystem calls go through `FsOps` so tests can inject
 * faults (EIO, ENOSPC, EACCES) at any step.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export type FsStep = 'mkdir' | 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'fsyncDir' | 'unlink';

export interface FsOps {
  /** Creates `path` and missing parents; returns the first directory it created, if any. */
  mkdir(path: string): Promise<string | undefined>;
  /** Creates `path` exclusively, writes `data`, fsyncs and closes it. */
  writeAndSync(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  fsyncDir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const realFsOps: FsOps = {
  async mkdir(path) {
    return fsp.mkdir(path, { recursive: true });
  },
  async writeAndSync(path, data) {
    const fh = await fsp.open(path, 'wx', 0o644);
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await fh.write(data, off, data.length - off);
        off += bytesWritten;
      }
      // fdatasync: the data and what is needed to read it back (the size of a new file); the name becomes
      // durable with the directory fsync after the rename.
      await fh.datasync();
    } finally {
      await fh.close();
    }
  },
  async rename(from, to) {
    await fsp.rename(from, to);
  },
  async fsyncDir(path) {
    const fh = await fsp.open(path, 'r');
    try {
      await fh.sync();
    } catch (err) {
      // Some filesystems refuse fsync on directories; the rename is still atomic there.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR')
        throw err;
    } finally {
      await fh.close();
    }
  },
  async unlink(path) {
    await fsp.unlink(path);
  },
};

/** Name of a temp file next to `finalPath`; starts with '.' and ends with '.tmp' so listings skip it. */
export function tempPathFor(finalPath: string): string {
  return `${dirname(finalPath)}/.${basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process has swept (each once: a killed writer's temp files are left where it wrote). */
const swept = new Set<string>();

/**
 * Removes the temp files of writers that are gone (a node killed mid-write leaves its temp file; the pid in the
 * name tells whose it was). Best effort: a file that cannot be read or removed stays.
 */
export async function sweepDeadTempFiles(dir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    try {
      await fsp.unlink(`${dir}/${name}`);
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Writes `data` to `finalPath` atomically and durably; cleans up its temp file on failure. */
export async function writeFileAtomic(finalPath: string, data: Uint8Array, ops: FsOps = realFsOps): Promise<void> {
  const dir = dirname(finalPath);
  const created = await ops.mkdir(dir);
  if (created === undefined && !swept.has(dir)) {
    swept.add(dir);
    await sweepDeadTempFiles(dir);
  }
  if (created !== undefined) {
    // A new directory is durable only once its parent's entry is: fsync every parent of a created directory.
    const parents = [dirname(created)];
    for (let d = created; d !== dir && d.length < dir.length;) {
      parents.push(d);
      d = `${d}/${dir.slice(d.length + 1).split('/')[0]}`;
    }
    for (const p of parents) await ops.fsyncDir(p);
  }
  const tmp = tempPathFor(finalPath);
  try {
    await ops.writeAndSync(tmp, data);
    await ops.rename(tmp, finalPath);
  } catch (err) {
    await ops.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await ops.fsyncDir(dir);
}
