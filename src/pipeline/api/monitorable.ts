import type { OperationalError } from './operational-error.js';

export type Metrics = Record<string, number>;

/** Anything that shows up in `pipeline status`: services, resources and per-binding wrappers. */
export interface Monitorable {
  metrics(): Metrics;
  errors(): readonly OperationalError[];
  healthy(): boolean;
}
