/**
 * `evochora compile` without loading oclif: compiling is what editors, scripts and agents run in a loop, and oclif
 * alone costs about as much as the compilation. bin/run.js tries this first; any argument it does not recognise
 * (help, unknown or repeated flags, a flag without its value, `--`) hands the whole command line to oclif, so
 * usage errors and help stay those of the real command (commands/compile.ts). Both run runCompile.
 */
import { runCompile, type CompileRequest } from './compile-program.js';

type ValueFlag = 'env' | 'config' | 'output' | 'sourceRoot';

const VALUE_FLAGS: Record<string, ValueFlag> = {
  '--env': 'env',
  '-c': 'config',
  '--config': 'config',
  '-o': 'output',
  '--output': 'output',
  '--source-root': 'sourceRoot',
};

/** The request the arguments after `compile` make, or undefined when oclif should read them. */
export function parseCompileArgs(args: readonly string[]): CompileRequest | undefined {
  const values: Partial<Record<Exclude<ValueFlag, 'sourceRoot'>, string>> = {};
  const sourceRoots: string[] = [];
  const files: string[] = [];
  let json = false;
  let referenceCompatible = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json' || arg === '--reference-compatible') {
      if ((arg === '--json' ? json : referenceCompatible) === true) return undefined;
      if (arg === '--json') json = true;
      else referenceCompatible = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = VALUE_FLAGS[eq > 0 ? arg.slice(0, eq) : arg];
    if (flag) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('-'))) return undefined;
      if (flag === 'sourceRoot') sourceRoots.push(value);
      else if (values[flag] !== undefined) return undefined;
      else values[flag] = value;
      continue;
    }
    if (arg.startsWith('-')) return undefined;
    files.push(arg);
  }
  if (files.length !== 1) return undefined;
  return {
    file: files[0]!,
    ...values,
    json,
    ...(sourceRoots.length > 0 ? { sourceRoots } : {}),
    referenceCompatible,
  };
}

/** Runs `compile` and returns true, or returns false to let oclif handle the command line. */
export async function runFastCompile(argv: readonly string[]): Promise<boolean> {
  // oclif reads EVOCHORA_CONTENT_TYPE itself; where it is set, let oclif decide (empty counts as unset).
  if (argv[0] !== 'compile' || process.env.EVOCHORA_CONTENT_TYPE) return false;
  const req = parseCompileArgs(argv.slice(1));
  if (!req) return false;
  await runCompile(req);
  return true;
}
