import { PipelineActionCommand } from '../../src/cli/pipeline-action-command.js';

export default class PipelineRestart extends PipelineActionCommand {
  static override summary = "Restart the pipeline's services, or one service.";
  static override examples = [
    '<%= config.bin %> pipeline restart',
    '<%= config.bin %> pipeline restart dummy-producer --json',
  ];
  protected readonly action = 'restart' as const;
}
