/** `/metrics` in the Prometheus text format: every numeric metric of every service, binding and resource. */
import type { PipelineStatus } from '../../pipeline/service-manager.js';
import type { EventLoopDelay } from '../event-loop-monitor.js';
import type { Route } from '../../http/http-types.js';

function metricName(key: string): string {
  return `evochora_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
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
  const series = new Map<string, string[]>();
  const add = (key: string, labels: Record<string, string>, value: number): void => {
    if (!Number.isFinite(value)) return;
    const name = metricName(key);
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${label(v)}"`)
      .join(',');
    if (!series.has(name)) series.set(name, []);
    series.get(name)!.push(`${name}{${text}} ${value}`);
  };
  const states = ['STOPPED', 'RUNNING', 'PAUSED', 'ERROR'];
  for (const s of status.services) {
    for (const st of states) add('service_state', { service: s.name, state: st }, s.state === st ? 1 : 0);
    add('service_healthy', { service: s.name }, s.healthy ? 1 : 0);
    for (const [k, v] of Object.entries(s.metrics)) add(`service_${k}`, { service: s.name }, v);
    for (const b of s.resourceBindings)
      for (const [k, v] of Object.entries(b.metrics))
        add(`binding_${k}`, { service: s.name, port: b.portName, resource: b.resourceName }, v);
  }
  for (const r of status.resources)
    for (const [k, v] of Object.entries(r.metrics)) add(`resource_${k}`, { resource: r.name, type: r.type }, v);
  for (const [k, v] of Object.entries(status.metrics)) add(`pipeline_${k}`, {}, v);
  add('pipeline_healthy', {}, status.healthy ? 1 : 0);
  add('process_uptime_seconds', {}, process.uptimeSeconds);
  add('process_resident_memory_bytes', {}, process.rssBytes);
  add('process_heap_used_bytes', {}, process.heapUsedBytes);
  if (process.heapTotalBytes !== undefined) add('process_heap_total_bytes', {}, process.heapTotalBytes);
  // Memory outside the JS heap of the main thread (chunk buffers, native libraries): where a recording node's RSS goes.
  if (process.externalBytes !== undefined) add('process_external_memory_bytes', {}, process.externalBytes);
  if (process.arrayBufferBytes !== undefined) add('process_array_buffer_bytes', {}, process.arrayBufferBytes);
  add('process_event_loop_delay_mean_ms', {}, process.eventLoop.meanMs);
  add('process_event_loop_delay_p99_ms', {}, process.eventLoop.p99Ms);
  add('process_event_loop_delay_max_ms', {}, process.eventLoop.maxMs);
  const lines: string[] = [];
  for (const [name, rows] of series) {
    lines.push(`# TYPE ${name} gauge`, ...rows);
  }
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
