/**
 * The contract of an analytics metric plugin: a small module that declares its table (columns with types and
 * docs) and turns one recorded sample into rows. The AnalyticsIndexer runs the configured plugins over every
 * sample of every stored batch and writes their tables as Parquet (see analytics-part.ts).
 *
 * Two kinds of table:
 * - `per-tick`: exactly one row per sampled tick. These also get coarser levels of detail (mean/min/max per
 *   bucket of ticks, see levels.ts), so a chart of a long run loads a few thousand rows.
 * - `events`: any number of rows per sample (births, deaths): kept at full detail only.
 *
 * Adding a plugin: one file under plugins/ exporting a MetricPlugin, listed in plugin-catalogue.ts, and a test.
 */
import type { OrganismVitals } from './organism-vitals.js';

/** Parquet column types a plugin may use: `int` (INT64), `double` (DOUBLE) or `string` (UTF-8). */
export type MetricColumnType = 'int' | 'double' | 'string';

export interface MetricColumn {
  readonly name: string;
  readonly type: MetricColumnType;
  /** What the column holds, for docs/analytics.md and the analyzer's manifest. */
  readonly doc: string;
}

/** A cell census of the world at a sample (given to plugins that declare `needsCells`). */
export interface CellCensus {
  /** Non-empty cells per molecule type (index = type id, see src/isa/molecule.ts). */
  readonly cellsByType: readonly number[];
  /** Sum of the values of ENERGY molecules in the world. */
  readonly energyInWorld: number;
  /** Cells that are non-empty or owned. */
  readonly occupiedCells: number;
  /** Cells with an owner. */
  readonly ownedCells: number;
}

/** Births and deaths (the organisms as they were then). */
export interface LifeEvents {
  readonly born: readonly OrganismVitals[];
  readonly died: readonly OrganismVitals[];
}

/**
 * One recorded sample, as the plugins see it. Valid only during the call: do not keep references.
 *
 * Per-tick plugins are called at every *measured* sample: every sampled tick at resolution `every-sample`, or
 * at resolution `snapshots` (the default) the samples whose full state storage holds directly (each chunk's
 * snapshot and ACCUMULATED samples: every 50 sampled ticks by default). `events` then holds every birth and
 * death since the previous measured sample, `span` the ticks since it. Events plugins are called at every
 * sample with a birth or death, with that sample's events: their tables are complete at any resolution.
 */
export interface AnalyticsSample {
  readonly runId: string;
  readonly tick: number;
  /** Ticks between samples of this run (1 = every tick recorded). */
  readonly samplingInterval: number;
  readonly worldShape: readonly number[];
  /** Ticks since the previous measured sample (per-tick plugins) or since the previous sample (events plugins). */
  readonly span: number;
  /** Births and deaths since the previous measured sample (per-tick plugins) or at this sample (events plugins). */
  readonly events: LifeEvents;
  /** Every organism of a measured sample: the living and those that died at this tick (`isDead`); empty otherwise. */
  readonly organisms: readonly OrganismVitals[];
  /** Organisms alive at this tick (known at every sample, measured or not). */
  readonly alive: number;
  /** Organisms created since the run began, up to this tick. */
  readonly totalOrganismsCreated: number;
  /** Present when some configured plugin declares `needsCells`. */
  readonly cells: CellCensus | undefined;
}

/** One row: values in the order of the plugin's columns (after `tick`, which the writer adds); null = no value. */
export type MetricRow = ReadonlyArray<number | string | null>;

export interface MetricPlugin {
  /** Table name (lower case, `_`-separated): the Parquet folder, the SQL view and the API's metric id. */
  readonly id: string;
  /** Schema version of the table; raise it when columns change meaning or type. */
  readonly version: number;
  readonly doc: string;
  readonly kind: 'per-tick' | 'events';
  readonly columns: readonly MetricColumn[];
  readonly needsCells?: boolean;
  /**
   * A per-tick plugin that reads only `alive`, `events`, `span` and `totalOrganismsCreated`: it is called at every
   * sample whatever the resolution (those are known without rebuilding organisms), `events` and `span` then
   * covering the step since the previous sample.
   */
  readonly everySample?: boolean;
  /**
   * Gives the sample's rows to `emit` (exactly one for a per-tick table). `emit` copies the row's values, so a
   * plugin may fill and emit the same array every time (an everySample plugin runs for every recorded tick).
   */
  measure(sample: AnalyticsSample, emit: (row: MetricRow) => void): void;
}

/** Organisms of a sample that are alive at its tick. */
export function livingOrganisms(sample: AnalyticsSample): OrganismVitals[] {
  const out: OrganismVitals[] = [];
  for (const o of sample.organisms) if (!o.isDead) out.push(o);
  return out;
}

/** Quantile of sorted values (linear interpolation; 0 for none). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** count, mean, min, p50, p90, max of values (zeros when empty), sorting a copy. */
export function distribution(values: readonly number[]): [number, number, number, number, number, number] {
  const n = values.length;
  if (n === 0) return [0, 0, 0, 0, 0, 0];
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of values) sum += v;
  return [n, sum / n, sorted[0]!, quantile(sorted, 0.5), quantile(sorted, 0.9), sorted[n - 1]!];
}

/** The six columns `distribution` fills, for a quantity named `what`. */
export function distributionColumns(what: string, unit: string): MetricColumn[] {
  return [
    { name: `${what}_mean`, type: 'double', doc: `Mean ${unit} of the living organisms.` },
    { name: `${what}_min`, type: 'double', doc: `Smallest ${unit}.` },
    { name: `${what}_p50`, type: 'double', doc: `Median ${unit}.` },
    { name: `${what}_p90`, type: 'double', doc: `90th percentile of ${unit}.` },
    { name: `${what}_max`, type: 'double', doc: `Largest ${unit}.` },
    { name: `${what}_total`, type: 'double', doc: `Sum of ${unit} over the living organisms.` },
  ];
}

/** Row values for distributionColumns. */
export function distributionRow(values: readonly number[]): number[] {
  const [n, mean, min, p50, p90, max] = distribution(values);
  return [mean, min, p50, p90, max, mean * n];
}
