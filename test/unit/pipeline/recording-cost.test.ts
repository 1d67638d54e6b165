import { describe, expect, it } from 'vitest';
import { costLine, costReadingOf, RecordingCostTracker } from '../../../src/pipeline/recording-cost.js';

describe('recording cost', () => {
  it('adds up persistence services and index databases, and takes the emptiest disk', () => {
    const reading = costReadingOf(
      [
        { className: 'PersistenceService', metrics: { ticks_written: 600, bytes_written: 120_000 } },
        { className: 'PersistenceService', metrics: { ticks_written: 400, bytes_written: 80_000 } },
        { className: 'SimulationEngine', metrics: { ticks_sent: 5000, bytes_sent: 9e9 } },
      ],
      [
        { metrics: { index_disk_bytes: 150_000, disk_available_bytes: 9e9 } },
        { metrics: { disk_available_bytes: 5e9 } },
        { metrics: {} },
      ],
    );
    expect(reading).toEqual({ ticks: 1000, storageBytes: 200_000, indexBytes: 150_000, diskAvailableBytes: 5e9 });
  });

  it('gives bytes per tick, disk per hour over the recent window, and warns when the disk is full within a day', () => {
    const t = new RecordingCostTracker();
    const free = 50e9;
    t.update({ ticks: 0, storageBytes: 0, indexBytes: 0, diskAvailableBytes: free }, 0);
    // 10,000 ticks/s at 300 + 200 bytes per tick for 10 s: 5 MB/s = 18 GB/hour; 50 GB last 2.8 h.
    const c = t.update(
      { ticks: 100_000, storageBytes: 30e6, indexBytes: 20e6, diskAvailableBytes: free - 50e6 },
      10_000,
    );
    expect(c.storageBytesPerTick).toBe(300);
    expect(c.indexBytesPerTick).toBe(200);
    expect(c.ticksPerSecond).toBe(10_000);
    expect(c.diskBytesPerHour).toBe(18e9);
    expect(c.hoursUntilFull).toBeCloseTo((free - 50e6) / 18e9, 6);
    expect(c.warning).toMatch(/full in 2\.8 h/);
    expect(costLine(c)).toBe(
      'recording: 300 B/tick storage + 200 B/tick index; 10000 ticks/s → 18.0 GB per hour; 50.0 GB free: full in 2.8 h',
    );
  });

  it('does not warn when the disk lasts, and forgets readings older than its window', () => {
    const t = new RecordingCostTracker();
    t.update({ ticks: 0, storageBytes: 0, diskAvailableBytes: 1e12 }, 0);
    t.update({ ticks: 1_000_000, storageBytes: 1e9, diskAvailableBytes: 1e12 }, 100_000);
    // Recording stopped for the last window: no rate, nothing to warn about.
    t.update({ ticks: 1_000_000, storageBytes: 1e9, diskAvailableBytes: 1e12 }, 170_000);
    const c = t.update({ ticks: 1_000_000, storageBytes: 1e9, diskAvailableBytes: 1e12 }, 175_000);
    expect(c.ticksPerSecond).toBe(0);
    expect(c.hoursUntilFull).toBeUndefined();
    expect(c.warning).toBeUndefined();
    expect(c.storageBytesPerTick).toBe(1000);
  });
});
