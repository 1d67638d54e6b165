/**
 * What recording costs while a run lasts: bytes per recorded tick in storage and in the index, disk per hour
 * at the current rate, and the time until the data disk is full. Computed from the metrics the services and
 * resources already report (PersistenceService `ticks_written`/`bytes_written`, an index database's
 * `disk_bytes`, a storage's `disk_available_bytes`), sampled every few seconds so rates cover a recent window.
 */
import type { Metrics } from './api/monitorable.js';

export interface RecordingCost {
  /** Ticks recorded (written to storage) since the node started. */
  readonly ticksRecorded: number;
  readonly storageBytes: number;
  readonly storageBytesPerTick: number;
  /** Absent when no index database reports its size. */
  readonly indexBytes?: number;
  readonly indexBytesPerTick?: number;
  /** Over the last `windowSeconds`. */
  readonly ticksPerSecond: number;
  readonly diskBytesPerHour: number;
  readonly windowSeconds: number;
  /** Free space of the emptiest disk storage or index reports. */
  readonly diskAvailableBytes?: number;
  /** At the current rate; absent while nothing is being written. */
  readonly hoursUntilFull?: number;
  /** Set when the disk has less than FULL_BELOW_BYTES free: writes wait for space (DISK_FULL). */
  readonly diskFull?: boolean;
  /** Set when the disk is full within WARN_HOURS at the current rate. */
  readonly warning?: string;
}

/** A disk with less free space than this counts as full (a batch file of a mature world is a few MB). */
const FULL_BELOW_BYTES = 1_000_000;
/** Below this many hours until the disk is full, status and log warn. */
export const WARN_HOURS = 24;
/** Rates cover about this much recent time. */
const WINDOW_MS = 60_000;

interface Sample {
  readonly atMs: number;
  readonly ticks: number;
  readonly bytes: number;
}

/** The totals of one moment, taken from service and resource metrics. */
export interface CostReading {
  readonly ticks: number;
  readonly storageBytes: number;
  readonly indexBytes?: number;
  readonly diskAvailableBytes?: number;
}

export function costReadingOf(
  services: ReadonlyArray<{ className: string; metrics: Metrics }>,
  resources: ReadonlyArray<{ metrics: Metrics }>,
): CostReading {
  let ticks = 0;
  let storageBytes = 0;
  for (const s of services) {
    if (s.className !== 'PersistenceService') continue;
    ticks += s.metrics.ticks_written ?? 0;
    storageBytes += s.metrics.bytes_written ?? 0;
  }
  let indexBytes: number | undefined;
  let available: number | undefined;
  for (const r of resources) {
    const m = r.metrics;
    if (m.index_disk_bytes !== undefined) indexBytes = (indexBytes ?? 0) + m.index_disk_bytes;
    if (m.disk_available_bytes !== undefined)
      available = available === undefined ? m.disk_available_bytes : Math.min(available, m.disk_available_bytes);
  }
  return {
    ticks,
    storageBytes,
    ...(indexBytes !== undefined ? { indexBytes } : {}),
    ...(available !== undefined ? { diskAvailableBytes: available } : {}),
  };
}

export class RecordingCostTracker {
  private readonly samples: Sample[] = [];

  /** Records a reading (call every few seconds) and returns the cost as of it. */
  update(reading: CostReading, nowMs = Date.now()): RecordingCost {
    const bytes = reading.storageBytes + (reading.indexBytes ?? 0);
    this.samples.push({ atMs: nowMs, ticks: reading.ticks, bytes });
    while (this.samples.length > 2 && nowMs - this.samples[1]!.atMs >= WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (nowMs - first.atMs) / 1000;
    const ticksPerSecond = seconds > 0 ? (reading.ticks - first.ticks) / seconds : 0;
    const bytesPerSecond = seconds > 0 ? Math.max(0, bytes - first.bytes) / seconds : 0;
    const perTick = (b: number): number => (reading.ticks > 0 ? b / reading.ticks : 0);
    const diskBytesPerHour = bytesPerSecond * 3600;
    const hoursUntilFull =
      reading.diskAvailableBytes !== undefined && diskBytesPerHour > 0
        ? reading.diskAvailableBytes / diskBytesPerHour
        : undefined;
    const cost: RecordingCost = {
      ticksRecorded: reading.ticks,
      storageBytes: reading.storageBytes,
      storageBytesPerTick: perTick(reading.storageBytes),
      ...(reading.indexBytes !== undefined
        ? { indexBytes: reading.indexBytes, indexBytesPerTick: perTick(reading.indexBytes) }
        : {}),
      ticksPerSecond,
      diskBytesPerHour,
      windowSeconds: Math.round(seconds),
      ...(reading.diskAvailableBytes !== undefined ? { diskAvailableBytes: reading.diskAvailableBytes } : {}),
      ...(hoursUntilFull !== undefined ? { hoursUntilFull } : {}),
    };
    if (reading.diskAvailableBytes !== undefined && reading.diskAvailableBytes < FULL_BELOW_BYTES) {
      return {
        ...cost,
        diskFull: true,
        warning: `The data disk is full (${formatBytes(reading.diskAvailableBytes)} free): writing and the recording wait until there is space again. Free space or move node.dataDir to a larger disk; nothing recorded so far is lost.`,
      };
    }
    if (hoursUntilFull !== undefined && hoursUntilFull < WARN_HOURS) {
      return {
        ...cost,
        warning: `At ${formatBytes(diskBytesPerHour)} per hour the data disk (${formatBytes(reading.diskAvailableBytes!)} free) is full in ${formatHours(hoursUntilFull)}: sample less often (samplingInterval), move node.dataDir to a larger disk, or stop the run in time.`,
      };
    }
    return cost;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function formatHours(h: number): string {
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${Math.round(h / 24)} days`;
}

/** One line for `pipeline status`. */
export function costLine(c: RecordingCost): string {
  const index = c.indexBytesPerTick !== undefined ? ` + ${Math.round(c.indexBytesPerTick)} B/tick index` : '';
  const full = c.diskFull
    ? `; DISK FULL (${formatBytes(c.diskAvailableBytes!)} free): waiting for space`
    : c.hoursUntilFull !== undefined
      ? `; ${formatBytes(c.diskAvailableBytes!)} free: full in ${formatHours(c.hoursUntilFull)}`
      : c.diskAvailableBytes !== undefined
        ? `; ${formatBytes(c.diskAvailableBytes)} free`
        : '';
  return `recording: ${Math.round(c.storageBytesPerTick)} B/tick storage${index}; ${Math.round(c.ticksPerSecond)} ticks/s → ${formatBytes(c.diskBytesPerHour)} per hour${full}`;
}
