/**
 * The base of every `evochora` command: the global flags (-c/--config, --set), the `--json` envelope with
 * warnings collected instead of printed, and error output that names the fix. Exit codes follow
 * src/exit-codes.ts.
 */
import { Command, Flags, type Interfaces } from './oclif.js';
import { loadConfig, type LoadedConfig } from '../config/loader.js';
import { ExitCode } from '../exit-codes.js';
import { errorEnvelope, exitCodeFor, formatErrorForHumans, type SuccessEnvelope } from './envelope.js';

/** The flag every command that talks to a node (or its files) takes. */
export const dataDirFlag = {
  'data-dir': Flags.string({
    description: 'Data directory of the node (shortcut for --set node.dataDir=DIR; default ./data).',
  }),
};

/** The flags of commands that read stored runs without a node: the data dir, or a storage root of its own. */
export const storageDirFlags = {
  ...dataDirFlag,
  'storage-dir': Flags.string({ description: 'Storage root to read instead of <data-dir>/storage.' }),
};

export abstract class EvochoraCommand<T = unknown> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      helpGroup: 'GLOBAL',
      description: 'Config file (HOCON). Default: ./config/evochora.conf if present, else built-in defaults.',
    }),
    set: Flags.string({
      helpGroup: 'GLOBAL',
      multiple: true,
      description: 'Override a config key, e.g. --set node.port=9090 (repeatable).',
    }),
  };

  /** The exit code of a command that succeeded in reporting something non-zero (e.g. "not running" = 3). */
  protected exitStatus: number = ExitCode.Ok;
  private readonly warningsCollected: string[] = [];

  protected warnUser(message: string): void {
    this.warningsCollected.push(message);
    if (!this.jsonEnabled()) this.logToStderr(`Warning: ${message}`);
  }

  /**
   * Resolves configuration with the global flags; command-specific overrides are appended last, and
   * `--data-dir` (see `dataDirFlag`) is a shortcut for `--set node.dataDir=DIR`.
   */
  protected resolveConfig(
    flags: { config?: string; set?: string[]; 'data-dir'?: string },
    extraOverrides: string[] = [],
  ): LoadedConfig {
    const dataDir = flags['data-dir'] !== undefined ? [`node.dataDir=${flags['data-dir']}`] : [];
    return loadConfig({
      ...(flags.config !== undefined ? { configFile: flags.config } : {}),
      overrides: [...(flags.set ?? []), ...extraOverrides, ...dataDir],
    });
  }

  protected override toSuccessJson(result: unknown): SuccessEnvelope<unknown> {
    return { status: this.exitStatus, result, warnings: this.warningsCollected };
  }

  protected override async catch(err: Interfaces.CommandError): Promise<void> {
    const status = exitCodeFor(err);
    process.exitCode = status;
    if (this.jsonEnabled()) {
      this.logJson(errorEnvelope(err, this.warningsCollected));
      return;
    }
    process.stderr.write(formatErrorForHumans(err));
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    if (!err) process.exitCode = this.exitStatus;
    await super.finally(err);
  }

  abstract override run(): Promise<T>;
}
