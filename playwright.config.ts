import { defineConfig } from '@playwright/test';

// Playwright's error-context.md embeds an accessibility snapshot of the page,
// and those snapshots carry the values of password fields: a failed reset test
// would write the new password into test-results/. Screenshots and the app log
// (e2e/fixtures.ts) are the failure report instead.
process.env.PLAYWRIGHT_NO_COPY_PROMPT = '1';

/**
 * End-to-end specs drive the real app (browser host by default, Electron with
 * E2E_ELECTRON=1) against the simulated site. One worker: the machines have two
 * cores, and every site shares the loopback multicast group.
 */
export default defineConfig({
  testDir: 'e2e',
  // The specs' own project: Playwright would otherwise follow tsconfig.json's
  // references and apply the renderer's `paths` (qrcode's browser types) to sim/.
  tsconfig: './tsconfig.e2e.json',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results',
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/e2e-junit.xml' }]] : [['list']],
});
