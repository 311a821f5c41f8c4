import { defineConfig } from 'vitest/config';

/**
 * Three tiers. unit: pure code, no root, seconds. integration: real tools, loop devices and
 * filesystems (root). e2e: the default image built and booted in QEMU (root, minutes).
 * Root-only suites skip with a reason when not root (test/helpers/needs.ts) and the run ends with
 * one line counting them (skip-reporter.ts); under CI=true such a suite fails instead of skipping.
 */
// Worker threads the sources start from a file URL (src/bmap/hash-worker.ts) run outside vitest's
// transform: Node reads their TypeScript through these hooks.
const execArgv = [
  '--import',
  new URL('./test/helpers/typescript-loader.mjs', import.meta.url).href,
];

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/skip-reporter.ts', './test/helpers/timing-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          execArgv,
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          execArgv,
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Loop devices and big temp files: one file at a time keeps 2 cores and the disk sane.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          execArgv,
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          // Outer bounds only: boots and builds set their own, about 3 × what they take here.
          testTimeout: 900_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
