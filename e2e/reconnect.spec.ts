import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './launcher';

// Issue 19 item 9: after a restart the open tab used to be dead (new port, new token).
// The browser host keeps both in the data folder, and the page says the app is gone
// and reconnects by itself once it is back. The fixture's restart closes the browser
// too, so this spec drives the host process itself and keeps one tab open across it.

/** The host process; `logs()` is its stderr (the log echo under test hooks), stdout being the launcher's URL line. */
function startHost(dataDir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; logs: () => string }> {
  const env = { ...process.env, NVR_DATA_DIR: dataDir, NVR_TEST_HOOKS: '1', NVR_INTERFACES: '127.0.0.1' };
  const child = spawn(process.execPath, ['out/main/host.js', '--exit-with-stdin'], { env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.includes('"listening"'));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url, logs: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${stderr}`)));
  });
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test('the app restarts under an open tab: the tab says so, then reconnects by itself on the same address', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nvr-e2e-reconnect-'));
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  let host = await startHost(dataDir);
  try {
    const page = await browser.newPage();
    await page.goto(host.url);
    await expect(page.locator('[data-ready="true"]')).toBeVisible();
    const created = await page.evaluate(() => (window as unknown as { nvr: { cases: { create(i: unknown): Promise<{ id: string }> } } }).nvr.cases.create({ nvr: { label: 'Before the restart' } }));
    // The token is kept for the owner only, and never written to the log.
    expect(statSync(join(dataDir, 'browser-host.json')).mode & 0o777).toBe(0o600);
    const token = (JSON.parse(readFileSync(join(dataDir, 'browser-host.json'), 'utf8')) as { token: string }).token;

    await stop(host.child);
    await expect(page.getByTestId('connection-lost')).toContainText('The app is not running');
    await expect(page.getByTestId('connection-lost')).toContainText('reconnects by itself');

    host = await startHost(dataDir);
    expect(new URL(host.url).port).toBe(new URL(page.url()).port);
    await expect(page.getByTestId('connection-lost')).toHaveCount(0, { timeout: 30_000 });
    await expect(page.getByTestId('connection-back')).toBeVisible();
    // Calls work again from the same tab, and what was read before the restart is read again.
    const ids = await page.evaluate(async () => (await (window as unknown as { nvr: { cases: { list(): Promise<{ cases: { id: string }[] }> } } }).nvr.cases.list()).cases.map((c) => c.id));
    expect(ids).toEqual([created.id]);
    await page.getByRole('tab', { name: 'Password reset' }).click();
    await expect(page.getByRole('navigation', { name: 'Reset cases' })).toContainText('Before the restart');
    expect(host.logs()).toContain('browser host listening');
    expect(host.logs()).not.toContain(token);
    const log = readFileSync(join(dataDir, 'logs', 'app.log'), 'utf8');
    expect(log).not.toContain(token);
  } finally {
    await browser.close();
    await stop(host.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
