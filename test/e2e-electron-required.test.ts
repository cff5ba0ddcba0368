import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// E2E_ELECTRON=1 must fail loudly, never pass or skip, when Electron's binary is
// missing: CI's Electron job relies on it. ELECTRON_OVERRIDE_DIST_PATH pointing
// nowhere makes the binary missing on any machine, so this check never skips.
// (test/e2e-launcher.test.ts covers the launcher function; this runs the suite.)
describe('E2E_ELECTRON=1 without Electron’s binary', () => {
  it('fails the Playwright run with the launcher’s message', () => {
    const out = mkdtempSync(join(tmpdir(), 'nvr-e2e-electron-missing-'));
    const r = spawnSync('npx', ['playwright', 'test', 'e2e/app.spec.ts', '--reporter=line', '--output', out, '--max-failures=1'], {
      env: { ...process.env, E2E_ELECTRON: '1', ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist', CI: '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = `${r.stdout}${r.stderr}`;
    expect(r.status, output).toBe(1);
    expect(output).toContain("E2E_ELECTRON=1 asks for the Electron app, but Electron's binary is missing");
    expect(output).toMatch(/1 failed/);
    expect(output).not.toMatch(/\d+ passed|\d+ skipped/);
  }, 150_000);
});
