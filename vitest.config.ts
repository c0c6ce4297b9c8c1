import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The console's browser tests need web/dist; built here once (a no-op when it is up to date).
    globalSetup: ['test/console/global-setup.ts'],
  },
});
