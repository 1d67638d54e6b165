import { RuntimeConfigError } from './errors.js';

/** One thermodynamic rule: `fixed + |value| * permille / 1000`, with optional per-value overrides. */
export interface CostRule {
  energy?: number;
  entropy?: number;
  energyPermille?: number;
  entropyPermille?: number;
  /** Exact molecule value → rule used instead (e.g. CODE:0 is free). */
  values?: Record<string, CostRule>;
}

/** Rules keyed by molecule type name (CODE, DATA, …) with `_default` as the fallback. */
export type RulesByType = Record<string, CostRule>;

export interface UniversalPolicy {
  baseEnergy: number;
  baseEntropy: number;
  readRules?: { own?: RulesByType; foreign?: RulesByType; unowned?: RulesByType };
  writeRules?: RulesByType;
}

export interface ThermodynamicsOptions {
  default: UniversalPolicy;
  /** Comma-separated instruction names (e.g. "PEEK, POKE") → policy. Checked first. */
  instructions: Record<string, UniversalPolicy>;
  /** Family names (ARITHMETIC, ENVIRONMENT, …) → policy. Checked after instruction overrides. */
  families: Record<string, UniversalPolicy>;
}

export interface OrganismLimits {
  maxEnergy: number;
  maxEntropy: number;
  errorPenaltyCost: number;
  maxSkipsPerTick: number;
}

export interface LabelMatchingOptions {
  tolerance: number;
  hammingWeight: number;
  foreignPenalty: number;
  selectionSpread: number;
}

/**
 * How the three confirmed reference quirks are handled (docs/runtime.md):
 * - Q1: POKE/POKI/POKS on an occupied cell charge the target's read rule (energy gain from ENERGY).
 * - Q2: a failed POKE still applies the write rule's entropy.
 * - Q3: PEEK charges the write rule for the destination register's old content.
 * `reference` reproduces all three (conformance); `fixed` (our default) removes them.
 */
export type QuirkMode = 'reference' | 'fixed';

export interface PluginConfig {
  /**
   * Plugin kind: seedEnergy, solarRadiation, geyser, decayOnDeath, geneSubstitution, geneInsertion, geneDeletion,
   * geneDuplication, labelRewrite; for a user plugin its own kind (optional: the module says it).
   */
  kind: string;
  /** A user plugin: the path of its ES module (docs/runtime.md, "User plugins"); loaded before the run starts. */
  module?: string;
  options?: Record<string, unknown>;
}

export interface RuntimeOptions {
  shape: number[];
  toroidal: boolean;
  seed: bigint;
  organism: OrganismLimits;
  labelMatching: LabelMatchingOptions;
  thermodynamics: ThermodynamicsOptions;
  quirks: QuirkMode;
  /** Tick plugins, death handlers and birth handlers in execution order (each list keeps its order). */
  plugins: PluginConfig[];
}

const PEEK_POKE = 'PEEK, PEKI, PEKS, POKE, POKI, POKS, PPKR, PPKI, PPKS';

function typeRules(code: CostRule, energy: CostRule, structure: CostRule, other: CostRule): RulesByType {
  return {
    CODE: code,
    DATA: { ...other },
    ENERGY: energy,
    STRUCTURE: structure,
    LABEL: { ...other },
    LABELREF: { ...other },
    REGISTER: { ...other },
    _default: { ...other },
  };
}

/** The reference's shipped thermodynamics (base 1/1; PEEK/POKE/PPK priced by read and write tables). */
export function referenceThermodynamics(): ThermodynamicsOptions {
  const eat: CostRule = { energyPermille: -1000, entropy: 0 };
  return {
    default: { baseEnergy: 1, baseEntropy: 1 },
    families: {},
    instructions: {
      [PEEK_POKE]: {
        baseEnergy: 0,
        baseEntropy: 0,
        readRules: {
          own: typeRules(
            { energy: 1, entropy: 1 },
            eat,
            { energyPermille: 1000, entropy: 1 },
            { energy: 1, entropy: 1 },
          ),
          unowned: typeRules(
            { energy: 5, entropy: 5, values: { '0': { energy: 0, entropy: 0 } } },
            eat,
            { energyPermille: 1000, entropy: 5 },
            { energy: 5, entropy: 5 },
          ),
          foreign: typeRules(
            { energy: 500, entropy: 500 },
            eat,
            { energyPermille: 10000, entropyPermille: 10000 },
            { energy: 500, entropy: 500 },
          ),
        },
        writeRules: typeRules(
          { energy: 5, entropy: -500, values: { '0': { energy: 0, entropy: 0 } } },
          { energyPermille: 1000, entropy: -500 },
          { energyPermille: 1000, entropy: -500 },
          { energy: 5, entropy: -500 },
        ),
      },
    },
  };
}

/** All costs zero (the micro-benchmark shape: nothing ever dies). */
export function zeroThermodynamics(): ThermodynamicsOptions {
  return { default: { baseEnergy: 0, baseEntropy: 0 }, families: {}, instructions: {} };
}

/** The default world plugins of the reference (energy sources, decay, mutation operators, label rewrite). */
export function defaultPlugins(): PluginConfig[] {
  return [
    { kind: 'seedEnergy', options: { percentage: 0.0025, amount: 10000, amountVariance: 0.2 } },
    { kind: 'geyser', options: { percentage: 0.0002, interval: 100, amount: 10000, safetyRadius: 3 } },
    { kind: 'solarRadiation', options: { probability: 0.02, executionsPerTick: 1, amount: 10000, safetyRadius: 1 } },
    { kind: 'decayOnDeath', options: { replacement: 0 } },
    { kind: 'geneDuplication', options: { rate: 0.1, minNopSize: 8 } },
    { kind: 'geneDeletion', options: { rate: 0.025, countExponent: 2.0 } },
    { kind: 'geneInsertion', options: { rate: 0.05 } },
    { kind: 'geneSubstitution', options: { rate: 0.025 } },
    { kind: 'labelRewrite' },
  ];
}

export function defaultRuntimeOptions(): RuntimeOptions {
  return {
    shape: [512, 512],
    toroidal: true,
    seed: 42n,
    organism: { maxEnergy: 150000, maxEntropy: 10000, errorPenaltyCost: 100, maxSkipsPerTick: 100 },
    labelMatching: { tolerance: 2, hammingWeight: 50, foreignPenalty: 100, selectionSpread: 50 },
    thermodynamics: referenceThermodynamics(),
    quirks: 'fixed',
    plugins: defaultPlugins(),
  };
}

export type RuntimeOptionsInput = Partial<Omit<RuntimeOptions, 'organism' | 'labelMatching' | 'seed'>> & {
  organism?: Partial<OrganismLimits>;
  labelMatching?: Partial<LabelMatchingOptions>;
  seed?: bigint | number | string;
};

/** Merges user options over the defaults and validates them. */
export function resolveRuntimeOptions(input: RuntimeOptionsInput = {}): RuntimeOptions {
  const d = defaultRuntimeOptions();
  const o: RuntimeOptions = {
    shape: input.shape ?? d.shape,
    toroidal: input.toroidal ?? d.toroidal,
    seed: input.seed === undefined ? d.seed : BigInt(input.seed),
    organism: { ...d.organism, ...(input.organism ?? {}) },
    labelMatching: { ...d.labelMatching, ...(input.labelMatching ?? {}) },
    thermodynamics: input.thermodynamics ?? d.thermodynamics,
    quirks: input.quirks ?? d.quirks,
    plugins: input.plugins ?? d.plugins,
  };
  if (o.quirks !== 'reference' && o.quirks !== 'fixed')
    throw new RuntimeConfigError(`quirks must be "reference" or "fixed"`);
  for (const [k, v] of Object.entries(o.organism)) {
    if (!Number.isInteger(v) || v < 0) throw new RuntimeConfigError(`organism.${k} must be a non-negative integer`);
  }
  const lm = o.labelMatching;
  if (!Number.isInteger(lm.tolerance) || lm.tolerance < 0 || lm.tolerance > 3) {
    throw new RuntimeConfigError('labelMatching.tolerance must be 0..3');
  }
  return o;
}
