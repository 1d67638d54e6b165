import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { CliErrorCode } from './error-codes.js';

/** Splits a shell-like line into words: whitespace separates, single and double quotes group, `\` escapes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote)
    throw new EvochoraError(CliErrorCode.USAGE, `Unterminated ${quote} quote in: ${line}`, {
      exitCode: ExitCode.Usage,
    });
  if (inWord) words.push(current);
  return words;
}
