import { PipelineActionCommand } from '../../src/cli/pipeline-action-command.js';

export default class PipelinePause extends PipelineActionCommand {
  static override summary = 'Pause every running service, or one service.';
  static override examples = [
    '<%= config.bin %> pipeline pause',
    '<%= config.bin %> pipeline pause dummy-producer --json',
  ];
  protected readonly action = 'pause' as const;
}
