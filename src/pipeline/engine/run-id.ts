import { randomUUID } from 'node:crypto';

/**
 * A new simulation run id: `YYYYMMDD-HHmmssCC-<uuid v4>` in UTC (CC = hundredths). Ids sort by start time;
 * the UUID makes them unique across processes and machines.
 */
export function newRunId(now: Date = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}${p(Math.floor(now.getUTCMilliseconds() / 10))}`;
  return `${date}-${time}-${randomUUID()}`;
}
