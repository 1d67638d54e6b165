/**
 * `evochora simulate` — runs the simulation runtime alone (no pipeline, no daemon): places programs,
 * runs N ticks, prints a summary; `--trace` writes the conformance trace format, `--spec` runs a whole
 * conformance-style run description. Self-contained (only @oclif/core and src/runtime; user plugins named in
 * --config load through the pipeline's loader, imported only then).
 */
import { Command, Flags } from '../src/cli/oclif.js';
import { RuntimeError } from '../src/runtime/errors.js';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EvochoraError } from '../src/errors.js';
import { parseHocon } from '../src/config/hocon.js';
import {
  ProgramCompileError,
  parseProgramArg,
  runHeadless,
  runtimeConfigFromObject,
  type HeadlessSummary,
} from '../src/runtime/headless.js';
import type { RuntimeOptionsInput } from '../src/runtime/config.js';
import type { QuirkMode } from '../src/runtime/config.js';
import { RuntimeErrorCode } from '../src/runtime/error-codes.js';
import { DEFAULT_MIN_ORGANISMS_PER_THREAD } from '../src/runtime/simulation.js';

export default class Simulate extends Command {
  static override summary = 'Run the simulation runtime headless and print a summary.';
  static override description =
    'Places one or more EvoASM programs (default: our replicator from assembly/) into a world and runs it ' +
    'for --ticks ticks. Progress goes to stderr; the summary (births, deaths, population, ticks/s, ' +
    'organism-instructions/s) to stdout. --trace FILE writes one JSON line per tick in the conformance ' +
    'trace format (gzip when FILE ends in .gz); --spec runs a conformance spec.json (plugins off, reference quirks).';
  static override examples = [
    '<%= config.bin %> simulate --ticks 20000',
    '<%= config.bin %> simulate --program prog.evo@100,100:100000 --world 512x512:torus --seed 7 --ticks 50000',
    '<%= config.bin %> simulate --spec ../shared/conformance/runtime/r1_mini/spec.json --trace /tmp/r1.jsonl.gz',
    '<%= config.bin %> simulate --config runtime.json --plugins no-mutation --json',
  ];
  static override flags = {
    program: Flags.string({
      char: 'p',
      description: 'Program to place: FILE[@x,y[:energy]] (repeatable). Default: assembly/replicator.evo.',
      multiple: true,
    }),
    world: Flags.string({ char: 'w', description: 'World: WxH[xD…][:torus|:bounded].', default: '512x512:torus' }),
    seed: Flags.string({ description: 'Simulation seed (integer).', default: '42' }),
    ticks: Flags.integer({ char: 't', description: "Ticks to run (default 10000, or the spec's ticks).", min: 0 }),
    config: Flags.string({
      char: 'c',
      description:
        'HOCON/JSON file with runtime options (organism, labelMatching, thermodynamics, quirks, plugins, seed; top level or under "runtime").',
    }),
    plugins: Flags.string({
      description: 'Plugin preset: default, none, no-mutation (overrides --config plugins).',
      options: ['default', 'none', 'no-mutation'],
    }),
    quirks: Flags.string({
      description: 'Reference quirks Q1–Q3: fixed (default) or reference.',
      options: ['fixed', 'reference'],
    }),
    spec: Flags.string({
      description: 'Run a conformance-style spec.json (program paths relative to it).',
      exclusive: ['program', 'world', 'config', 'plugins'],
    }),
    trace: Flags.string({ description: 'Write a per-tick trace (conformance format; gzip if it ends in .gz).' }),
    threads: Flags.integer({
      description:
        'Threads that plan each tick (the run and its state hash are the same for any count). On 2 cores not faster yet (docs/runtime.md, "Multi-threaded planning").',
      default: 1,
      min: 1,
      max: 256,
    }),
    'min-organisms-per-thread': Flags.integer({
      description: `With --threads: fewer living organisms per thread than this are planned on one thread (default ${DEFAULT_MIN_ORGANISMS_PER_THREAD}).`,
      min: 1,
      hidden: true,
    }),
    json: Flags.boolean({ description: 'Print one JSON envelope on stdout.', default: false }),
    quiet: Flags.boolean({ char: 'q', description: 'No progress output on stderr.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Simulate);
    try {
      let seed: bigint;
      try {
        seed = BigInt(flags.seed);
      } catch {
        throw new RuntimeError(RuntimeErrorCode.RUNTIME_SPEC, `--seed must be an integer, got "${flags.seed}"`);
      }
      let config = flags.config ? readConfig(flags.config) : undefined;
      if (config?.plugins?.some((p) => p.module !== undefined)) {
        // User plugins: paths relative to the config file's directory; loaded (and their options checked) first.
        // Imported only then: simulate stays a runtime-only command otherwise (fast to start).
        const { loadUserPluginSupport } = await import('../src/pipeline/index.js');
        const { loadUserPlugins, withAbsoluteModules } = await loadUserPluginSupport();
        config = { ...config, plugins: withAbsoluteModules(config.plugins, dirname(resolve(flags.config!))) };
        await loadUserPlugins(config.plugins ?? []);
      }
      const summary = await runHeadless({
        programs: (flags.program ?? []).map(parseProgramArg),
        world: flags.world,
        seed,
        ...(flags.ticks !== undefined ? { ticks: flags.ticks } : {}),
        ...(config ? { config } : {}),
        ...(flags.plugins ? { plugins: flags.plugins } : {}),
        ...(flags.quirks ? { quirks: flags.quirks as QuirkMode } : {}),
        ...(flags.spec ? { specFile: flags.spec } : {}),
        ...(flags.trace ? { traceFile: flags.trace } : {}),
        threads: flags.threads,
        ...(flags['min-organisms-per-thread'] !== undefined
          ? { minOrganismsPerThread: flags['min-organisms-per-thread'] }
          : {}),
        ...(flags.quiet
          ? {}
          : {
              onProgress: (p) =>
                process.stderr.write(
                  `tick ${p.tick}/${p.ticks}  population ${p.population}  births ${p.births}  deaths ${p.deaths}\n`,
                ),
            }),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify({ status: 0, result: summary, warnings: [] })}\n`);
      else process.stdout.write(`${format(summary)}\n`);
      process.exitCode = 0;
    } catch (e) {
      const err = e instanceof RuntimeError || e instanceof EvochoraError ? e : null;
      const code = err?.code ?? 'RUNTIME_FAILED';
      const name = err?.name ?? (e instanceof Error ? e.name : 'Error');
      const message = e instanceof Error ? e.message : String(e);
      const own = e instanceof EvochoraError && !(e instanceof RuntimeError) ? e.actions : [];
      const actions =
        own.length > 0
          ? own
          : e instanceof ProgramCompileError
            ? ['Fix the program (evochora compile FILE --env WxH shows every diagnostic) and run again.']
            : code === 'RUNTIME_SPEC' || code === 'RUNTIME_CONFIG' || code === 'RUNTIME_WORLD_SHAPE'
              ? ['Check the flags: --program FILE[@x,y[:energy]], --world WxH[:torus|:bounded], --config FILE (JSON).']
              : ['Re-run with --trace to inspect the run, or report the error.'];
      process.exitCode = 1;
      if (flags.json) process.stdout.write(`${JSON.stringify({ status: 1, name, code, message, actions })}\n`);
      else {
        process.stderr.write(`Error (${code}): ${message}\n`);
        for (const a of actions) process.stderr.write(`  → ${a}\n`);
      }
    }
  }
}

/** Reads runtime options from a HOCON or JSON file (JSON is valid HOCON). */
function readConfig(file: string): RuntimeOptionsInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RuntimeError(
      RuntimeErrorCode.RUNTIME_SPEC,
      `cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  let value: unknown;
  try {
    value = parseHocon(text, file).value;
  } catch (e) {
    throw new RuntimeError(RuntimeErrorCode.RUNTIME_CONFIG, e instanceof Error ? e.message : String(e));
  }
  return runtimeConfigFromObject(value, file);
}

function format(s: HeadlessSummary): string {
  return [
    `Simulated ${s.ticks} ticks in ${s.world.shape.join('x')} ${s.world.toroidal ? 'torus' : 'bounded'} (seed ${s.seed})`,
    `  births          ${s.births}${s.firstBirthTick !== null ? ` (first at tick ${s.firstBirthTick})` : ''}`,
    `  deaths          ${s.deaths}`,
    `  population      ${s.population} (peak ${s.peakPopulation})${s.extinctAtTick !== null ? ` (extinct at tick ${s.extinctAtTick})` : ''}`,
    `  speed           ${s.ticksPerSecond.toLocaleString('en-US')} ticks/s, ${s.organismInstructionsPerSecond.toLocaleString('en-US')} organism-instructions/s (${s.seconds}s, ${s.threads} thread${s.threads === 1 ? '' : 's'})`,
    `  state hash      ${s.stateHash}`,
    ...(s.trace ? [`  trace           ${s.trace}`] : []),
  ].join('\n');
}
