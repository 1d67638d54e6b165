/**
 * `node status` and `pipeline status`: the queries scripts poll most. They live here, free of oclif, so the
 * oclif commands and the fast path in bin/run.js (which skips loading oclif) produce identical output.
 */
import { ExitCode } from '../exit-codes.js';
import { costLine, type PipelineStatus, type ServiceStatus } from '../pipeline/index.js';
import { NodeClient } from './node-client.js';
import { locateNode } from './node-locator.js';

export interface QueryOutcome<T> {
  readonly result: T;
  readonly exitStatus: number;
  /** What a human sees on stdout without --json. */
  readonly lines: string[];
}

export interface NodeStatusResult {
  running: boolean;
  state: 'running' | 'not-running' | 'unknown';
  pid?: number;
  port?: number;
  url?: string;
  version?: string;
  startedAt?: string;
  uptimeSeconds?: number;
  dataDir: string;
  logFile?: string | null;
  pipeline?: { status: string; healthy: boolean };
  staleFilesRemoved?: string;
  reason?: string;
}

export async function queryNodeStatus(dataDir: string, timeoutMs: number): Promise<QueryOutcome<NodeStatusResult>> {
  const location = await locateNode(dataDir, timeoutMs);
  if (location.kind === 'running') {
    const { state, health } = location;
    const lines = [
      `running  pid ${state.pid}  http://${state.host}:${state.port}  up ${formatUptime(health.uptimeSeconds)}  pipeline ${health.pipeline.status}${health.pipeline.healthy ? '' : ' (unhealthy)'}`,
      `  data dir  ${health.dataDir}`,
      ...(health.logFile ? [`  log file  ${health.logFile}`] : []),
    ];
    return {
      exitStatus: ExitCode.Ok,
      lines,
      result: {
        running: true,
        state: 'running',
        pid: state.pid,
        port: state.port,
        url: `http://${state.host}:${state.port}`,
        version: health.version,
        startedAt: health.startedAt,
        uptimeSeconds: health.uptimeSeconds,
        dataDir: health.dataDir,
        logFile: health.logFile,
        pipeline: health.pipeline,
      },
    };
  }
  if (location.kind === 'unknown') {
    return {
      exitStatus: ExitCode.StatusUnknown,
      lines: [`unknown  pid ${location.state.pid} is alive but its API did not answer (${location.reason})`],
      result: {
        running: false,
        state: 'unknown',
        pid: location.state.pid,
        port: location.state.port,
        dataDir,
        reason: location.reason,
      },
    };
  }
  return {
    exitStatus: ExitCode.NodeNotRunning,
    lines: [
      `not running  (data dir ${dataDir})`,
      ...(location.staleRemoved ? [`  removed stale state: ${location.staleRemoved}`] : []),
    ],
    result: {
      running: false,
      state: 'not-running',
      dataDir,
      ...(location.staleRemoved ? { staleFilesRemoved: location.staleRemoved } : {}),
    },
  };
}

export async function queryPipelineStatus(
  dataDir: string,
  service?: string,
): Promise<QueryOutcome<PipelineStatus | ServiceStatus>> {
  const client = await NodeClient.connect(dataDir);
  if (service) {
    const s = await client.get<ServiceStatus>(`/pipeline/api/service/${encodeURIComponent(service)}/status`);
    return { result: s, exitStatus: s.healthy ? ExitCode.Ok : ExitCode.PipelineUnhealthy, lines: serviceLines(s) };
  }
  const status = await client.get<PipelineStatus>('/pipeline/api/status');
  const paused = status.services.filter((s) => s.state === 'PAUSED').length;
  const partly =
    status.status === 'RUNNING' && paused > 0 ? ` (${paused} of ${status.services.length} services paused)` : '';
  const lines = [
    `pipeline ${status.status}${partly}${status.healthy ? '' : ' (unhealthy)'}  node pid ${client.pid} port ${client.port}`,
  ];
  for (const s of status.services) lines.push(...serviceLines(s));
  if (status.recording) {
    lines.push(costLine(status.recording));
    if (status.recording.warning) lines.push(`WARNING: ${status.recording.warning}`);
  }
  if (status.resources.length > 0) lines.push('resources:');
  for (const r of status.resources)
    lines.push(
      `  ${r.name.padEnd(24)} ${r.type.padEnd(20)} ${r.healthy ? 'healthy' : 'UNHEALTHY'}  ${compact(r.metrics)}`,
    );
  return { result: status, exitStatus: status.healthy ? ExitCode.Ok : ExitCode.PipelineUnhealthy, lines };
}

/** A put waiting this long is worth a line of its own: the output queue is full or its broker is away. */
const BLOCKED_HINT_MS = 5000;

export function serviceLines(s: ServiceStatus): string[] {
  const lines = [`  ${s.name.padEnd(24)} ${s.state.padEnd(8)} ${s.healthy ? '' : 'UNHEALTHY '}${compact(s.metrics)}`];
  const blockedMs = s.metrics.queue_blocked_ms ?? 0;
  if (blockedMs >= BLOCKED_HINT_MS) {
    lines.push(
      `      waiting ${Math.round(blockedMs / 1000)} s for room on its output queue: are the consumers (persistence) running and the broker reachable?`,
    );
  }
  for (const b of s.resourceBindings)
    lines.push(`      ${b.portName} → ${b.usageType ?? ''}:${b.resourceName} [${b.usageState}] ${compact(b.metrics)}`);
  for (const e of s.errors.slice(-3)) lines.push(`      error ${e.code}: ${e.message}`);
  return lines;
}

function compact(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
    .join(' ');
}

function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
