import { defineConfig } from 'vitest/config';

// Four suites: unit (fast, no processes), integration (real processes, files, browser), distributed (real
// NATS, Swift and PostgreSQL servers started by the tests), and conformance
// (reads ../shared; run separately so the README's tests pass on a machine without it).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
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
    ],
  },
});
