/**
 * How long the node's event loop is blocked: the HTTP API, the queues and the in-process services all share
 * it, so its delay is the first thing to look at when the API is slow. Sampled by libuv, not by a timer.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopDelay {
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** Delay since the previous call (the histogram is reset, so each reading covers one interval). */
  read(): EventLoopDelay {
    const h = this.histogram;
    const toMs = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    const reading = { meanMs: toMs(h.mean), p99Ms: toMs(h.percentile(99)), maxMs: toMs(h.max) };
    h.reset();
    return reading;
  }
}
