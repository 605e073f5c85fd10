import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start real sshd/rsync processes; two cores, so keep the fan-out small.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
