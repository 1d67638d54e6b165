/**
 * The exclusive start lock. proper-lockfile keeps the lock fresh while we live; if the holder dies hard
 * (kill -9), the lock goes stale after a few seconds and the next start takes it over. While waiting we
 * look at the state file: a live node answering with its nonce means "already running" at once.
 */
import lockfile from 'proper-lockfile';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { probeHealth } from './health-probe.js';
import { NodeAlreadyRunningError } from './node-errors.js';
import type { NodePaths } from './node-paths.js';
import { isProcessAlive, readNodeState, removeQuietly } from './node-state.js';

const STALE_MS = 4000;
const UPDATE_MS = 1000;

export type ReleaseLock = () => Promise<void>;

export async function acquireNodeLock(
  paths: NodePaths,
  logger: Logger | undefined,
  onCompromised: (err: Error) => void,
): Promise<ReleaseLock> {
  mkdirSync(paths.stateDir, { recursive: true });
  const deadline = Date.now() + STALE_MS + 3000;
  for (;;) {
    try {
      return await lockfile.lock(paths.lockTarget, {
        realpath: false,
        stale: STALE_MS,
        update: UPDATE_MS,
        retries: 0,
        onCompromised,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    }
    const state = readNodeState(paths.stateFile);
    if (state && state.pid !== process.pid && isProcessAlive(state.pid)) {
      const probe = await probeHealth(state.host ?? '127.0.0.1', state.port, 1000);
      if (probe.kind === 'ok' && probe.health.nonce === state.nonce)
        throw new NodeAlreadyRunningError(state.pid, state.port, paths.dataDir);
      if (probe.kind === 'no-answer') throw new NodeAlreadyRunningError(state.pid, state.port, paths.dataDir);
      // 'refused': the pid was reused by something else; the lock will turn stale. Keep waiting.
    }
    if (Date.now() > deadline) throw new NodeAlreadyRunningError(state?.pid, state?.port, paths.dataDir);
    logger?.debug('start lock held by another process; waiting');
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Removes the state and token files a node left when it exited, unless another node owns the data dir by now. Only
 * under the start lock, tried once: every node holds it from before it clears stale files until after it removed its
 * own, so while someone else holds it the files may be that node's (a `node run` started during a `node stop` had its
 * files deleted this way, and ran on unseen by `node status`). Not taken: the files stay for the lock holder or a
 * later start to settle.
 */
export async function removeFilesOfExitedNode(paths: NodePaths): Promise<void> {
  let release: ReleaseLock;
  try {
    mkdirSync(paths.stateDir, { recursive: true });
    release = await lockfile.lock(paths.lockTarget, { realpath: false, stale: STALE_MS, retries: 0 });
  } catch {
    return;
  }
  try {
    removeQuietly(paths.stateFile, paths.tokenFile);
  } finally {
    await release().catch(() => undefined);
  }
}
