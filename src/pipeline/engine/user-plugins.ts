/**
 * Loads the user plugins a run's options name (`runtime.plugins[].module`) and registers them with the runtime:
 * each module is imported, its default export checked to be a plugin definition, the configured options
 * validated against the plugin's own spec (defaults filled), and every call into the plugin guarded so that a
 * plugin that throws fails the simulation with an error naming the plugin and its file. Runs in every thread and
 * command that builds a simulation from stored options (the engine service, its worker, verify --replay).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveOptions } from '../../config/resolve-options.js';
import type { FieldSpec } from '../../config/field-spec.js';
import { EvochoraError } from '../../errors.js';
import {
  registerUserPlugin,
  USER_PLUGIN_API,
  type PluginConfig,
  type UserPluginDefinition,
} from '../../runtime/index.js';
import { PipelineErrorCode } from '../error-codes.js';

const TYPES = ['tick', 'birth', 'death'] as const;
const METHOD = { tick: 'onTick', birth: 'onBirth', death: 'onDeath' } as const;
const OPTION_KINDS = ['int', 'number', 'string', 'bool', 'list'];

function invalid(file: string, problem: string, actions: string[] = []): EvochoraError {
  return new EvochoraError(PipelineErrorCode.USER_PLUGIN_INVALID, `User plugin ${file}: ${problem}`, {
    actions:
      actions.length > 0 ? actions : ['See docs/runtime.md, "User plugins", and examples/plugins/energy-rain.mjs.'],
  });
}

/** Plugin configs with every module path made absolute (against `cwd`), as runs store them. */
export function withAbsoluteModules(plugins: readonly PluginConfig[], cwd = process.cwd()): PluginConfig[] {
  return plugins.map((p) =>
    p.module === undefined || isAbsolute(p.module) ? p : { ...p, module: resolve(cwd, p.module) },
  );
}

function checkDefinition(file: string, def: unknown): UserPluginDefinition {
  if (typeof def !== 'object' || def === null)
    throw invalid(file, 'its default export is not a plugin definition object.');
  const d = def as Record<string, unknown>;
  if (typeof d.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(d.kind))
    throw invalid(file, '`kind` must be a name of letters, digits and "_" (e.g. "energyRain").');
  if (!TYPES.includes(d.type as (typeof TYPES)[number]))
    throw invalid(file, `\`type\` must be one of ${TYPES.join(', ')} (it is ${JSON.stringify(d.type)}).`);
  if (typeof d.create !== 'function') throw invalid(file, '`create(options, api)` must be a function.');
  if (d.options !== undefined) {
    if (typeof d.options !== 'object' || d.options === null || Array.isArray(d.options))
      throw invalid(file, '`options` must be an object of option specs.');
    for (const [name, spec] of Object.entries(d.options)) {
      const s = spec as Record<string, unknown> | null;
      if (!s || !OPTION_KINDS.includes(s.kind as string) || typeof s.doc !== 'string')
        throw invalid(
          file,
          `option "${name}" needs { kind: ${OPTION_KINDS.join('|')}, doc: "…" } (and may have default, min, max).`,
        );
    }
  }
  return def as UserPluginDefinition;
}

/** Wraps a plugin's calls: an exception becomes USER_PLUGIN_FAILED naming plugin, file and tick. */
function guarded<T extends object>(kind: string, file: string, instance: T): T {
  const out: Record<string, unknown> = { kind };
  for (const name of ['onTick', 'onBirth', 'onDeath', 'saveState', 'loadState']) {
    const fn = (instance as Record<string, unknown>)[name];
    if (typeof fn !== 'function') continue;
    out[name] = (...args: unknown[]): unknown => {
      try {
        return (fn as (...a: unknown[]) => unknown).apply(instance, args);
      } catch (err) {
        const host = args[0] as { tick?: number } | undefined;
        const at = name.startsWith('on') && typeof host?.tick === 'number' ? ` at tick ${host.tick}` : '';
        throw new EvochoraError(
          PipelineErrorCode.USER_PLUGIN_FAILED,
          `User plugin ${kind} (${file}) threw in ${name}${at}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    };
  }
  return out as T;
}

/**
 * Imports and registers every user plugin in `plugins` (module paths absolute). Validating the options here means
 * a bad option stops the run before it starts, with the plugin's own doc in the message.
 */
export async function loadUserPlugins(plugins: readonly PluginConfig[]): Promise<void> {
  for (const [i, p] of plugins.entries()) {
    if (p.module === undefined) continue;
    const file = p.module;
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw invalid(
        file,
        e.code === 'ERR_MODULE_NOT_FOUND' ? 'no such module.' : `it does not load: ${e.message}`,
        e.code === 'ERR_MODULE_NOT_FOUND'
          ? [
              'Give `module` as the path of an ES module (.mjs or .js), absolute or relative (docs/runtime.md, "User plugins").',
            ]
          : [],
      );
    }
    const def = checkDefinition(file, mod.default);
    const spec = {
      kind: 'object' as const,
      doc: `${def.kind} options`,
      fields: (def.options ?? {}) as Record<string, FieldSpec>,
    };
    const optionsOf = (given: Record<string, unknown> | undefined, at: string): Record<string, unknown> => {
      try {
        return resolveOptions(spec, given ?? {}, at) as Record<string, unknown>;
      } catch (err) {
        throw invalid(file, (err as Error).message);
      }
    };
    optionsOf(p.options, `runtime.plugins[${i}].options`);
    const method = METHOD[def.type];
    registerUserPlugin(file, (given) => {
      const options = Object.freeze(optionsOf(given, `options of ${def.kind}`));
      let instance: object;
      try {
        instance = def.create(options, USER_PLUGIN_API) as object;
      } catch (err) {
        throw new EvochoraError(
          PipelineErrorCode.USER_PLUGIN_FAILED,
          `User plugin ${def.kind} (${file}) threw in create: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      if (
        typeof instance !== 'object' ||
        instance === null ||
        typeof (instance as Record<string, unknown>)[method] !== 'function'
      )
        throw invalid(file, `create() must return an object with ${method}() (a ${def.type} plugin).`);
      return guarded(def.kind, file, instance) as never;
    });
  }
}
