/** `/node`: health (identity for clients: pid + nonce) and a graceful stop request. */
import type { Route } from '../../http/http-types.js';

export interface NodeIdentity {
  readonly pid: number;
  readonly nonce: string;
  readonly version: string;
  readonly port: () => number;
  readonly host: string;
  readonly startedAt: string;
  readonly dataDir: string;
  readonly logFile: string | null;
  readonly configFile: string | null;
}

export function nodeRoutes(
  identity: NodeIdentity,
  pipelineSummary: () => { status: string; healthy: boolean },
  requestStop: () => void,
): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/health',
      handler: () => ({
        status: 200,
        body: {
          status: 'ok',
          pid: identity.pid,
          nonce: identity.nonce,
          version: identity.version,
          host: identity.host,
          port: identity.port(),
          startedAt: identity.startedAt,
          uptimeSeconds: Math.round((Date.now() - Date.parse(identity.startedAt)) / 100) / 10,
          dataDir: identity.dataDir,
          logFile: identity.logFile,
          configFile: identity.configFile,
          pipeline: pipelineSummary(),
        },
      }),
    },
    {
      method: 'POST',
      pattern: '/stop',
      protected: true,
      handler: () => {
        setImmediate(requestStop);
        return {
          status: 202,
          body: { message: 'Stop requested; the node drains its services and exits.', pid: identity.pid },
        };
      },
    },
  ];
}
