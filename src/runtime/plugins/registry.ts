import type { PluginConfig } from '../config.js';
import { RuntimeConfigError } from '../errors.js';
import type { BirthHandler, DeathHandler, TickPlugin } from './types.js';
import type { PluginOptions } from './plugin-options.js';
import { userPluginFactory } from './user-plugin.js';

import { SeedEnergyPlugin } from './seed-energy.js';
import { SolarRadiationPlugin } from './solar-radiation.js';
import { GeyserPlugin } from './geyser.js';
import { DecayOnDeathPlugin } from './decay-on-death.js';
import { LabelRewritePlugin } from './label-rewrite.js';
import { GeneSubstitutionPlugin } from './mutation/gene-substitution.js';
import { GeneInsertionPlugin } from './mutation/gene-insertion.js';
import { GeneDeletionPlugin } from './mutation/gene-deletion.js';
import { GeneDuplicationPlugin } from './mutation/gene-duplication.js';

export type { BirthHandler, DeathHandler, TickPlugin };

export interface PluginSet {
  tick: TickPlugin[];
  death: DeathHandler[];
  birth: BirthHandler[];
}

type Options = PluginOptions;

const FACTORIES: Record<string, (o: Options) => TickPlugin | DeathHandler | BirthHandler> = {
  seedEnergy: (o) => new SeedEnergyPlugin(o),
  solarRadiation: (o) => new SolarRadiationPlugin(o),
  geyser: (o) => new GeyserPlugin(o),
  decayOnDeath: (o) => new DecayOnDeathPlugin(o),
  labelRewrite: () => new LabelRewritePlugin(),
  geneSubstitution: (o) => new GeneSubstitutionPlugin(o),
  geneInsertion: (o) => new GeneInsertionPlugin(o),
  geneDeletion: (o) => new GeneDeletionPlugin(o),
  geneDuplication: (o) => new GeneDuplicationPlugin(o),
};

export const PLUGIN_KINDS = Object.keys(FACTORIES);

/** Instantiates the configured plugins, sorted into tick / death / birth lists (each keeps config order). */
export function createPlugins(configs: readonly PluginConfig[]): PluginSet {
  const set: PluginSet = { tick: [], death: [], birth: [] };
  for (const c of configs) {
    const f = c.module !== undefined ? userPluginFactory(c.module) : FACTORIES[c.kind];
    if (!f && c.module !== undefined)
      throw new RuntimeConfigError(
        `plugin module ${c.module} is not loaded (the simulation's user plugins are loaded before it is built)`,
      );
    if (!f) throw new RuntimeConfigError(`unknown plugin "${c.kind}" (known: ${PLUGIN_KINDS.join(', ')})`);
    const p = f(c.options ?? {});
    if ('onTick' in p) set.tick.push(p);
    else if ('onDeath' in p) set.death.push(p);
    else set.birth.push(p);
  }
  return set;
}
