import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { test, expect, axeCheck, MASK_COLOR, SECRET_FIELDS } from './fixtures';
import { pressOn, tabTo } from './keyboard';
import { walkFullReset } from './reset-steps';
import { devInitOf } from '../sim/devinit/addon';
import { DahuaRpcClient } from '../main/dahua/client';
import { rpcOf } from '../sim/nvr/rpc-addon';
import { SITE_CREDENTIALS } from '../sim/identities';

// Issue 21's done-when, in the demo's site (an NVR, eight cameras, Camera 07 factory-fresh,
// the NVR reconnecting to its cameras every 5 s): the factory-fresh camera is initialised
// from Devices with the reset case's password and e-mail, keyboard only, then signs in
// with it. Success is judged from the simulated camera's own state.
const EMAIL = 'owner@example.com';
/** The demo's factory-fresh camera (demo/site.ts asks for it): Camera 07, on the NVR's channel 7. */
const FRESH = 6;
test.use({ siteOptions: { registeredEmail: EMAIL, nvrPollMs: 5000, factoryFresh: { [FRESH]: {} } } });

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
] as const;

/** Focus after an action: on something, never the page body. */
async function focusKept(page: Page, what: string): Promise<void> {
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName ?? 'none'), { message: `focus after: ${what}` }).not.toMatch(/^(BODY|none)$/);
}

/** axe, then a screenshot at each size; at 1024×700 nothing spills sideways and `box` is drawn whole in the width. */
async function screen(page: Page, name: string, box: Locator, testInfo: TestInfo): Promise<void> {
  await axeCheck(page, name, testInfo);
  const was = page.viewportSize();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    const body = await page.screenshot({ path: testInfo.outputPath('screens', `${name}-${size.width}.png`), mask: [page.locator(SECRET_FIELDS)], maskColor: MASK_COLOR });
    await testInfo.attach(`screen ${name} ${size.width}`, { body, contentType: 'image/png' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scroll at ${size.width}`).toBe(true);
    const b = await box.boundingBox();
    expect(b && b.x >= 0 && b.x + b.width <= size.width, `${name}: drawn whole at ${size.width}`).toBe(true);
  }
  if (was) await page.setViewportSize(was);
}

/** Whether an element is drawn whole inside a container (not cut off at its right or bottom edge). */
async function whollyInside(el: Locator, box: Locator): Promise<boolean> {
  const [a, b] = [await el.boundingBox(), await box.boundingBox()];
  return !!a && !!b && a.x >= b.x - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
}

/**
 * Arrow keys through the device grid until `row` has focus (the grid is one Tab
 * stop). One key at a time, each waited for (focus moves a frame after the key);
 * nothing precomputed, since rows may still be merging while it walks.
 */
async function arrowTo(page: Page, row: Locator): Promise<void> {
  const focusedRow = () => page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex') ?? '');
  await tabTo(page, page.locator('[data-testid="device-row"][tabindex="0"]'));
  await page.keyboard.press('Home');
  await expect.poll(focusedRow).toBe('2');
  for (let i = 0; i < 40 && !(await row.evaluate((e) => e === document.activeElement)); i++) {
    const before = await focusedRow();
    await page.keyboard.press('ArrowDown');
    await expect.poll(focusedRow, { message: 'ArrowDown moved to the next row' }).not.toBe(before);
  }
  await expect(row).toBeFocused();
}

test('Devices → Camera 07 "Not initialised" → Initialise with the case’s password and e-mail, keyboard only: the camera holds both and signs in with them', async ({ app, site }, testInfo) => {
  test.setTimeout(240_000);
  const { page } = app;
  const camera = site.cameras[FRESH]!;
  const device = devInitOf(site, FRESH);
  expect(device.state().initialised).toBe(false);

  const { password, code } = await walkFullReset(app, site, 'Shop NVR', EMAIL);
  // The rest at the small size: every step of it must fit 1024×700.
  await page.setViewportSize(SIZES[1]);

  // Devices: the factory-fresh camera's row says so, with a checkbox; Space on the row chooses it.
  // The tabs are one Tab stop (the selected one); Home selects the first, Devices.
  await tabTo(page, page.getByRole('tab', { selected: true }));
  await page.keyboard.press('Home');
  await expect(page.getByRole('tab', { name: 'Devices' })).toHaveAttribute('aria-selected', 'true');
  const row = page.locator(`[data-testid="device-row"][data-serial="${camera.identity.serialNumber}"]`);
  await expect(row.getByTestId('not-initialised')).toBeVisible();
  await expect(page.getByTestId('init-chosen')).toContainText('0 of 1 not-initialised device chosen');
  await arrowTo(page, row);
  await page.keyboard.press('Space');
  await expect(row.getByTestId('init-choose')).toBeChecked();
  await expect(page.getByTestId('init-chosen')).toContainText('1 of 1 not-initialised device chosen');
  await expect(row).toBeFocused();
  // The checkbox and the badge are whole in the Status cell.
  const status = row.getByRole('gridcell').first();
  for (const id of ['init-choose', 'not-initialised']) expect(await whollyInside(row.getByTestId(id), status), id).toBe(true);
  await screen(page, 'devices-chosen', page.getByRole('grid', { name: 'Devices' }), testInfo);

  // The panel: the case's password and its registered e-mail by default; nothing sent yet.
  await pressOn(page, page.getByTestId('init-open'));
  const panel = page.getByRole('dialog', { name: 'Initialise one new device' });
  await expect(panel.getByRole('heading', { name: 'Initialise one new device' })).toBeFocused();
  await expect(panel.getByTestId('init-use-case')).toBeChecked();
  await expect(panel.getByTestId('init-email')).toHaveValue(EMAIL);
  await expect(panel.getByRole('list', { name: 'Devices to initialise' })).toContainText('Camera 07');
  expect(device.stats().accountCalls).toBe(0);
  // No NVR session yet: the panel says what that risks, and Start waits for a sign-in or an explicit "no NVR".
  const nvrPart = panel.getByTestId('init-nvr');
  await expect(nvrPart).toHaveAttribute('data-session', 'none');
  await expect(nvrPart).toContainText('No NVR session');
  await expect(panel.getByTestId('init-start')).toBeInViewport();
  await screen(page, 'init-panel', panel, testInfo);
  await pressOn(page, panel.getByTestId('init-start'));
  await expect(panel.getByRole('alert')).toContainText('Sign in to the NVR first');
  await expect(panel.getByTestId('init-without-nvr')).toBeFocused();
  expect(device.stats().accountCalls).toBe(0);
  await page.keyboard.press('Space');
  await expect(panel.getByTestId('init-without-nvr')).toBeChecked();

  // Start: the panel gives way to the live results, and focus goes to their heading.
  await pressOn(page, panel.getByTestId('init-start'));
  const results = page.getByTestId('init-results');
  await expect(results.getByRole('heading')).toBeFocused();
  await expect(results.getByTestId('init-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const result = results.getByTestId('init-row');
  await expect(result).toHaveCount(1);
  await expect(result).toHaveAttribute('data-outcome', 'initialised');
  await expect(result.getByTestId('init-outcome')).toContainText('Initialised');
  // What happened on the NVR's side, and the next step with its budget.
  await expect(result.getByTestId('init-nvr-result')).toContainText('no NVR session');
  await expect(result).toContainText('close the loop right away');
  await focusKept(page, 'Start');
  await screen(page, 'init-results', results, testInfo);

  // The camera's own state: it took the case's password and e-mail, once, and a normal sign-in with it works.
  expect(device.state()).toMatchObject({ initialised: true, password, email: EMAIL });
  expect(device.stats().accountCalls).toBe(1);
  expect(camera.users.checkPassword('admin', password)).toBe(true);
  const logins = device.stats().logins;
  const client = new DahuaRpcClient({ url: device.url, username: 'admin' });
  await client.login(password);
  await client.call('global.keepAlive', { timeout: 60 });
  await client.logout();
  expect(device.stats()).toMatchObject({ logins: logins + 1, loginFailures: 0 });

  // The row shows its new state (the inventory scanned again), with the e-mail a reset would reach.
  await expect(row.getByTestId('not-initialised')).toHaveCount(0, { timeout: 30_000 });
  await expect(row.getByTestId('reset-capability')).toHaveAttribute('data-reset', 'possible');
  await expect(row.getByTestId('reset-capability')).toContainText('o***@example.com');
  await expect(page.getByTestId('init-bar')).toHaveCount(0);
  await focusKept(page, 'the row changed state');

  // Its details say what comes next: close the loop.
  await arrowTo(page, row);
  await page.keyboard.press('Enter');
  const details = page.getByTestId('device-details');
  await expect(details.getByTestId('after-init')).toContainText('Initialised by this app');
  await expect(details.getByTestId('after-init')).toContainText('Sync cameras and the NVR’s channels…');
  await expect(details).toContainText('possible, to o***@example.com');
  await expect(details.getByRole('heading', { name: /^Device details/ })).toBeFocused();
  await expect(details.getByTestId('after-init')).toBeInViewport();
  await screen(page, 'device-details-after-init', details, testInfo);

  // The report: one row, its outcome, no password and no full e-mail.
  const download = page.waitForEvent('download');
  await pressOn(page, results.getByTestId('init-export-csv'));
  const csv = readFileSync((await (await download).path())!, 'utf8');
  expect(csv).toMatch(/^device,deviceId,outcome,label,detail/);
  expect(csv).toContain(',"initialised","Initialised",');
  for (const secret of [password, code, EMAIL]) expect(csv).not.toContain(secret);
  await focusKept(page, 'Export CSV');
  await expect(page.getByText(password)).toHaveCount(0);
  for (const secret of [password, code]) expect(app.logText()).not.toContain(secret);
  // Nor anywhere in the data folder (the init journal, cases, logs).
  for (const file of readdirSync(app.dataDir, { recursive: true, encoding: 'utf8' })) {
    const path = join(app.dataDir, file);
    if (statSync(path).isFile()) expect(readFileSync(path, 'utf8'), file).not.toContain(password);
  }
});

test('a typed password is checked against the rule before anything is sent, naming the character; Escape closes the panel and gives focus back', async ({ app, site }) => {
  const { page } = app;
  const camera = site.cameras[FRESH]!;
  const device = devInitOf(site, FRESH);
  const row = page.locator(`[data-testid="device-row"][data-serial="${camera.identity.serialNumber}"]`);
  // With the mouse this time: the checkbox chooses the row without opening its details.
  await row.getByTestId('init-choose').check();
  await expect(page.getByTestId('device-details')).toHaveCount(0);
  await expect(page.getByTestId('init-chosen')).toContainText('1 of 1');
  await page.getByTestId('init-open').click();
  const panel = page.getByTestId('init-panel');
  // No reset case holds a password: the password is typed, and the e-mail too.
  await expect(panel.getByTestId('init-use-case')).toHaveCount(0);
  await expect(panel.getByTestId('init-email')).toHaveValue('');
  await panel.getByTestId('init-password').fill('Site;2024ab');
  // The offending character is named (quoted), whichever words the shared rule uses.
  await expect(panel.getByTestId('init-rule')).toContainText(/[“"];[”"]/);
  await panel.getByTestId('init-confirm').fill('Site;2024ab');
  await panel.getByTestId('init-email').fill(EMAIL);
  await panel.getByTestId('init-start').click();
  await expect(panel.getByRole('alert')).toContainText(/[“"];[”"]/);
  await expect(panel.getByTestId('init-password')).toBeFocused();
  // Nothing left for the device: no run, no account request.
  expect(await app.call('init.status', {})).toBeNull();
  expect(device.stats().accountCalls).toBe(0);
  // The e-mail is checked as well, before anything leaves.
  await panel.getByTestId('init-password').fill('Site2024ab');
  await panel.getByTestId('init-confirm').fill('Site2024ab');
  await panel.getByTestId('init-email').fill('owner@example.com?bcc=x@y.z');
  await panel.getByTestId('init-start').click();
  await expect(panel.getByRole('alert')).toContainText('reset e-mail is not usable');
  await expect(panel.getByTestId('init-email')).toBeFocused();
  expect(device.stats().accountCalls).toBe(0);
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('init-open')).toBeFocused();
  // The typed password went nowhere: not in the page, not in the log.
  expect(app.logText()).not.toContain('Site2024ab');
});

test('signed in to the NVR first: Camera 07’s channel gets the new password as the camera takes it, the NVR’s reconnects never lock it, and after the loop it records', async ({ app, site }) => {
  test.setTimeout(300_000);
  const { page } = app;
  const camera = site.cameras[FRESH]!;
  const device = devInitOf(site, FRESH);
  const rpc = rpcOf(site);
  const channel = rpc.channels.findIndex((c) => c.address === camera.address);
  expect(channel).toBeGreaterThanOrEqual(0);
  const { password } = await walkFullReset(app, site, 'Shop NVR', EMAIL);

  // The case's last step starts with the NVR sign-in (the case's password); the init comes after it.
  const step = page.getByTestId('wizard-step');
  const loop = step.getByRole('region', { name: 'NVR channels after the change' });
  await loop.getByRole('button', { name: 'Sign in to the NVR' }).click();
  const nvrPanel = page.getByTestId('panel-nvr');
  await nvrPanel.getByLabel('NVR address').fill(rpc.url);
  await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(nvrPanel.getByTestId('nvr-channel').first()).toBeVisible();

  // Devices: choose Camera 07; the panel says what happens to its NVR channel before anything is sent.
  await page.getByRole('tab', { name: 'Devices' }).click();
  const row = page.locator(`[data-testid="device-row"][data-serial="${camera.identity.serialNumber}"]`);
  await row.getByTestId('init-choose').check();
  await page.getByTestId('init-open').click();
  const panel = page.getByTestId('init-panel');
  await expect(panel.getByTestId('init-nvr')).toHaveAttribute('data-session', 'open');
  await expect(panel.getByTestId('init-nvr-line')).toContainText(`NVR channel ${channel + 1} gets the new password just before the camera takes it`);
  await panel.getByTestId('init-start').click();
  const result = page.getByTestId('init-results').getByTestId('init-row');
  await expect(result).toHaveAttribute('data-outcome', 'initialised', { timeout: 60_000 });
  await expect(result.getByTestId('init-nvr-result')).toContainText(`channel ${channel + 1} stores the new password`);

  // The NVR's reconnect loop, driven past the camera's lock threshold: every sign-in uses the new password.
  for (let i = 0; i < 7; i++) await rpc.pollNow();
  expect(rpc.stored(channel)).toMatchObject({ enable: true, password, state: 'Connected', refusedLogins: 0 });
  expect(camera.stats().lockedUntil).toBeLessThanOrEqual(camera.now());
  expect(device.stats().accountCalls).toBe(1);

  // The case's last step: the cameras' current password, the plan, Save.
  await page.getByRole('tab', { name: 'Password reset' }).click();
  await loop.getByLabel('Password the cameras have now').fill(SITE_CREDENTIALS.camera.password);
  await loop.getByTestId('site-plan').click();
  const plan = loop.getByRole('dialog', { name: 'Site plan' });
  await expect(plan.getByTestId('site-plan-row').nth(channel)).toContainText('Camera 07');
  await plan.getByRole('button', { name: 'Save' }).click();
  const board = loop.getByTestId('site-board');
  await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
  await expect(board.getByTestId('site-tile').nth(channel)).toHaveAttribute('data-outcome', 'recording');
  // Judged from the simulated site: the NVR stores the case's password, its channel records, the camera never locked.
  await rpc.pollNow();
  expect(rpc.stored(channel)).toMatchObject({ enable: true, password, state: 'Connected', refusedLogins: 0 });
  expect(camera.stats().lockedUntil).toBeLessThanOrEqual(camera.now());
});
