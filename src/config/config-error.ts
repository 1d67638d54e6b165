import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatIssue, type ValidationIssue } from './validate.js';
import { ConfigErrorCode } from './error-codes.js';

/** One or more problems with the configuration; nothing starts while any remain. */
export class ConfigError extends EvochoraError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: ValidationIssue[], headline = 'Invalid configuration') {
    const lines = issues.map((i) => `  - ${formatIssue(i)}`);
    super(
      ConfigErrorCode.CONFIG_INVALID,
      `${headline} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      {
        exitCode: ExitCode.Usage,
        actions: ['Fix the keys listed; every key and its default is documented in config/evochora.conf.'],
        data: { issues: issues.map((i) => ({ ...i, message: formatIssue(i) })) },
      },
    );
    this.issues = issues;
  }
}

export class ConfigFileError extends EvochoraError {
  constructor(file: string, problem: string) {
    super(ConfigErrorCode.CONFIG_FILE_UNREADABLE, `Cannot read config file ${file}: ${problem}`, {
      exitCode: ExitCode.Usage,
      actions: ['Check the path given with -c/--config (or EVOCHORA_CONFIG).'],
      data: { file },
    });
  }
}
