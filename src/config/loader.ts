/**
 * Loads the configuration from four layers, later ones winning:
 *   built-in defaults < config file < command-line overrides (`--set key=value`) < environment (`EVOCHORA_…`).
 * Objects merge key by key, except `map` keys (pipeline resources and services, per-logger levels): a layer
 * that sets one replaces the map of the layers below, so a config file fully defines its own pipeline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, ConfigFileError } from './config-error.js';
import { CONFIG_SCHEMA, envNameForPath, leafPaths, type EvochoraConfig } from './config-schema.js';
import type { FieldSpec } from './field-spec.js';
import { parseHocon, type HoconValue, type SourcePosition } from './hocon.js';
import { defaultsOf, isObject, validateValue, type ValidationIssue } from './validate.js';

export const DEFAULT_CONFIG_FILE = 'config/evochora.conf';
/** Environment variables with the prefix that are not config keys. */
const RESERVED_ENV = new Set(['EVOCHORA_CONTENT_TYPE', 'EVOCHORA_CONFIG', 'EVOCHORA_NODE_TOKEN', 'EVOCHORA_DEBUG']);

export interface LoadConfigOptions {
  /** Explicit file (`-c`); must exist. Otherwise EVOCHORA_CONFIG, then ./config/evochora.conf if present. */
  configFile?: string;
  /** `key=value` pairs from the command line. */
  overrides?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  readonly config: EvochoraConfig;
  /** The file that was read, if any. */
  readonly file: string | undefined;
  /** Where each overridden key came from, for `config show`-style output. */
  readonly origins: ReadonlyMap<string, string>;
}

type Layer = { name: string; values: Record<string, unknown>; positions?: Map<string, SourcePosition> };

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const issues: ValidationIssue[] = [];
  const layers: Layer[] = [];

  const explicit = options.configFile ?? env.EVOCHORA_CONFIG;
  const file = explicit !== undefined ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  let usedFile: string | undefined;
  if (explicit !== undefined || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigFileError(
        file,
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
      );
    }
    const doc = parseHocon(text, file, env);
    layers.push({ name: file, values: doc.value, positions: doc.positions });
    usedFile = file;
  }

  const cli: Record<string, unknown> = {};
  for (const pair of options.overrides ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      issues.push({
        path: pair,
        value: pair,
        expected: 'key=value (e.g. --set node.port=9090)',
        origin: 'command line',
      });
      continue;
    }
    setPath(cli, pair.slice(0, eq).trim(), parseScalar(pair.slice(eq + 1), `--set ${pair}`));
  }
  layers.push({ name: 'command line (--set)', values: cli });

  layers.push({ name: 'environment', values: environmentLayer(env, issues) });

  const origins = new Map<string, string>();
  let merged = defaultsOf(CONFIG_SCHEMA) as Record<string, unknown>;
  for (const layer of layers) {
    const replaceMaps = layer.positions !== undefined; // only a file replaces the default pipeline wholesale
    merged = mergeLayer(merged, layer.values, CONFIG_SCHEMA, '', replaceMaps, (path) => origins.set(path, layer.name));
  }

  const origin = (path: string): { position?: SourcePosition; origin?: string } | undefined => {
    const from = origins.get(path) ?? nearestOrigin(origins, path);
    if (from === undefined) return { origin: 'built-in default' };
    const layer = layers.find((l) => l.name === from);
    const position = layer?.positions?.get(path) ?? nearestPosition(layer?.positions, path);
    if (position) return { position };
    if (from === 'environment') return { origin: `environment ${envNameForPath(path)}` };
    return { origin: from };
  };
  const config = validateValue(CONFIG_SCHEMA, merged, '', issues, origin) as EvochoraConfig;
  if (issues.length === 0) checkCrossReferences(config, issues, origin);
  if (issues.length > 0) throw new ConfigError(issues);
  config.node.dataDir = resolve(cwd, config.node.dataDir);
  return { config, file: usedFile, origins };
}

/** `EVOCHORA_NODE_PORT=9090` for fixed keys; `EVOCHORA__pipeline__services__x__options__n=5` for any path. */
function environmentLayer(env: NodeJS.ProcessEnv, issues: ValidationIssue[]): Record<string, unknown> {
  const byName = new Map(leafPaths().map(([path]) => [envNameForPath(path), path]));
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('EVOCHORA_') || raw === undefined || RESERVED_ENV.has(name)) continue;
    if (name.startsWith('EVOCHORA__')) {
      setPath(out, name.slice('EVOCHORA__'.length).split('__').join('.'), parseScalar(raw, name));
      continue;
    }
    const path = byName.get(name);
    if (path === undefined) {
      issues.push({
        path: name,
        value: raw,
        expected: `a known variable (e.g. ${[...byName.keys()].slice(0, 3).join(', ')}, or EVOCHORA__<path>__<to>__<key>)`,
        origin: 'environment',
      });
      continue;
    }
    setPath(out, path, parseScalar(raw, name));
  }
  return out;
}

/** A value from a flag or env var: HOCON syntax for lists/objects, otherwise the raw string (coerced later). */
function parseScalar(text: string, origin: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    return (parseHocon(`v = ${trimmed}`, origin, {}).value as { v: HoconValue }).v;
  }
  return text;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function mergeLayer(
  base: Record<string, unknown>,
  layer: Record<string, unknown>,
  spec: FieldSpec | undefined,
  prefix: string,
  replaceMaps: boolean,
  mark: (path: string) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const child = spec?.kind === 'object' ? spec.fields[key] : spec?.kind === 'map' ? spec.values : undefined;
    mark(path);
    const mergeable = isObject(value) && isObject(out[key]);
    if (
      mergeable &&
      !(
        replaceMaps &&
        child?.kind === 'map' &&
        !onlyAdjustsEntries(out[key] as Record<string, unknown>, value as Record<string, unknown>)
      )
    ) {
      const inner = child?.kind === 'any' ? undefined : child;
      out[key] = mergeLayer(
        out[key] as Record<string, unknown>,
        value as Record<string, unknown>,
        inner,
        path,
        replaceMaps,
        mark,
      );
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * A file's map (the pipeline's services or resources) replaces the default one, so a file that draws its own
 * pipeline gets nothing it did not ask for. A map whose every entry names an existing one and gives no
 * `className` only adjusts those entries (e.g. one engine option): it merges instead.
 */
function onlyAdjustsEntries(base: Record<string, unknown>, layer: Record<string, unknown>): boolean {
  const entries = Object.entries(layer);
  return entries.length > 0 && entries.every(([k, v]) => k in base && isObject(v) && !('className' in v));
}

function nearestOrigin(origins: ReadonlyMap<string, string>, path: string): string | undefined {
  for (let p = path; p.includes('.');) {
    p = p.slice(0, p.lastIndexOf('.'));
    const found = origins.get(p);
    if (found !== undefined) return found;
  }
  return undefined;
}

function nearestPosition(positions: Map<string, SourcePosition> | undefined, path: string): SourcePosition | undefined {
  if (!positions) return undefined;
  for (let p = path; p.includes('.');) {
    p = p.slice(0, p.lastIndexOf('.'));
    const found = positions.get(p);
    if (found) return found;
  }
  return undefined;
}

/** Checks that need the whole config: startup names exist, bindings parse and name known resources. */
function checkCrossReferences(
  config: EvochoraConfig,
  issues: ValidationIssue[],
  origin: (path: string) => { position?: SourcePosition; origin?: string } | undefined,
): void {
  const services = Object.keys(config.pipeline.services);
  config.pipeline.startupSequence.forEach((name, k) => {
    if (!services.includes(name)) {
      const path = `pipeline.startupSequence.${k}`;
      issues.push({
        path,
        value: name,
        expected: `the name of a configured service (${services.join(', ') || 'none configured'})`,
        ...(origin(path) ?? {}),
      });
    }
  });
  for (const [serviceName, service] of Object.entries(config.pipeline.services)) {
    for (const [port, uri] of Object.entries(service.resources)) {
      const path = `pipeline.services.${serviceName}.resources.${port}`;
      const head = uri.split('?')[0] ?? '';
      const resourceName = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
      if (!(resourceName in config.pipeline.resources)) {
        issues.push({
          path,
          value: uri,
          expected: `a binding to a configured resource (${Object.keys(config.pipeline.resources).join(', ') || 'none configured'})`,
          ...(origin(path) ?? {}),
        });
      }
    }
  }
}
