import type { Handler } from '../vm.js';
import { registerArithmetic } from './arithmetic.js';
import { registerBitwise } from './bitwise.js';
import { registerConditional } from './conditional.js';
import { registerControl } from './control.js';
import { registerData } from './data.js';
import { registerEnvironment } from './environment.js';
import { registerLocation } from './location.js';
import { registerState } from './state.js';
import { registerVector } from './vector.js';

/** Name → handler for all 235 opcodes (NOP and WAIT have no handler: cost only). */
export function buildHandlerTable(): Map<string, Handler> {
  const t = new Map<string, Handler>();
  registerArithmetic(t);
  registerBitwise(t);
  registerData(t);
  registerConditional(t);
  registerControl(t);
  registerEnvironment(t);
  registerState(t);
  registerLocation(t);
  registerVector(t);
  return t;
}
