import { defineConfig } from 'vitest/config';

// Unit tests live beside the code they test (`*.test.ts[x]`). e2e/ belongs to Playwright.
export default defineConfig({
  test: {
    include: ['{common,main,preload,renderer,sim,bench,scripts}/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // No test writes the user's app-data folder (test/support/data-dir.ts).
    setupFiles: ['test/support/data-dir.ts'],
  },
});
