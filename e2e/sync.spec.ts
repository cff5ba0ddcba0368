import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import { SITE_CREDENTIALS } from '../sim/identities';
import { parseCsv, CSV_COLUMNS } from '../common/sync/report';

const NEW = 'Sync2026abcXYZ'; // 14 characters: too long for camera 2's 12-character rule
const SHORTER = 'Sync2026abXY'; // 12: what camera 2 takes
const LOCKED_PASSWORD = 'Someone-else-1';

/** Focus went where the screen put it after an action whose button went away (never the page body). */
const focusOn = (page: import('@playwright/test').Page, testId: string) =>
  expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)).toBe(testId);

// One camera per behaviour the technician must be able to tell apart on screen.
test.use({
  siteOptions: {
    cameras: 6,
    faults: {
      '0': {},
      '1': { fixedAdmin: true },
      '2': { maxPasswordLength: 12 },
      '3': { setUserNoop: true, latencyMs: 250 },
      '4': { http500: true },
      '5': { lockout: { afterFailures: 1, lockMs: 20 * 60_000 } },
    },
  },
});

const EXPECTED = ['updated', 'rejected', 'rejected', 'unverified', 'unreachable', 'locked-out'];

test('pushes the password live per camera, retries the failed ones, and exports a CSV that matches the screen', async ({ app, site }, testInfo) => {
  const { page } = app;
  site.cameras[5]!.users.setPassword('admin', LOCKED_PASSWORD);
  await page.getByRole('tab', { name: 'Camera sync' }).click();

  // Typed addresses only, so the run is exactly the six cameras whatever discovery found.
  for (const box of await page.getByTestId('sync-device').all()) await box.uncheck();
  await page.getByTestId('sync-manual').fill(site.cameras.map((c) => c.xaddr).join('\n'));
  await page.getByTestId('sync-current-0').fill(SITE_CREDENTIALS.camera.password);
  // More guesses than the budget lets a camera reach: the form says so before anything starts.
  await expect(page.getByTestId('sync-budget-warning')).toHaveCount(0);
  for (const [i, guess] of ['Guess-two-22', 'Guess-three-33'].entries()) {
    await page.getByRole('button', { name: 'Add a guess' }).click();
    await page.getByTestId(`sync-current-${i + 1}`).fill(guess);
  }
  await expect(page.getByTestId('sync-budget-warning')).toContainText('password 3 may go untried');
  // Emptied guesses are not sent, and the warning follows the list.
  for (const i of [1, 2]) await page.getByTestId(`sync-current-${i}`).fill('');
  await expect(page.getByTestId('sync-budget-warning')).toHaveCount(0);
  // The app's one password rule, before anything is sent: the offending character is named, no camera is contacted.
  const requestsBefore = site.cameras.map((c) => c.stats().requests);
  await page.getByTestId('sync-new').fill('Site;2024');
  await expect(page.getByTestId('sync-new-rule')).toContainText('contains ";"');
  await page.getByTestId('sync-confirm').fill('Site;2024');
  await page.getByTestId('sync-save').click();
  await expect(page.getByRole('alert')).toContainText('contains ";", which the NVR\'s rule does not allow');
  await expect(page.getByTestId('sync-row')).toHaveCount(0);
  expect(site.cameras.map((c) => c.stats().requests)).toEqual(requestsBefore);

  await page.getByTestId('sync-new').fill(NEW);
  await expect(page.getByTestId('sync-new-rule')).not.toContainText('contains');
  await page.getByTestId('sync-confirm').fill(NEW);
  await page.getByTestId('sync-save').click();
  // The form folds away under the button: focus goes to the results, not the page body.
  await expect(page.getByTestId('sync-save')).toHaveCount(0);
  await focusOn(page, 'sync-summary');

  const row = (i: number) => page.locator(`[data-testid="sync-row"][data-xaddr="${site.cameras[i]!.xaddr}"]`);
  await expect(page.getByTestId('sync-row')).toHaveCount(6);
  // Live: the healthy camera shows its outcome while the slow one is still going.
  await expect(row(0)).toHaveAttribute('data-outcome', 'updated');
  await expect(page.getByTestId('sync-summary')).toHaveAttribute('data-running', 'true');

  for (const [i, outcome] of EXPECTED.entries()) await expect(row(i)).toHaveAttribute('data-outcome', outcome);
  await expect(page.getByTestId('sync-summary')).toHaveAttribute('data-running', 'false');
  await expect(row(1)).toContainText('FixedUser');
  await expect(row(2)).toContainText('PasswordTooLong');
  await expect(row(5).getByTestId('unlock-countdown')).toContainText(/unlocks in 1?\d:\d\d/);
  expect(site.cameras[0]!.users.checkPassword('admin', NEW)).toBe(true);
  for (const c of site.cameras) expect(c.stats().failedAuths).toBeLessThanOrEqual(2);
  // A clean change costs no refused sign-in, and the screen shows none.
  await expect(row(0).getByTestId('sync-refused')).toHaveText('0');
  expect(site.cameras[0]!.stats().failedAuths).toBe(0);
  // Before a retry: what each failed camera has left of its budget, in words.
  await expect(page.getByTestId('sync-budget-left')).toContainText(/\d of 2 allowed refused sign-ins left on \d cameras?/);
  await expect(page.getByTestId('sync-budget-left')).toContainText('no refused sign-in left on 1 camera');

  // The camera with the server error is fixed; the locked one must not be touched before it unlocks.
  site.cameras[4]!.setFaults({ http500: false });
  const lockedRequests = site.cameras[5]!.stats().requests;
  const tooLongSetUsers = site.cameras[2]!.stats().setUserCount['admin'];
  // The camera whose rule refused the password is not offered the same one again.
  await expect(page.getByTestId('sync-retry')).toHaveText('Retry failed (2)');
  await page.getByTestId('sync-retry').click();
  await focusOn(page, 'sync-summary');
  await expect(row(4)).toHaveAttribute('data-outcome', 'updated');
  await expect(page.getByTestId('sync-summary')).toHaveAttribute('data-running', 'false');
  await expect(row(5)).toHaveAttribute('data-outcome', 'locked-out');
  expect(site.cameras[5]!.stats().requests).toBe(lockedRequests);
  // The camera that ignored SetUser used its two failed sign-ins: left alone, its outcome kept.
  await expect(row(3)).toHaveAttribute('data-outcome', 'unverified');
  expect(site.cameras[4]!.users.checkPassword('admin', NEW)).toBe(true);
  expect(site.cameras[2]!.stats().setUserCount['admin']).toBe(tooLongSetUsers);

  // It asks for another password instead: one that camera's rule takes.
  const another = page.getByTestId('sync-needs-new-password');
  await expect(another).toContainText('1 camera refused this new password under its own rule (PasswordTooLong)');
  await another.getByTestId('sync-retry-new').fill('Bad:pass2026');
  await another.getByTestId('sync-retry-confirm').fill('Bad:pass2026');
  await another.getByTestId('sync-retry-with-new').click();
  await expect(another.getByTestId('sync-retry-rule')).toContainText('contains ":"');
  await another.getByTestId('sync-retry-new').fill(SHORTER);
  await another.getByTestId('sync-retry-confirm').fill(SHORTER);
  await another.getByTestId('sync-retry-with-new').click();
  await focusOn(page, 'sync-summary');
  await expect(row(2)).toHaveAttribute('data-outcome', 'updated');
  await expect(page.getByTestId('sync-summary')).toHaveAttribute('data-running', 'false');
  expect(site.cameras[2]!.users.checkPassword('admin', SHORTER)).toBe(true);
  await expect(page.getByTestId('sync-needs-new-password')).toHaveCount(0);

  const screen = new Map<string, string>();
  for (const r of await page.getByTestId('sync-row').all()) screen.set((await r.getAttribute('data-xaddr'))!, (await r.getAttribute('data-outcome'))!);

  const download = page.waitForEvent('download');
  await page.getByTestId('sync-export-csv').click();
  const file = await (await download).path();
  const csv = readFileSync(file!, 'utf8');
  expect(csv).not.toContain(NEW);
  expect(csv).not.toContain(SHORTER);
  expect(csv).not.toContain(SITE_CREDENTIALS.camera.password);
  const [header, ...lines] = parseCsv(csv);
  expect(header).toEqual([...CSV_COLUMNS]);
  const fromCsv = new Map(lines.map((l) => [l[CSV_COLUMNS.indexOf('xaddr')]!, l[CSV_COLUMNS.indexOf('outcome')]!]));
  expect(fromCsv).toEqual(screen);

  await expect(page.getByTestId('sync-saved')).toContainText(/Saved as \S+\.csv/);
  // Names and the tally at a glance; failures marked as failures.
  await expect(page.getByTestId('sync-tally')).toHaveText('3 updated · 1 locked · 1 rejected · 1 not verified');
  await expect(row(4).getByTestId('sync-outcome')).toHaveClass(/o-good/);
  await expect(row(5).getByTestId('sync-outcome')).toHaveClass(/o-bad/);
  for (const [i, c] of site.cameras.entries()) await expect(row(i)).toContainText(c.identity.serialNumber);

  // The printable report: a print view with a header, names and local times with the zone.
  const popup = page.waitForEvent('popup');
  await page.getByTestId('sync-export-html').click();
  const view = await popup;
  await expect(view.getByRole('heading', { name: 'Camera password sync report' })).toBeVisible();
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await expect(view.getByRole('table', { name: 'Report header' })).toContainText(`Times shown in${zone}`);
  await expect(view.locator('body')).toContainText(site.cameras[0]!.identity.serialNumber);
  expect(await view.content()).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  expect(await view.content()).not.toContain(NEW);
  await view.close();

  expect(await page.content()).not.toContain(NEW);
  // Another run: the form opens under the button it replaces, with focus in it.
  await page.getByTestId('sync-new-run').click();
  await focusOn(page, 'sync-all');
  await expect(page.getByTestId('sync-save')).toBeVisible();
  const shot = await page.screenshot({ path: testInfo.outputPath('sync.png'), fullPage: true });
  await testInfo.attach('sync screen', { body: shot, contentType: 'image/png' });
  expect(app.logText()).not.toContain(NEW);

  // The inventory now reads firmware with the password sync proved — only on the cameras it updated.
  await page.getByRole('tab', { name: 'Devices' }).click();
  const deviceRow = (i: number) => page.locator(`[data-testid="device-row"][data-serial="${site.cameras[i]!.identity.serialNumber}"]`);
  await expect(deviceRow(0)).toContainText(site.cameras[0]!.identity.firmwareVersion);
  await expect(deviceRow(4)).toContainText(site.cameras[4]!.identity.firmwareVersion);
  await expect(deviceRow(1)).not.toContainText(site.cameras[1]!.identity.firmwareVersion);
  for (const c of site.cameras) expect(c.stats().failedAuths).toBeLessThanOrEqual(2);
});
