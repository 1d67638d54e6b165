import { MOLECULE_TYPE_NAMES } from '../../isa/molecule.js';
import { FAMILY_NAMES, OPCODES, familyOf } from '../../isa/opcodes.js';
import type { CostRule, RulesByType, ThermodynamicsOptions, UniversalPolicy } from '../config.js';

const OPCODE_SPACE = 41000;
const TYPE_COUNT = 8; // 7 molecule types + "_default" slot for unknown types

/** A cost rule resolved for fast evaluation. */
interface ResolvedRule {
  energy: number;
  entropy: number;
  energyPermille: number;
  entropyPermille: number;
  values: Map<number, ResolvedRule> | null;
}

/** Read rules indexed [ownership][type]; ownership 0 own, 1 unowned, 2 foreign. */
interface ResolvedPolicy {
  baseEnergy: number;
  baseEntropy: number;
  read: (ResolvedRule | null)[][] | null;
  write: (ResolvedRule | null)[] | null;
}

export const OWNERSHIP_OWN = 0;
export const OWNERSHIP_UNOWNED = 1;
export const OWNERSHIP_FOREIGN = 2;

/**
 * The universal thermodynamic policy compiled into per-opcode tables: base energy/entropy in typed
 * arrays (the hot path for ordinary instructions), and read/write rule tables only for opcodes whose
 * policy has rules (PEEK/POKE/PPK by default). Lookup order: instruction override, family override,
 * default, as in the reference.
 */
export class PolicyTable {
  readonly baseEnergy = new Int32Array(OPCODE_SPACE);
  readonly baseEntropy = new Int32Array(OPCODE_SPACE);
  /** Index into `ruled` + 1, or 0 when the opcode has only base costs. */
  readonly ruleSlot = new Int32Array(OPCODE_SPACE);
  private readonly ruled: ResolvedPolicy[] = [];
  /** Result registers of `evaluate` (avoids allocating a result object per instruction). */
  energy = 0;
  entropy = 0;

  constructor(options: ThermodynamicsOptions) {
    const byInstruction = new Map<string, UniversalPolicy>();
    for (const [names, policy] of Object.entries(options.instructions)) {
      for (const n of names.split(',')) byInstruction.set(n.trim().toUpperCase(), policy);
    }
    const byFamily = new Map<string, UniversalPolicy>();
    for (const [name, policy] of Object.entries(options.families)) byFamily.set(name.trim().toUpperCase(), policy);
    const cache = new Map<UniversalPolicy, ResolvedPolicy>();
    const resolvePolicy = (p: UniversalPolicy): ResolvedPolicy => {
      let r = cache.get(p);
      if (!r) {
        r = compilePolicy(p);
        cache.set(p, r);
      }
      return r;
    };
    const slotOf = new Map<ResolvedPolicy, number>();
    for (const info of OPCODES) {
      const fam = FAMILY_NAMES[familyOf(info.opcode)] ?? '';
      const policy = byInstruction.get(info.name) ?? byFamily.get(fam) ?? options.default;
      const rp = resolvePolicy(policy);
      this.baseEnergy[info.opcode] = rp.baseEnergy;
      this.baseEntropy[info.opcode] = rp.baseEntropy;
      if (rp.read !== null || rp.write !== null) {
        let slot = slotOf.get(rp);
        if (slot === undefined) {
          this.ruled.push(rp);
          slot = this.ruled.length;
          slotOf.set(rp, slot);
        }
        this.ruleSlot[info.opcode] = slot;
      }
    }
    // Unknown opcodes and non-code molecules run as NOP: they cost what NOP costs.
    this.defaultEnergy = this.baseEnergy[0]!;
    this.defaultEntropy = this.baseEntropy[0]!;
  }

  readonly defaultEnergy: number;
  readonly defaultEntropy: number;

  /**
   * Costs of a ruled opcode: base + read rule (if `hasTarget`) + write rule (if `hasWrite`;
   * `writeEnergy` false skips its energy part, as the reference does for occupied targets).
   * Results in `this.energy` / `this.entropy`.
   */
  evaluate(
    opcode: number,
    hasTarget: boolean,
    targetMolecule: number,
    ownership: number,
    hasWrite: boolean,
    writeMolecule: number,
    writeEnergy: boolean,
  ): void {
    const p = this.ruled[this.ruleSlot[opcode]! - 1]!;
    let e = p.baseEnergy;
    let s = p.baseEntropy;
    if (hasTarget && p.read !== null) {
      const rule = pick(p.read[ownership]!, targetMolecule);
      if (rule) {
        const v = Math.abs((targetMolecule << 12) >> 12);
        e += rule.energy + Math.trunc((v * rule.energyPermille) / 1000);
        s += rule.entropy + Math.trunc((v * rule.entropyPermille) / 1000);
      }
    }
    if (hasWrite && p.write !== null) {
      const rule = pick(p.write, writeMolecule);
      if (rule) {
        const v = Math.abs((writeMolecule << 12) >> 12);
        if (writeEnergy) e += rule.energy + Math.trunc((v * rule.energyPermille) / 1000);
        s += rule.entropy + Math.trunc((v * rule.entropyPermille) / 1000);
      }
    }
    this.energy = e;
    this.entropy = s;
  }

  hasRules(opcode: number): boolean {
    return opcode >= 0 && opcode < OPCODE_SPACE && this.ruleSlot[opcode] !== 0;
  }
}

function pick(byType: (ResolvedRule | null)[], molecule: number): ResolvedRule | null {
  const type = (molecule >>> 20) & 0xff;
  const rule = (type < TYPE_COUNT - 1 ? byType[type] : null) ?? byType[TYPE_COUNT - 1] ?? null;
  if (rule === null) return null;
  if (rule.values !== null) {
    const over = rule.values.get((molecule << 12) >> 12);
    if (over) return over;
  }
  return rule;
}

function compileRule(r: CostRule): ResolvedRule {
  let values: Map<number, ResolvedRule> | null = null;
  if (r.values) {
    values = new Map();
    for (const [k, v] of Object.entries(r.values)) values.set(Number(k), compileRule(v));
  }
  return {
    energy: r.energy ?? 0,
    entropy: r.entropy ?? 0,
    energyPermille: r.energyPermille ?? 0,
    entropyPermille: r.entropyPermille ?? 0,
    values,
  };
}

function compileByType(rules: RulesByType | undefined): (ResolvedRule | null)[] {
  const out: (ResolvedRule | null)[] = new Array<ResolvedRule | null>(TYPE_COUNT).fill(null);
  if (!rules) return out;
  for (const [name, rule] of Object.entries(rules)) {
    const upper = name.toUpperCase();
    if (upper === '_DEFAULT') out[TYPE_COUNT - 1] = compileRule(rule);
    else {
      const t = (MOLECULE_TYPE_NAMES as readonly string[]).indexOf(upper);
      if (t >= 0) out[t] = compileRule(rule);
    }
  }
  return out;
}

function compilePolicy(p: UniversalPolicy): ResolvedPolicy {
  const read = p.readRules
    ? [compileByType(p.readRules.own), compileByType(p.readRules.unowned), compileByType(p.readRules.foreign)]
    : null;
  const write = p.writeRules ? compileByType(p.writeRules) : null;
  return { baseEnergy: p.baseEnergy, baseEntropy: p.baseEntropy, read, write };
}
