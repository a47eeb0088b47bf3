import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and integration tests start servers and Chromium; two cores, so keep it modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
