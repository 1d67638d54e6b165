import { PipelineActionCommand } from '../../src/cli/pipeline-action-command.js';

export default class PipelineResume extends PipelineActionCommand {
  static override summary = 'Resume every paused service, or one service.';
  static override examples = [
    '<%= config.bin %> pipeline resume',
    '<%= config.bin %> pipeline resume dummy-producer --json',
  ];
  protected readonly action = 'resume' as const;
}
