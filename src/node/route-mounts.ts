/**
 * The HTTP route groups features add to the node beyond /node, /pipeline/api and /metrics (the visualizer
 * API, the web UI). The daemon mounts whatever this returns; each group keeps its own error mapping.
 */
import type { RouteMount } from './node-daemon.js';

export function defaultRouteMounts(): RouteMount[] {
  return [];
}
