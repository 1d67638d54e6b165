import { ConfigError } from './config-error.js';
import type { ObjectSpec, OptionsOf } from './field-spec.js';
import { validateValue, type ValidationIssue } from './validate.js';

/**
 * The typed options of a spec from what was given: validated, defaults filled; a ConfigError names every
 * problem. For code that builds a service or resource itself (commands, tests); the service manager does the
 * same for every configured one before anything starts.
 */
export function resolveOptions<S extends ObjectSpec>(
  spec: S,
  given: Record<string, unknown> = {},
  path = 'options',
): OptionsOf<S> {
  const issues: ValidationIssue[] = [];
  const value = validateValue(spec, given, path, issues, () => undefined);
  if (issues.length > 0) throw new ConfigError(issues, `Invalid ${path}`);
  return value as OptionsOf<S>;
}
