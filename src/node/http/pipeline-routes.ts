/** `/pipeline/api`: status and lifecycle control, for the whole pipeline and per service. */
import { isLifecycleAction, type LifecycleAction, type ServiceManager } from '../../pipeline/index.js';
import { errorResponse } from '../../http/http-router.js';
import type { Route } from '../../http/http-types.js';
import { HttpErrorCode } from '../../http/error-codes.js';

export const PIPELINE_ERROR_STATUS: Record<string, number> = {
  UNKNOWN_SERVICE: 404,
  INVALID_TRANSITION: 409,
  BAD_REQUEST: 400,
};

export function pipelineRoutes(manager: ServiceManager, onUnexpected: (action: string, err: unknown) => void): Route[] {
  const accept = (action: LifecycleAction, run: () => Promise<void>, target: string) => {
    // Accepted means validated: the work itself (draining, starting) continues after the response.
    run().catch((err) => onUnexpected(action, err));
    return { status: 202, body: { message: `Request to ${action} ${target} accepted.`, action, target } };
  };
  return [
    { method: 'GET', pattern: '/status', handler: () => ({ status: 200, body: manager.status() }) },
    {
      method: 'POST',
      pattern: '/:action',
      protected: true,
      handler: ({ params }) => {
        const action = params.action!;
        if (!isLifecycleAction(action))
          return errorResponse(
            404,
            HttpErrorCode.NOT_FOUND,
            `Unknown pipeline action '${action}'; use start, stop, pause, resume or restart.`,
          );
        return accept(action, () => manager.apply(action), 'pipeline');
      },
    },
    {
      method: 'GET',
      pattern: '/service/:name/status',
      handler: ({ params }) => ({ status: 200, body: manager.serviceStatus(params.name!) }),
    },
    {
      method: 'POST',
      pattern: '/service/:name/:action',
      protected: true,
      handler: ({ params }) => {
        const action = params.action!;
        const name = params.name!;
        if (!isLifecycleAction(action))
          return errorResponse(
            404,
            HttpErrorCode.NOT_FOUND,
            `Unknown service action '${action}'; use start, stop, pause, resume or restart.`,
          );
        manager.check(action, name); // throws UNKNOWN_SERVICE (404) or INVALID_TRANSITION (409) before accepting
        return accept(action, () => manager.apply(action, name), `service '${name}'`);
      },
    },
  ];
}
