import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Finds or starts PostgreSQL for test/integration (see the README's "Running the PostgreSQL tests").
    globalSetup: ['test/postgres-global-setup.ts'],
    // The suite drives real actors, timers and databases; a hung test must fail, not stall CI.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
