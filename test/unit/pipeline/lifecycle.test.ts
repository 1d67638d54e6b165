import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canTransition,
  InvalidTransitionError,
  LIFECYCLE_ACTIONS,
  SERVICE_STATES,
} from '../../../src/pipeline/api/lifecycle.js';

const ALLOWED = new Set([
  'STOPPED:start',
  'ERROR:start',
  'RUNNING:pause',
  'PAUSED:resume',
  'RUNNING:stop',
  'PAUSED:stop',
  'ERROR:stop',
  'STOPPED:restart',
  'RUNNING:restart',
  'PAUSED:restart',
  'ERROR:restart',
]);

describe('lifecycle transition table', () => {
  for (const state of SERVICE_STATES) {
    for (const action of LIFECYCLE_ACTIONS) {
      const allowed = ALLOWED.has(`${state}:${action}`);
      it(`${action} from ${state} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(state, action)).toBe(allowed);
        if (allowed) expect(() => assertTransition('svc', state, action)).not.toThrow();
        else {
          expect(() => assertTransition('svc', state, action)).toThrow(InvalidTransitionError);
          expect(() => assertTransition('svc', state, action)).toThrow(
            `Cannot ${action} service 'svc' while it is ${state}.`,
          );
        }
      });
    }
  }
});
