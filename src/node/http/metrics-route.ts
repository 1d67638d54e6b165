/** `/metrics` in the Prometheus text format: every numeric metric of every service, binding and resource. */
import type { PipelineStatus } from '../../pipeline/index.js';
import type { EventLoopDelay } from '../event-loop-monitor.js';
import type { Route } from '../../http/http-types.js';

/** Counts of events so far (they only grow): exported as counters named `…_total`. */
const COUNTER =
  /(^|_)(total|count|sent|written|failed|created|consumed|received|acked|redelivered|published|processed|indexed|skipped|retries|errors|detected|reads|opens|dropped|attempts|waits|timed_out|operations|samples)$/;
/** Totals of things that exist now (not counts of events): gauges, so not named `…_total`. */
const GAUGE_RENAMES: Record<string, string> = { services_total: 'services', resources_total: 'resources' };

interface Exported {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  /** Factor to the base unit (milliseconds → seconds). */
  readonly scale: number;
  readonly help: string;
}

/**
 * A metric key as Prometheus names it: base units (seconds, not `_ms`/`_ns`; `_per_second`, not `_per_sec`), counters
 * of events typed counter and named `…_total`, everything else a gauge; each with HELP text. The keys themselves
 * (what `pipeline status` shows) stay as they are.
 */
function exported(scope: string, key: string, what: string): Exported {
  let k = (GAUGE_RENAMES[key] ?? key).replace(/[^a-zA-Z0-9_]/g, '_');
  let scale = 1;
  let unit = '';
  if (/_ms$/.test(k)) {
    k = k.replace(/_ms$/, '_seconds');
    scale = 1e-3;
    unit = ', in seconds';
  } else if (/_ns_per_cell$/.test(k)) {
    k = k.replace(/_ns_per_cell$/, '_seconds_per_cell');
    scale = 1e-9;
    unit = ', in seconds';
  }
  k = k.replace(/_per_sec$/, '_per_second');
  const counter = !(key in GAUGE_RENAMES) && COUNTER.test(k);
  if (counter) k = `${k.replace(/_count$/, '')}_total`.replace(/_total_total$/, '_total');
  return {
    name: `evochora_${scope}${scope ? '_' : ''}${k}`.replace(/^evochora__/, 'evochora_'),
    type: counter ? 'counter' : 'gauge',
    scale,
    help: `${what} "${key}"${unit} (pipeline status shows it; docs/pipeline.md).`,
  };
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderPrometheus(
  status: PipelineStatus,
  process: {
    uptimeSeconds: number;
    rssBytes: number;
    heapUsedBytes: number;
    heapTotalBytes?: number;
    externalBytes?: number;
    arrayBufferBytes?: number;
    eventLoop: EventLoopDelay;
  },
): string {
  const series = new Map<string, { e: Exported; rows: string[] }>();
  const add = (scope: string, key: string, what: string, labels: Record<string, string>, value: number): void => {
    if (!Number.isFinite(value)) return;
    const e = exported(scope, key, what);
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${label(v)}"`)
      .join(',');
    let s = series.get(e.name);
    if (!s) series.set(e.name, (s = { e, rows: [] }));
    s.rows.push(`${e.name}{${text}} ${value * e.scale}`);
  };
  const states = ['STOPPED', 'RUNNING', 'PAUSED', 'ERROR'];
  for (const s of status.services) {
    for (const st of states)
      add(
        'service',
        'state',
        'Whether the service is in this state (1) or not (0):',
        { service: s.name, state: st },
        s.state === st ? 1 : 0,
      );
    add(
      'service',
      'healthy',
      'Whether the service and its bindings are healthy:',
      { service: s.name },
      s.healthy ? 1 : 0,
    );
    for (const [k, v] of Object.entries(s.metrics)) add('service', k, 'Service metric', { service: s.name }, v);
    for (const b of s.resourceBindings)
      for (const [k, v] of Object.entries(b.metrics))
        add('binding', k, 'Binding metric', { service: s.name, port: b.portName, resource: b.resourceName }, v);
  }
  for (const r of status.resources)
    for (const [k, v] of Object.entries(r.metrics))
      add('resource', k, 'Resource metric', { resource: r.name, type: r.type }, v);
  for (const [k, v] of Object.entries(status.metrics)) add('pipeline', k, 'Pipeline metric', {}, v);
  add('pipeline', 'healthy', 'Whether every service and resource is healthy:', {}, status.healthy ? 1 : 0);
  const proc = (key: string, what: string, value: number): void => add('process', key, what, {}, value);
  proc('uptime_seconds', 'Seconds since the node started:', process.uptimeSeconds);
  proc('resident_memory_bytes', "The node process's resident memory:", process.rssBytes);
  proc('heap_used_bytes', "The main thread's V8 heap in use:", process.heapUsedBytes);
  if (process.heapTotalBytes !== undefined)
    proc('heap_total_bytes', "The main thread's V8 heap:", process.heapTotalBytes);
  // Memory outside the JS heap of the main thread (chunk buffers, native libraries): where a recording node's RSS goes.
  if (process.externalBytes !== undefined)
    proc('external_memory_bytes', 'Memory outside the V8 heap:', process.externalBytes);
  if (process.arrayBufferBytes !== undefined)
    proc('array_buffer_bytes', 'ArrayBuffer memory:', process.arrayBufferBytes);
  proc('event_loop_delay_mean_ms', 'Event loop delay since the last scrape, mean:', process.eventLoop.meanMs);
  proc('event_loop_delay_p99_ms', 'Event loop delay since the last scrape, p99:', process.eventLoop.p99Ms);
  proc('event_loop_delay_max_ms', 'Event loop delay since the last scrape, max:', process.eventLoop.maxMs);
  const lines: string[] = [];
  for (const [name, { e, rows }] of series) lines.push(`# HELP ${name} ${e.help}`, `# TYPE ${name} ${e.type}`, ...rows);
  return `${lines.join('\n')}\n`;
}

/** `eventLoop` reads the delay since the previous scrape. */
export function metricsRoute(status: () => PipelineStatus, startedAt: number, eventLoop: () => EventLoopDelay): Route {
  return {
    method: 'GET',
    pattern: '/',
    handler: () => {
      const mem = globalThis.process.memoryUsage();
      return {
        status: 200,
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        raw: renderPrometheus(status(), {
          uptimeSeconds: (Date.now() - startedAt) / 1000,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          heapTotalBytes: mem.heapTotal,
          externalBytes: mem.external,
          arrayBufferBytes: mem.arrayBuffers,
          eventLoop: eventLoop(),
        }),
      };
    },
  };
}
