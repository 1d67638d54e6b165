import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';

export interface BindingUri {
  readonly usageType: string | null;
  readonly resourceName: string;
  readonly parameters: Record<string, string>;
}

export class BindingUriError extends EvochoraError {
  constructor(uri: string, problem: string) {
    super(PipelineErrorCode.INVALID_BINDING_URI, `Invalid resource binding '${uri}': ${problem}.`, {
      actions: ['Write bindings as `usage:resource?key=value&key2=value2`, e.g. `queue-in:tick-queue`.'],
      data: { uri },
    });
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Parses `usage:resource?k=v&k2=v2`. Without a colon the whole string names a resource that is shared as is.
 * Values are percent-decoded so that parameters can carry any character.
 */
export function parseBindingUri(uri: string): BindingUri {
  const trimmed = uri.trim();
  if (trimmed === '') throw new BindingUriError(uri, 'it is empty');
  const q = trimmed.indexOf('?');
  const head = q < 0 ? trimmed : trimmed.slice(0, q);
  const query = q < 0 ? '' : trimmed.slice(q + 1);
  const colon = head.indexOf(':');
  const usageType = colon < 0 ? null : head.slice(0, colon);
  const resourceName = colon < 0 ? head : head.slice(colon + 1);
  if (usageType !== null && !NAME.test(usageType))
    throw new BindingUriError(uri, `usage type '${usageType}' is not a name`);
  if (!NAME.test(resourceName)) throw new BindingUriError(uri, `resource name '${resourceName}' is not a name`);
  const parameters: Record<string, string> = {};
  if (query !== '') {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new BindingUriError(uri, `parameter '${pair}' is not key=value`);
      const key = decode(uri, pair.slice(0, eq));
      if (key in parameters) throw new BindingUriError(uri, `parameter '${key}' is given twice`);
      parameters[key] = decode(uri, pair.slice(eq + 1));
    }
  }
  return { usageType, resourceName, parameters };
}

function decode(uri: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BindingUriError(uri, `'${text}' is not valid percent-encoding`);
  }
}
