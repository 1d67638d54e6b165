/**
 * An experiment file: runs of the same configuration over a grid of seeds × option values, each cell one recorded
 * run. HOCON, like the node's configuration:
 *
 *   name  = "energy-sweep"        # letters, digits, . _ -
 *   ticks = 20000                 # every run stops after this tick
 *   seeds = [1, 2, 3]
 *   grid = [                      # simulation-engine options, each with the values to try
 *     { option = "runtime.organism.maxEnergy", values = [20000, 50000] }
 *   ]
 *   config = "../config/evochora.conf"   # optional; relative to this file
 *   set = ["pipeline.services.simulation-engine.options.environment.shape = [128, 128]"]
 *
 * Cells are numbered in a fixed order (seeds outermost, then the grid in file order), so a cell's id and what it
 * runs stay the same when the file is read again.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { parseHocon, type HoconValue } from '../config/hocon.js';
import { ExperimentErrorCode } from './error-codes.js';

export interface ExperimentCell {
  /** c001, c002, …: stable for a file. */
  readonly id: string;
  readonly seed: number;
  /** Engine option path → value, one per grid axis. */
  readonly values: Readonly<Record<string, HoconValue>>;
  /** `seed=1 maxEnergy=20000`: what a person reads in the summary. */
  readonly label: string;
}

export interface ExperimentPlan {
  readonly file: string;
  readonly name: string;
  readonly ticks: number;
  readonly seeds: readonly number[];
  readonly grid: readonly { readonly option: string; readonly values: readonly HoconValue[] }[];
  /** The node configuration file the runs use (absolute), or undefined for the default lookup. */
  readonly config: string | undefined;
  readonly sets: readonly string[];
  readonly cells: readonly ExperimentCell[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const OPTION = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Engine options the experiment sets itself. */
const RESERVED = ['seed', 'maxTicks', 'experiment', 'resume', 'fork'];
const MAX_CELLS = 10_000;

function invalid(file: string, key: string, problem: string): EvochoraError {
  return new EvochoraError(ExperimentErrorCode.EXPERIMENT_INVALID, `${file}: ${key}: ${problem}`, {
    exitCode: ExitCode.Usage,
    actions: ['See `evochora experiment run --help` for the file format.'],
  });
}

function display(v: HoconValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function readExperimentPlan(path: string): ExperimentPlan {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(
      file,
      '(file)',
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
    );
  }
  const doc = parseHocon(text, file).value;
  const known = new Set(['name', 'ticks', 'seeds', 'grid', 'config', 'set']);
  for (const k of Object.keys(doc))
    if (!known.has(k)) throw invalid(file, k, `unknown key (known: ${[...known].join(', ')})`);

  const name = doc.name;
  if (typeof name !== 'string' || !NAME.test(name))
    throw invalid(file, 'name', 'a name of letters, digits, ".", "_" and "-" (up to 80), e.g. name = "energy-sweep"');
  const ticks = doc.ticks;
  if (typeof ticks !== 'number' || !Number.isInteger(ticks) || ticks < 1)
    throw invalid(file, 'ticks', 'the tick every run stops at, an integer ≥ 1, e.g. ticks = 20000');
  const seeds = doc.seeds ?? [42];
  if (
    !Array.isArray(seeds) ||
    seeds.length === 0 ||
    seeds.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s))
  )
    throw invalid(file, 'seeds', 'a non-empty list of integers, e.g. seeds = [1, 2, 3]');
  if (new Set(seeds).size !== seeds.length) throw invalid(file, 'seeds', 'each seed once');

  const rawGrid = doc.grid ?? [];
  if (!Array.isArray(rawGrid)) throw invalid(file, 'grid', 'a list of { option = "…", values = [ … ] }');
  const grid = rawGrid.map((axis, i) => {
    const key = `grid[${i}]`;
    if (typeof axis !== 'object' || axis === null || Array.isArray(axis))
      throw invalid(file, key, 'an object { option = "runtime.organism.maxEnergy", values = [20000, 50000] }');
    const option = axis.option;
    if (typeof option !== 'string' || !OPTION.test(option))
      throw invalid(file, `${key}.option`, 'a simulation-engine option path, e.g. "runtime.organism.maxEnergy"');
    if (RESERVED.includes(option.split('.')[0]!))
      throw invalid(file, `${key}.option`, `"${option}" is set by the experiment itself (use seeds and ticks)`);
    const values = axis.values;
    if (!Array.isArray(values) || values.length === 0) throw invalid(file, `${key}.values`, 'a non-empty list');
    return { option, values };
  });
  if (new Set(grid.map((g) => g.option)).size !== grid.length) throw invalid(file, 'grid', 'each option once');

  const config = doc.config;
  if (config !== undefined && typeof config !== 'string')
    throw invalid(file, 'config', 'the path of a node configuration file');
  const sets = doc.set ?? [];
  if (!Array.isArray(sets) || sets.some((s) => typeof s !== 'string' || !s.includes('=')))
    throw invalid(file, 'set', 'a list of "key = value" texts, as `--set` takes them');

  const count = seeds.length * grid.reduce((n, g) => n * g.values.length, 1);
  if (count > MAX_CELLS) throw invalid(file, 'grid', `${count} cells; at most ${MAX_CELLS}`);
  const cells: ExperimentCell[] = [];
  for (const seed of seeds as number[]) {
    let combos: Record<string, HoconValue>[] = [{}];
    for (const g of grid) combos = combos.flatMap((c) => g.values.map((v) => ({ ...c, [g.option]: v })));
    for (const values of combos) {
      const label = [
        `seed=${seed}`,
        ...Object.entries(values).map(([k, v]) => `${k.split('.').at(-1)}=${display(v)}`),
      ].join(' ');
      cells.push({ id: `c${String(cells.length + 1).padStart(3, '0')}`, seed, values, label });
    }
  }
  return {
    file,
    name,
    ticks,
    seeds: seeds as number[],
    grid,
    config: config === undefined ? undefined : resolve(dirname(file), config),
    sets: sets as string[],
    cells,
  };
}
