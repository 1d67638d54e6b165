/**
 * What `pipeline start|stop|pause|resume|restart [SERVICE]` share: one POST to the node, answered with 202
 * once the action is validated (unknown service → 404, invalid transition → 409, both exit 1 with the code).
 */
import { Args } from './oclif.js';
import type { LifecycleAction } from '../pipeline/index.js';
import { dataDirFlag, EvochoraCommand } from './base-command.js';
import { NodeClient } from './node-client.js';

export interface PipelineActionResult {
  action: LifecycleAction;
  target: string;
  accepted: boolean;
  message: string;
}

export abstract class PipelineActionCommand extends EvochoraCommand<PipelineActionResult> {
  static override args = {
    service: Args.string({
      description: 'Apply to this service only (default: every service of the pipeline).',
      required: false,
    }),
  };

  static override flags = {
    ...dataDirFlag,
  };

  protected abstract readonly action: LifecycleAction;

  async run(): Promise<PipelineActionResult> {
    // oclif spreads the options object, which drops inherited statics; name them explicitly.
    const { args, flags } = await this.parse({
      args: PipelineActionCommand.args,
      flags: PipelineActionCommand.flags,
      baseFlags: EvochoraCommand.baseFlags,
      enableJsonFlag: true,
    });
    const { config } = this.resolveConfig(flags);
    const client = await NodeClient.connect(config.node.dataDir);
    const service = args.service as string | undefined;
    const path = service
      ? `/pipeline/api/service/${encodeURIComponent(service)}/${this.action}`
      : `/pipeline/api/${this.action}`;
    const reply = await client.post<{ message: string }>(path);
    const result: PipelineActionResult = {
      action: this.action,
      target: service ?? 'pipeline',
      accepted: true,
      message: reply.message,
    };
    if (!this.jsonEnabled()) this.log(reply.message);
    return result;
  }
}
