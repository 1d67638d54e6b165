/**
 * The resources a configuration names, created outside a running pipeline: what commands that read stored runs
 * (`verify`) use, so they read the same storage and index as the node of that configuration, whether the file
 * system and SQLite (embedded) or S3 and PostgreSQL (distributed). Options are validated and defaulted exactly as
 * the service manager does; only the resources asked for are created (no broker is contacted for a storage).
 */
import type { Logger } from 'pino';
import pino from 'pino';
import type { EvochoraConfig } from '../config/config-schema.js';
import { ConfigError } from '../config/config-error.js';
import { defaultsOf, validateValue, type ValidationIssue } from '../config/validate.js';
import { parseBindingUri } from './api/binding-uri.js';
import type { Resource } from './api/resource.js';
import type { TypeRegistry } from './registry.js';

/** The name of the first resource the configuration's services bind with one of `usages` (e.g. `storage-read`). */
export function resourceBoundAs(config: EvochoraConfig, usages: readonly string[]): string | undefined {
  for (const service of Object.values(config.pipeline.services))
    for (const uri of Object.values(service.resources)) {
      try {
        const b = parseBindingUri(uri);
        if (b.usageType !== null && usages.includes(b.usageType)) return b.resourceName;
      } catch {
        // A malformed binding is the service manager's to report; it binds nothing here.
      }
    }
  return undefined;
}

/** Creates the configured resource `name` with validated options; a bad definition is a ConfigError. */
export async function createConfiguredResource(
  config: EvochoraConfig,
  registry: TypeRegistry,
  name: string,
  logger: Logger = pino({ level: 'silent' }),
): Promise<Resource> {
  const def = config.pipeline.resources[name];
  const issues: ValidationIssue[] = [];
  const type = def && registry.resource(def.className);
  if (!def || !type) {
    issues.push({
      path: `pipeline.resources.${name}${def ? '.className' : ''}`,
      value: def?.className,
      expected: def ? `a resource type (${registry.resourceClassNames().join(', ')})` : 'a configured resource',
    });
    throw new ConfigError(issues, 'Invalid pipeline configuration');
  }
  const merged = { ...(defaultsOf(type.options) as Record<string, unknown>), ...(def.options ?? {}) };
  const options = validateValue(type.options, merged, `pipeline.resources.${name}.options`, issues, () => undefined);
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid pipeline configuration');
  return type.create({ name, options: options as Record<string, unknown>, logger, dataDir: config.node.dataDir });
}
