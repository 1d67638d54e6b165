/**
 * A group of HTTP routes a feature contributes to the node (the visualizer API, the web UI): the daemon
 * builds each group's routes with what it needs once the pipeline is up.
 */
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/loader.js';
import type { ServiceManager } from '../pipeline/index.js';
import type { Route } from '../http/http-types.js';

/** What a route group is built with. */
export interface RouteMountContext {
  readonly manager: ServiceManager;
  readonly config: LoadedConfig['config'];
  readonly logger: Logger;
  /** Registers what to do when the node stops, before its connections close (e.g. end event streams cleanly). */
  readonly onStop: (fn: () => void) => void;
}

export interface RouteMount {
  readonly prefix: string;
  readonly routes: (context: RouteMountContext) => Route[];
  readonly errorStatus?: Record<string, number>;
}
