import { PipelineActionCommand } from '../../src/cli/pipeline-action-command.js';

export default class PipelineStop extends PipelineActionCommand {
  static override summary = "Stop the pipeline's services (reverse order, draining), or one service.";
  static override examples = [
    '<%= config.bin %> pipeline stop',
    '<%= config.bin %> pipeline stop dummy-producer --json',
  ];
  protected readonly action = 'stop' as const;
}
