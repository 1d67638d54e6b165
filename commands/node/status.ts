import { Flags } from '../../src/cli/oclif.js';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { queryNodeStatus, type NodeStatusResult } from '../../src/cli/status-queries.js';

export default class NodeStatus extends EvochoraCommand<NodeStatusResult> {
  static override summary = 'Show whether the node is running (exit 0), not running (3) or unknown (4).';
  static override description =
    'Checks the state file, the process and the HTTP health endpoint (pid and nonce must match), and removes stale files left by a dead node.';
  static override examples = ['<%= config.bin %> node status', '<%= config.bin %> node status --json'];
  static override flags = {
    ...dataDirFlag,
    timeout: Flags.integer({ description: 'Milliseconds to wait for the health answer.', default: 1500 }),
  };

  async run(): Promise<NodeStatusResult> {
    const { flags } = await this.parse(NodeStatus);
    const { config } = this.resolveConfig(flags);
    const outcome = await queryNodeStatus(config.node.dataDir, flags.timeout);
    this.exitStatus = outcome.exitStatus;
    if (!this.jsonEnabled()) for (const line of outcome.lines) this.log(line);
    return outcome.result;
  }
}
