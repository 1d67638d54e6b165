/**
 * Finds the node for a data directory and decides, without hanging, whether it is running:
 *   no state file                      → not running
 *   state file, pid dead               → not running; stale files removed
 *   pid alive, nothing on its port     → not running (the pid belongs to someone else); stale files removed
 *   pid alive, health answers, nonce ≠ → not running (another program); stale files removed
 *   pid alive, health times out        → unknown (exit 4)
 */
import { probeHealth, type HealthReply } from '../node/health-probe.js';
import { nodePaths, type NodePaths } from '../node/node-paths.js';
import { isProcessAlive, readNodeState, removeQuietly, type NodeState } from '../node/node-state.js';
import { existsSync } from 'node:fs';

export type NodeLocation =
  | { kind: 'running'; paths: NodePaths; state: NodeState; health: HealthReply }
  | { kind: 'not-running'; paths: NodePaths; staleRemoved: string | null }
  | { kind: 'unknown'; paths: NodePaths; state: NodeState; reason: string };

export async function locateNode(dataDir: string, timeoutMs = 1500): Promise<NodeLocation> {
  const paths = nodePaths(dataDir);
  const state = readNodeState(paths.stateFile);
  if (!state) {
    if (existsSync(paths.stateFile)) {
      removeQuietly(paths.stateFile);
      return { kind: 'not-running', paths, staleRemoved: 'unreadable state file' };
    }
    return { kind: 'not-running', paths, staleRemoved: null };
  }
  if (!isProcessAlive(state.pid)) {
    removeIfStill(paths, state);
    return { kind: 'not-running', paths, staleRemoved: `pid ${state.pid} is dead` };
  }
  const probe = await probeHealth(state.host ?? '127.0.0.1', state.port, timeoutMs);
  if (probe.kind === 'ok' && probe.health.nonce === state.nonce && probe.health.pid === state.pid) {
    return { kind: 'running', paths, state, health: probe.health };
  }
  if (probe.kind === 'refused' || probe.kind === 'ok') {
    removeIfStill(paths, state);
    return {
      kind: 'not-running',
      paths,
      staleRemoved: `pid ${state.pid} is alive but is not an evochora node (port ${state.port} ${probe.kind === 'ok' ? 'answers with another identity' : 'refuses connections'})`,
    };
  }
  return { kind: 'unknown', paths, state, reason: probe.reason };
}

/** Removes the node files only while they still describe `state`'s process (a node may have started meanwhile). */
function removeIfStill(paths: NodePaths, state: NodeState): void {
  if (readNodeState(paths.stateFile)?.nonce === state.nonce) removeQuietly(paths.stateFile, paths.tokenFile);
}
