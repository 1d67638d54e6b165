import { mkdirSync } from 'node:fs';
import { EvochoraError } from '../errors.js';
import { NodeErrorCode } from './error-codes.js';

/** Creates a directory of the node's, turning EACCES/ENOTDIR/ENOSPC into an error that names the fix. */
export function ensureNodeDir(dir: string, dataDir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new EvochoraError(NodeErrorCode.DATA_DIR_UNUSABLE, `Cannot create ${dir}: ${(err as Error).message}`, {
      actions: ['Choose a writable data directory: --data-dir DIR (or node.dataDir / EVOCHORA_NODE_DATA_DIR).'],
      data: { dataDir },
    });
  }
}
