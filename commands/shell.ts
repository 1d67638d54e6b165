import { Flags } from '../src/cli/oclif.js';
import { createInterface } from 'node:readline';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EvochoraCommand } from '../src/cli/base-command.js';
import { splitCommandLine } from '../src/cli/split-command-line.js';

export default class Shell extends EvochoraCommand<{ commands: number }> {
  static override summary = 'Interactive prompt that runs evochora commands, with history.';
  static override description =
    'Type commands without the `evochora` prefix (`pipeline status`, `node logs -n 5`). `help` lists commands, `exit` or Ctrl+D leaves. History is kept in ~/.evochora_history (override with --history).';
  static override examples = ['<%= config.bin %> shell', 'echo "pipeline status --json" | <%= config.bin %> shell'];
  static override flags = {
    history: Flags.string({ description: 'History file.', default: join(homedir(), '.evochora_history') }),
  };

  async run(): Promise<{ commands: number }> {
    const { flags } = await this.parse(Shell);
    const history = loadHistory(flags.history);
    const interactive = process.stdin.isTTY === true;
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: interactive,
      history: history.slice().reverse(),
      historySize: 1000,
      prompt: 'evochora> ',
    });
    let count = 0;
    if (interactive) {
      this.log('evochora shell — type `help` for commands, `exit` to leave.');
      rl.prompt();
    }
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === 'exit' || line === 'quit') break;
      if (line !== '') {
        if (interactive) saveHistory(flags.history, line);
        count++;
        await this.runLine(line);
      }
      if (interactive) rl.prompt();
    }
    rl.close();
    process.exitCode = 0;
    return { commands: count };
  }

  private async runLine(line: string): Promise<void> {
    let argv: string[];
    try {
      argv = splitCommandLine(line);
    } catch (err) {
      this.logToStderr((err as Error).message);
      return;
    }
    if (argv[0] === 'evochora') argv.shift();
    if (argv.length === 0) return;
    if (argv[0] === 'shell') {
      this.logToStderr('already in the shell');
      return;
    }
    // Longest prefix of words that names a command: `pipeline status x` → pipeline:status with arg x.
    for (let n = Math.min(argv.length, 3); n > 0; n--) {
      const id = argv.slice(0, n).join(':');
      if (this.config.findCommand(id)) {
        try {
          await this.config.runCommand(id, argv.slice(n));
        } catch (err) {
          // An error ends the command, never the shell.
          this.logToStderr(`Error: ${(err as Error).message}`);
        }
        process.exitCode = 0;
        return;
      }
    }
    this.logToStderr(`unknown command: ${argv.join(' ')} (type \`help\`)`);
  }
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-1000);
  } catch {
    return [];
  }
}

function saveHistory(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    // history is a convenience; never fail a command because of it
  }
}
