/**
 * `evochora node status` and `evochora pipeline status` without loading oclif: scripts and agents poll
 * these, so their cold start is the user experience. bin/run.js tries this first and falls back to oclif
 * for anything it does not recognise (help, unknown flags), so behaviour stays that of the real commands.
 */
import { loadConfig } from '../config/loader.js';
import { errorEnvelope, exitCodeFor, formatErrorForHumans, jsonRequested } from './envelope.js';
import { queryNodeStatus, queryPipelineStatus, type QueryOutcome } from './status-queries.js';

interface Parsed {
  json: boolean;
  config?: string;
  set: string[];
  dataDir?: string;
  timeout?: number;
  positional: string[];
}

const VALUE_FLAGS: Record<string, keyof Parsed> = {
  '--data-dir': 'dataDir',
  '-c': 'config',
  '--config': 'config',
  '--set': 'set',
  '--timeout': 'timeout',
};

function parse(args: string[], allowTimeout: boolean, maxPositional: number): Parsed | undefined {
  const out: Parsed = { json: false, set: [], positional: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') {
      out.json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[name];
    if (key) {
      if (key === 'timeout' && !allowTimeout) return undefined;
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) return undefined;
      if (key === 'set') out.set.push(value);
      else if (key === 'timeout') {
        if (!/^\d+$/.test(value)) return undefined;
        out.timeout = Number(value);
      } else (out as unknown as Record<string, string>)[key] = value;
      continue;
    }
    if (arg.startsWith('-')) return undefined;
    out.positional.push(arg);
  }
  return out.positional.length <= maxPositional ? out : undefined;
}

/** Runs the command and returns true, or returns false to let oclif handle the arguments. */
export async function runFastStatus(argv: string[]): Promise<boolean> {
  const [topic, command, ...rest] = argv;
  if (command !== 'status' || (topic !== 'node' && topic !== 'pipeline')) return false;
  const parsed = parse(rest, topic === 'node', topic === 'pipeline' ? 1 : 0);
  if (!parsed) return false;
  const json = jsonRequested(argv);
  try {
    const { config } = loadConfig({
      ...(parsed.config !== undefined ? { configFile: parsed.config } : {}),
      overrides: [...parsed.set, ...(parsed.dataDir !== undefined ? [`node.dataDir=${parsed.dataDir}`] : [])],
    });
    const outcome: QueryOutcome<unknown> =
      topic === 'node'
        ? await queryNodeStatus(config.node.dataDir, parsed.timeout ?? 1500)
        : await queryPipelineStatus(config.node.dataDir, parsed.positional[0]);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ status: outcome.exitStatus, result: outcome.result, warnings: [] }, null, 2)}\n`,
      );
    else process.stdout.write(outcome.lines.map((l) => `${l}\n`).join(''));
    process.exitCode = outcome.exitStatus;
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    if (json) process.stdout.write(`${JSON.stringify(errorEnvelope(err), null, 2)}\n`);
    else process.stderr.write(formatErrorForHumans(err));
  }
  return true;
}
