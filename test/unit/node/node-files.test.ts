/**
 * Who may remove a node's state and token files. `node stop` cleans up after the node it stopped; a `node run`
 * started during that stop already owns the data dir (it holds the start lock) and its files must survive, or it
 * runs on unseen by `node status` (found by the lifecycle-race chaos scenario).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireNodeLock, removeFilesOfExitedNode } from '../../../src/node/node-lock.js';
import { nodePaths, type NodePaths } from '../../../src/node/node-paths.js';
import { newNonce, writeNodeState, writeToken } from '../../../src/node/node-state.js';
import { locateNode } from '../../../src/cli/node-locator.js';

let dir: string;
let paths: NodePaths;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-node-files-'));
  paths = nodePaths(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeFilesOf(pid: number): string {
  const nonce = newNonce();
  writeToken(paths.tokenFile);
  writeNodeState(paths.stateFile, {
    pid,
    port: 1,
    host: '127.0.0.1',
    startedAt: new Date().toISOString(),
    nonce,
    version: 'test',
    logFile: null,
    dataDir: dir,
  });
  return nonce;
}

describe("a node's files after a stop", () => {
  it('are left alone while another node holds the start lock, and removed once nobody does', async () => {
    const release = await acquireNodeLock(paths, undefined, () => undefined); // the node started meanwhile
    writeFilesOf(process.pid);
    await removeFilesOfExitedNode(paths);
    expect([existsSync(paths.stateFile), existsSync(paths.tokenFile)]).toEqual([true, true]);
    await release();
    await removeFilesOfExitedNode(paths);
    expect([existsSync(paths.stateFile), existsSync(paths.tokenFile)]).toEqual([false, false]);
  });

  it('a status check that finds a dead pid removes the files only while they still name that pid', async () => {
    // A dead pid's files: removed.
    writeFilesOf(2 ** 22 + 12345);
    expect((await locateNode(dir)).kind).toBe('not-running');
    expect(existsSync(paths.stateFile)).toBe(false);
  });
});
