import { Args } from '../../src/cli/oclif.js';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { queryPipelineStatus } from '../../src/cli/status-queries.js';
import { ExitCode } from '../../src/exit-codes.js';
import type { PipelineStatus, ServiceStatus } from '../../src/pipeline/index.js';

export default class PipelineStatusCommand extends EvochoraCommand<PipelineStatus | ServiceStatus> {
  static override summary = 'Show services, states, metrics, bindings and resources of the running node.';
  static override description = `Exit 0 when healthy, ${ExitCode.PipelineUnhealthy} when a service is in ERROR or a resource is unhealthy, 3 when no node runs.`;
  static override examples = [
    '<%= config.bin %> pipeline status',
    '<%= config.bin %> pipeline status --json',
    '<%= config.bin %> pipeline status dummy-consumer',
  ];
  static override args = { service: Args.string({ description: 'Show only this service.', required: false }) };
  static override flags = {
    ...dataDirFlag,
  };

  async run(): Promise<PipelineStatus | ServiceStatus> {
    const { args, flags } = await this.parse(PipelineStatusCommand);
    const { config } = this.resolveConfig(flags);
    const outcome = await queryPipelineStatus(config.node.dataDir, args.service);
    this.exitStatus = outcome.exitStatus;
    if (!this.jsonEnabled()) for (const line of outcome.lines) this.log(line);
    return outcome.result;
  }
}
