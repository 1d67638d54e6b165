import { PipelineActionCommand } from '../../src/cli/pipeline-action-command.js';

export default class PipelineStart extends PipelineActionCommand {
  static override summary = "Start the pipeline's services (in startup order), or one service.";
  static override examples = [
    '<%= config.bin %> pipeline start',
    '<%= config.bin %> pipeline start dummy-producer --json',
  ];
  protected readonly action = 'start' as const;
}
