import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EvochoraError } from '../errors.js';
import { NodeErrorCode } from './error-codes.js';

function unusable(dir: string, dataDir: string, why: string): EvochoraError {
  return new EvochoraError(NodeErrorCode.DATA_DIR_UNUSABLE, `Cannot create ${dir}: ${why}`, {
    actions: ['Choose a writable data directory: --data-dir DIR (or node.dataDir / EVOCHORA_NODE_DATA_DIR).'],
    data: { dataDir },
  });
}

/**
 * Creates a directory of the node's and the missing ones above it, turning EACCES/ENOTDIR/ENOSPC into an error
 * that names the fix. One level at a time from the nearest existing parent, not `mkdirSync(…, { recursive })`:
 * under /proc that call never returns (it spins, deaf to SIGTERM), so `node run --data-dir /proc/x` hung.
 */
export function ensureNodeDir(dir: string, dataDir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const st = statSync(at, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw unusable(dir, dataDir, `${at} exists and is not a directory`);
      break;
    }
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d, { throwIfNoEntry: false })?.isDirectory())
        continue; // created meanwhile (another node starting)
      throw unusable(dir, dataDir, (err as Error).message);
    }
  }
}
