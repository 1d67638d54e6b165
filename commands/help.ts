import { Args, Command, loadHelpClass } from '../src/cli/oclif.js';

/** `evochora help [command…]`: the same help as `--help`, so `help` works on the command line and in the shell. */
export default class HelpCommand extends Command {
  static override summary = 'Show help for evochora or for one command.';
  static override description =
    'Without arguments lists every command; `evochora help pipeline status` shows one command like `evochora pipeline status --help`.';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help pipeline status'];
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'The command (words as typed, e.g. `pipeline status`).', required: false }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(argv as string[]);
  }
}
