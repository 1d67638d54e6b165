import { Flags } from '../../src/cli/oclif.js';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { EvochoraError } from '../../src/errors.js';
import { nodePaths } from '../../src/node/node-paths.js';
import { readNodeState } from '../../src/node/node-state.js';
import { prettyLogLineFormatter } from '../../src/logging/logger.js';
import { CliErrorCode } from '../../src/cli/error-codes.js';

export interface NodeLogsResult {
  file: string;
  lines: string[];
}

export default class NodeLogs extends EvochoraCommand<NodeLogsResult> {
  static override summary = 'Print the log of the detached node; -f follows it.';
  static override examples = [
    '<%= config.bin %> node logs',
    '<%= config.bin %> node logs -n 20 -f',
    '<%= config.bin %> node logs --json',
  ];
  static override flags = {
    ...dataDirFlag,
    lines: Flags.integer({ char: 'n', default: 100, min: 0, description: 'How many of the last lines to print.' }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines as they are written (Ctrl+C to end).' }),
    format: Flags.string({
      options: ['auto', 'pretty', 'raw'],
      default: 'auto',
      description:
        'pretty: readable lines as the foreground node prints them; raw: the JSON lines as stored; auto: pretty on a terminal, raw otherwise (--json always gives the raw lines).',
    }),
  };

  async run(): Promise<NodeLogsResult> {
    const { flags } = await this.parse(NodeLogs);
    const { config } = this.resolveConfig(flags);
    const paths = nodePaths(config.node.dataDir);
    const file = readNodeState(paths.stateFile)?.logFile ?? paths.logFile;
    if (!existsSync(file)) {
      throw new EvochoraError(CliErrorCode.LOG_NOT_FOUND, `No log file at ${file}.`, {
        actions: [
          'Only a node started with `evochora node run --detached` writes a log file; a foreground node logs to the terminal.',
        ],
      });
    }
    const { text, size } = readTail(file, flags.lines);
    const lines = text === '' ? [] : text.split('\n');
    if (this.jsonEnabled()) return { file, lines };
    const pretty = flags.format === 'pretty' || (flags.format === 'auto' && process.stdout.isTTY === true);
    const show = pretty
      ? await prettyLogLineFormatter(process.stdout.isTTY === true && !process.env.NO_COLOR)
      : (line: string) => line;
    for (const line of lines) this.log(show(line));
    if (flags.follow) {
      let partial = '';
      await follow(file, size, (chunk) => {
        // Whole lines only: a line written in two parts is formatted once it is complete.
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        for (const line of parts) process.stdout.write(`${show(line)}\n`);
      });
    }
    return { file, lines };
  }
}

/** The last `count` lines, read from the end so a large log costs little. */
function readTail(file: string, count: number): { text: string; size: number } {
  const size = statSync(file).size;
  if (count === 0) return { text: '', size };
  const fd = openSync(file, 'r');
  try {
    let position = size;
    let collected = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(64 * 1024, position);
      position -= length;
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, position);
      collected = Buffer.concat([buf, collected]);
      if (collected.toString('utf8').split('\n').length > count + 1) break;
    }
    const lines = collected.toString('utf8').replace(/\n$/, '').split('\n');
    return { text: lines.slice(-count).join('\n'), size };
  } finally {
    closeSync(fd);
  }
}

async function follow(file: string, from: number, write: (chunk: string) => void): Promise<never> {
  let offset = from;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      continue; // rotated away; wait for the new file
    }
    if (size < offset) offset = 0; // truncated or rotated: start over
    if (size === offset) continue;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      write(buf.toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }
}
