import { defineConfig } from 'vitest/config';

// Five suites: unit (fast, no processes), integration (real processes, files, browser), distributed (real
// NATS, Swift and PostgreSQL servers started by the tests), conformance (reads ../shared; run separately so the
// README's tests pass on a machine without it), and chaos (kills, faults, fuzzers; npm run test:chaos).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000, isolate: false } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'distributed',
          include: ['test/distributed/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      { test: { name: 'conformance', include: ['test/conformance/**/*.test.ts'], testTimeout: 300_000 } },
      // Kills, faults and fuzzers with figures (npm run test:chaos; CHAOS_SIZE=nightly for the big run).
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
