import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The inspector tests serve the bundled page: build it first, so no test needs a manual build.
    globalSetup: ['test/support/build-inspector-page.ts'],
    // The suite drives real actors and timers; a hung store test must fail, not stall CI.
    testTimeout: 20_000,
    // The browser test polls the page; a busy CI machine can take seconds to render a batch.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 20_000,
  },
});
