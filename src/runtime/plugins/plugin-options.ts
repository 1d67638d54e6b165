/**
 * Reading plugin options: shared by every plugin, and kept apart from the plugin registry (which imports
 * the plugins) so no plugin imports the registry back.
 */
import { RuntimeConfigError } from '../errors.js';

/** A plugin's options as configured (`runtime.plugins[].options`). */
export type PluginOptions = Record<string, unknown>;

/** Reads a numeric option with a default. */
export function num(o: PluginOptions, key: string, def: number): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new RuntimeConfigError(`plugin option ${key} must be a number`);
  return v;
}
