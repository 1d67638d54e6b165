import { Args, Flags } from '@oclif/core';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { NodeClient } from '../../src/cli/node-client.js';
import { ExitCode } from '../../src/exit-codes.js';
import type { PipelineStatus, ServiceStatus } from '../../src/pipeline/service-manager.js';

export default class PipelineStatusCommand extends EvochoraCommand<PipelineStatus | ServiceStatus> {
  static override summary = 'Show services, states, metrics, bindings and resources of the running node.';
  static override description = `Exit 0 when healthy, ${ExitCode.PipelineUnhealthy} when a service is in ERROR or a resource is unhealthy, 3 when no node runs.`;
  static override examples = ['<%= config.bin %> pipeline status', '<%= config.bin %> pipeline status --json', '<%= config.bin %> pipeline status dummy-consumer'];
  static override args = { service: Args.string({ description: 'Show only this service.', required: false }) };
  static override flags = {
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
  };

  async run(): Promise<PipelineStatus | ServiceStatus> {
    const { args, flags } = await this.parse(PipelineStatusCommand);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const client = await NodeClient.connect(config.node.dataDir);
    if (args.service) {
      const service = await client.get<ServiceStatus>(`/pipeline/api/service/${encodeURIComponent(args.service)}/status`);
      if (!service.healthy) this.exitStatus = ExitCode.PipelineUnhealthy;
      if (!this.jsonEnabled()) this.printService(service);
      return service;
    }
    const status = await client.get<PipelineStatus>('/pipeline/api/status');
    if (!status.healthy) this.exitStatus = ExitCode.PipelineUnhealthy;
    if (!this.jsonEnabled()) {
      this.log(`pipeline ${status.status}${status.healthy ? '' : ' (unhealthy)'}  node pid ${client.pid} port ${client.port}`);
      for (const s of status.services) this.printService(s);
      if (status.resources.length > 0) this.log('resources:');
      for (const r of status.resources) this.log(`  ${r.name.padEnd(24)} ${r.type.padEnd(20)} ${r.healthy ? 'healthy' : 'UNHEALTHY'}  ${compact(r.metrics)}`);
    }
    return status;
  }

  private printService(s: ServiceStatus): void {
    this.log(`  ${s.name.padEnd(24)} ${s.state.padEnd(8)} ${s.healthy ? '' : 'UNHEALTHY '}${compact(s.metrics)}`);
    for (const b of s.resourceBindings) this.log(`      ${b.portName} → ${b.usageType ?? ''}:${b.resourceName} [${b.usageState}] ${compact(b.metrics)}`);
    for (const e of s.errors.slice(-3)) this.log(`      error ${e.code}: ${e.message}`);
  }
}

function compact(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
    .join(' ');
}
