import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{packages,plugins,workloads,examples}/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // oclif's runCommand writes through console; vitest would otherwise swallow it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Benchmarks and the local engine are CPU-bound; two cores, so no more than two files at once.
    maxWorkers: 2,
  },
});
