/**
 * Service lifecycle states and the transition table every service and the HTTP API share.
 *
 * | action  | allowed from                       | to       |
 * |---------|------------------------------------|----------|
 * | start   | STOPPED, ERROR                     | RUNNING  |
 * | pause   | RUNNING                            | PAUSED   |
 * | resume  | PAUSED                             | RUNNING  |
 * | stop    | RUNNING, PAUSED, ERROR             | STOPPED  |
 * | restart | any                                | RUNNING  |
 * A service whose work loop throws moves to ERROR on its own.
 */
import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';

export const SERVICE_STATES = ['STOPPED', 'RUNNING', 'PAUSED', 'ERROR'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export const LIFECYCLE_ACTIONS = ['start', 'stop', 'pause', 'resume', 'restart'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

const ALLOWED_FROM: Record<LifecycleAction, readonly ServiceState[]> = {
  start: ['STOPPED', 'ERROR'],
  pause: ['RUNNING'],
  resume: ['PAUSED'],
  stop: ['RUNNING', 'PAUSED', 'ERROR'],
  restart: SERVICE_STATES,
};

export function isLifecycleAction(value: string): value is LifecycleAction {
  return (LIFECYCLE_ACTIONS as readonly string[]).includes(value);
}

export function canTransition(from: ServiceState, action: LifecycleAction): boolean {
  return ALLOWED_FROM[action].includes(from);
}

/** Raised for an action that the current state does not allow; the HTTP API maps it to 409. */
export class InvalidTransitionError extends EvochoraError {
  constructor(service: string, from: ServiceState, action: LifecycleAction) {
    super(PipelineErrorCode.INVALID_TRANSITION, `Cannot ${action} service '${service}' while it is ${from}.`, {
      actions: [`Allowed from: ${ALLOWED_FROM[action].join(', ')}. Check state with \`evochora pipeline status\`.`],
      data: { service, state: from, action },
    });
  }
}

export function assertTransition(service: string, from: ServiceState, action: LifecycleAction): void {
  if (!canTransition(from, action)) throw new InvalidTransitionError(service, from, action);
}
