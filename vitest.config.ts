import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the inspector page (its tests serve the bundle) and finds or starts PostgreSQL for
    // test/integration (see the README's "Running the PostgreSQL tests"): no test needs a manual step.
    globalSetup: ['test/support/build-inspector-page.ts', 'test/postgres-global-setup.ts'],
    // The suite drives real actors, timers, databases and a browser; a hung test must fail, not stall CI.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The browser test polls the page; a busy CI machine can take seconds to render a batch.
    expect: { poll: { timeout: 10_000 } },
  },
});
