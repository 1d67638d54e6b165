import { Flags } from '@oclif/core';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { locateNode } from '../../src/cli/node-locator.js';
import { ExitCode } from '../../src/exit-codes.js';

export interface NodeStatusResult {
  running: boolean;
  state: 'running' | 'not-running' | 'unknown';
  pid?: number;
  port?: number;
  url?: string;
  version?: string;
  startedAt?: string;
  uptimeSeconds?: number;
  dataDir: string;
  logFile?: string | null;
  pipeline?: { status: string; healthy: boolean };
  staleFilesRemoved?: string;
  reason?: string;
}

export default class NodeStatus extends EvochoraCommand<NodeStatusResult> {
  static override summary = 'Show whether the node is running (exit 0), not running (3) or unknown (4).';
  static override description = 'Checks the state file, the process and the HTTP health endpoint (pid and nonce must match), and removes stale files left by a dead node.';
  static override examples = ['<%= config.bin %> node status', '<%= config.bin %> node status --json'];
  static override flags = {
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
    timeout: Flags.integer({ description: 'Milliseconds to wait for the health answer.', default: 1500 }),
  };

  async run(): Promise<NodeStatusResult> {
    const { flags } = await this.parse(NodeStatus);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const location = await locateNode(config.node.dataDir, flags.timeout);
    if (location.kind === 'running') {
      const { state, health } = location;
      const result: NodeStatusResult = {
        running: true,
        state: 'running',
        pid: state.pid,
        port: state.port,
        url: `http://${state.host}:${state.port}`,
        version: health.version,
        startedAt: health.startedAt,
        uptimeSeconds: health.uptimeSeconds,
        dataDir: health.dataDir,
        logFile: health.logFile,
        pipeline: health.pipeline,
      };
      if (!this.jsonEnabled()) {
        this.log(`running  pid ${state.pid}  ${result.url}  up ${formatUptime(health.uptimeSeconds)}  pipeline ${health.pipeline.status}${health.pipeline.healthy ? '' : ' (unhealthy)'}`);
        this.log(`  data dir  ${health.dataDir}`);
        if (health.logFile) this.log(`  log file  ${health.logFile}`);
      }
      return result;
    }
    if (location.kind === 'unknown') {
      this.exitStatus = ExitCode.StatusUnknown;
      if (!this.jsonEnabled()) this.log(`unknown  pid ${location.state.pid} is alive but its API did not answer (${location.reason})`);
      return { running: false, state: 'unknown', pid: location.state.pid, port: location.state.port, dataDir: config.node.dataDir, reason: location.reason };
    }
    this.exitStatus = ExitCode.NodeNotRunning;
    if (!this.jsonEnabled()) {
      this.log(`not running  (data dir ${config.node.dataDir})`);
      if (location.staleRemoved) this.log(`  removed stale state: ${location.staleRemoved}`);
    }
    return { running: false, state: 'not-running', dataDir: config.node.dataDir, ...(location.staleRemoved ? { staleFilesRemoved: location.staleRemoved } : {}) };
  }
}

function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
