/**
 * One root pino logger per process. Human-readable lines on a terminal, JSON lines when headless or asked
 * for, JSON into a file in detached mode (reopened on SIGHUP so logrotate works). Per-logger levels come
 * from `logging.levels`; `loggerFor(name)` applies them.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { EvochoraConfig, LogLevel } from '../config/config-schema.js';
import { LogFile } from './log-file.js';

export type LogTarget =
  { kind: 'terminal' } | { kind: 'stdout-json' } | { kind: 'stderr-json' } | { kind: 'file'; path: string };

export interface ProcessLogger {
  readonly root: Logger;
  loggerFor(name: string): Logger;
  /** Reopens the log file after rotation; a no-op for terminal output. */
  reopen(): void;
  flush(): void;
}

export async function createProcessLogger(
  logging: EvochoraConfig['logging'],
  target: LogTarget,
): Promise<ProcessLogger> {
  const levels = logging.levels;
  // The root must let through the most verbose per-logger level; children narrow it down.
  const rootLevel = mostVerbose([logging.level, ...Object.values(levels)]);
  let destination: DestinationStream;
  let reopen = (): void => {};
  let flush = (): void => {};
  if (target.kind === 'file') {
    const file = new LogFile(target.path);
    destination = file;
    reopen = () => file.reopen();
    flush = () => file.flushSync();
  } else if (target.kind === 'terminal' && logging.format !== 'json') {
    const { default: pretty } = await import('pino-pretty');
    destination = pretty({ ...PRETTY_OPTIONS, colorize: !process.env.NO_COLOR, destination: 2 });
  } else {
    destination = pino.destination({ dest: target.kind === 'stderr-json' ? 2 : 1, sync: true });
  }
  const root = pino({ level: rootLevel, base: { pid: process.pid } }, destination);
  const own = root.child({}, { level: logging.level });
  return {
    root: own,
    loggerFor: (name) => root.child({ name }, { level: levels[name] ?? logging.level }),
    reopen,
    flush,
  };
}

const ORDER: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function mostVerbose(levels: LogLevel[]): LogLevel {
  return levels.reduce((a, b) => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b));
}

/**
 * Picks the target for a foreground process: pretty on a TTY unless JSON is configured; JSON lines when
 * headless. With `--json` the logs go to stderr so stdout carries only the final envelope.
 */
export function foregroundTarget(logging: EvochoraConfig['logging'], jsonRequested: boolean): LogTarget {
  if (jsonRequested) return { kind: 'stderr-json' };
  if (logging.format === 'json') return { kind: 'stdout-json' };
  if (logging.format === 'pretty') return { kind: 'terminal' };
  return process.stderr.isTTY ? { kind: 'terminal' } : { kind: 'stdout-json' };
}

/** How log lines look on a terminal: the foreground node and `evochora node logs` print them alike. */
export const PRETTY_OPTIONS = { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } as const;

/**
 * A formatter for JSON log lines as the foreground node prints them; a line that is not a log record (a
 * crash trace written to the file) comes back unchanged.
 */
export async function prettyLogLineFormatter(colorize: boolean): Promise<(line: string) => string> {
  const { prettyFactory } = await import('pino-pretty');
  const format = prettyFactory({ ...PRETTY_OPTIONS, colorize });
  return (line) => {
    if (!line.startsWith('{')) return line;
    try {
      return format(JSON.parse(line) as object).replace(/\n$/, '');
    } catch {
      return line;
    }
  };
}
