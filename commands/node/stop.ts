import { Flags } from '../../src/cli/oclif.js';
import { connect } from 'node:net';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { NodeClient } from '../../src/cli/node-client.js';
import { locateNode } from '../../src/cli/node-locator.js';
import { ExitCode } from '../../src/exit-codes.js';
import { isProcessAlive } from '../../src/node/node-state.js';
import { removeFilesOfExitedNode } from '../../src/node/node-lock.js';

export interface NodeStopResult {
  stopped: boolean;
  wasRunning: boolean;
  pid?: number;
  /** How the node ended: it drained on request, or had to be signalled. */
  escalation?: 'none' | 'SIGTERM' | 'SIGKILL';
  durationMs?: number;
}

export default class NodeStop extends EvochoraCommand<NodeStopResult> {
  static override summary = 'Stop the node gracefully; escalate to SIGTERM and SIGKILL if it does not exit.';
  static override description =
    'Asks the node to drain (services flush what they hold), waits up to --timeout ms, then signals its whole process group. Removes the state and token files. Exit 3 if no node was running.';
  static override examples = ['<%= config.bin %> node stop', '<%= config.bin %> node stop --timeout 5000 --json'];
  static override flags = {
    ...dataDirFlag,
    timeout: Flags.integer({
      description: 'Milliseconds to wait for a graceful stop before SIGTERM (default: node.stopTimeoutMs).',
    }),
  };

  async run(): Promise<NodeStopResult> {
    const { flags } = await this.parse(NodeStop);
    const { config } = this.resolveConfig(flags);
    const timeout = flags.timeout ?? config.node.stopTimeoutMs;
    const started = Date.now();
    const location = await locateNode(config.node.dataDir);
    if (location.kind === 'not-running') {
      this.exitStatus = ExitCode.NodeNotRunning;
      if (!this.jsonEnabled())
        this.log(
          `no node is running for ${config.node.dataDir}${location.staleRemoved ? ` (removed stale files: ${location.staleRemoved})` : ''}`,
        );
      return { stopped: false, wasRunning: false };
    }
    const pid = location.state.pid;
    let escalation: NodeStopResult['escalation'] = 'none';
    if (location.kind === 'running') {
      try {
        const client = await NodeClient.connect(config.node.dataDir);
        await client.post('/node/stop');
        if (!this.jsonEnabled()) this.logToStderr(`stopping node pid ${pid} (draining, up to ${timeout} ms)…`);
      } catch (err) {
        this.warnUser(`graceful stop request failed (${(err as Error).message}); signalling instead`);
      }
    }
    if (!(await waitForExit(pid, timeout))) {
      escalation = 'SIGTERM';
      this.warnUser(`node pid ${pid} did not exit within ${timeout} ms; sending SIGTERM to its process group`);
      signalGroup(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 5000))) {
        escalation = 'SIGKILL';
        this.warnUser(`node pid ${pid} ignored SIGTERM; sending SIGKILL`);
        signalGroup(pid, 'SIGKILL');
        await waitForExit(pid, 5000);
      }
    }
    if (isProcessAlive(pid)) throw new Error(`node pid ${pid} is still alive after SIGKILL`);
    // The node removes its files itself when it stops; after a SIGKILL they remain (and a node started meanwhile
    // may own new ones: they are removed only under the start lock).
    await removeFilesOfExitedNode(location.paths);
    if (await portAnswers(location.state.host, location.state.port))
      this.warnUser(`port ${location.state.port} still accepts connections after the node exited (another program?)`);
    const result: NodeStopResult = {
      stopped: true,
      wasRunning: true,
      pid,
      escalation,
      durationMs: Date.now() - started,
    };
    if (!this.jsonEnabled())
      this.log(
        `node pid ${pid} stopped${escalation === 'none' ? '' : ` (after ${escalation})`} in ${result.durationMs} ms`,
      );
    return result;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the detached node leads its own group
  } catch {
    try {
      process.kill(pid, signal); // a foreground node shares the terminal's group: signal it alone
    } catch {
      // already gone
    }
  }
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
