import { join } from 'node:path';

/** Where a node keeps its files, all under the data directory so that two projects never collide. */
export interface NodePaths {
  readonly dataDir: string;
  readonly stateDir: string;
  /** pid, port, nonce, … of the running node (written atomically). */
  readonly stateFile: string;
  /** The file proper-lockfile locks to make starts exclusive. */
  readonly lockTarget: string;
  /** Bearer token for mutating HTTP endpoints (mode 0600). */
  readonly tokenFile: string;
  readonly logFile: string;
  /** The runs this data dir's nodes simulated and whether each ended cleanly (run-journal.ts). */
  readonly runJournal: string;
}

export function nodePaths(dataDir: string): NodePaths {
  const stateDir = join(dataDir, 'node');
  return {
    dataDir,
    stateDir,
    stateFile: join(stateDir, 'node.json'),
    lockTarget: join(stateDir, 'node'),
    tokenFile: join(stateDir, 'token'),
    logFile: join(dataDir, 'logs', 'node.log'),
    runJournal: join(stateDir, 'runs.json'),
  };
}
