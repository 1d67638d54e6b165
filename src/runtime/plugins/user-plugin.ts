/**
 * The plugin API for researchers' own plugins: an ES module whose default export is a UserPluginDefinition, named
 * in `runtime.plugins` by its path (`{ module = "./plugins/my-rain.mjs", options { … } }`). The pipeline loads and
 * checks it before the simulation is built (src/pipeline/engine/user-plugins.ts) and registers its factory here;
 * the runtime then treats it like a built-in plugin, its state included in checkpoints.
 */
import { MOLECULE_TYPE_NAMES, packMolecule } from '../../isa/molecule.js';
import type { Organism } from '../organism.js';
import type { BirthHandler, DeathHandler, PluginHost, TickPlugin } from './types.js';

export type { PluginHost };

/** A tick plugin: runs before planning, every tick (energy sources, environmental change). */
export interface UserTickPlugin {
  onTick(host: PluginHost): void;
  /** State that changes over the run, as JSON: kept in checkpoints, so resume and fork continue it. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}

/** A birth handler: runs on each newborn before it joins the population (mutation operators). */
export interface UserBirthHandler {
  onBirth(host: PluginHost, child: Organism): void;
}

/**
 * A death handler: runs on a dead organism's cells before its ownership is cleared. Keep what you need from the
 * organism (its id, values), not the organism: once the dead are pruned its memory goes to the next births.
 */
export interface UserDeathHandler {
  onDeath(host: PluginHost, dead: Organism): void;
}

export type MoleculeTypeName = (typeof MOLECULE_TYPE_NAMES)[number];

/** Helpers a plugin gets at creation. */
export interface UserPluginApi {
  /** The molecule of a type and value (value in -524288..524287), as the world's cells hold it. */
  molecule(type: MoleculeTypeName, value: number): number;
  readonly moleculeTypes: readonly MoleculeTypeName[];
}

/**
 * An option of a user plugin, in the configuration's spec language (docs/runtime.md): the node validates the
 * configured options against these before the run starts and fills the defaults.
 */
export type UserPluginOptionSpec =
  | { kind: 'int' | 'number'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'string'; default?: string; enum?: readonly string[]; doc: string }
  | { kind: 'bool'; default?: boolean; doc: string }
  | { kind: 'list'; of: 'string' | 'int'; default?: readonly (string | number)[]; doc: string };

interface DefinitionBase<T extends 'tick' | 'birth' | 'death', P> {
  /** The plugin's name in logs and checkpoints (letters and digits). */
  readonly kind: string;
  readonly type: T;
  readonly options?: Readonly<Record<string, UserPluginOptionSpec>>;
  /** Called once per simulation with the validated options (defaults filled). */
  create(options: Readonly<Record<string, unknown>>, api: UserPluginApi): P;
}

export type UserPluginDefinition =
  | DefinitionBase<'tick', UserTickPlugin>
  | DefinitionBase<'birth', UserBirthHandler>
  | DefinitionBase<'death', UserDeathHandler>;

export const USER_PLUGIN_API: UserPluginApi = {
  molecule(type, value) {
    const t = MOLECULE_TYPE_NAMES.indexOf(type);
    if (t < 0) throw new Error(`unknown molecule type ${String(type)} (known: ${MOLECULE_TYPE_NAMES.join(', ')})`);
    return packMolecule(t, value);
  },
  moleculeTypes: MOLECULE_TYPE_NAMES,
};

type Factory = (options: Record<string, unknown>) => TickPlugin | DeathHandler | BirthHandler;

/** Loaded user plugins by module path (the absolute path `runtime.plugins[].module` holds). */
const factories = new Map<string, Factory>();

export function registerUserPlugin(module: string, factory: Factory): void {
  factories.set(module, factory);
}

export function userPluginFactory(module: string): Factory | undefined {
  return factories.get(module);
}
