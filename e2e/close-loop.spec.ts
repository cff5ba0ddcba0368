import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { test, expect, type AppHandle } from './fixtures';
import type { Site } from '../sim/site';
import { SITE_CREDENTIALS } from '../sim/identities';
import { rpcOf } from '../sim/nvr/rpc-addon';
import { walkFullReset } from './reset-steps';
import { syncFormFilled } from './sync-steps';

const NEW = 'Loop2026abcX';
const EMAIL = 'owner@example.com';

// Three cameras on the NVR plus one behind its PoE ports (reachable by the NVR only); newer firmware (sealed writes).
test.use({ siteOptions: { cameras: 3, registeredEmail: EMAIL, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } } });

/** Each recording tile of a camera the app changed shows its own picture, decoded; the PoE camera's tile says why there is none. */
async function expectPictures(board: Locator) {
  const tiles = board.getByTestId('site-tile');
  const sources: string[] = [];
  for (const i of [0, 1, 2]) {
    const img = tiles.nth(i).getByTestId('site-tile-snapshot');
    await expect(img).toBeVisible();
    await expect(img).toHaveAttribute('alt', /^Snapshot from camera /);
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => (e.complete ? e.naturalWidth : 0))).toBeGreaterThan(0);
    sources.push((await img.getAttribute('src')) ?? '');
  }
  // One colour per camera: three different pictures.
  expect(new Set(sources).size).toBe(3);
  await expect(tiles.nth(3).getByTestId('site-tile-snapshot')).toHaveCount(0);
  await expect(tiles.nth(3).getByTestId('site-tile-snapshot-why')).toContainText('cannot reach this camera');
}

/** Signs in to the NVR on its own tab with the typed password; resolves once its channels are listed. */
async function signInOnNvrTab(root: Page, url: string, channels: number): Promise<void> {
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  const nvrPanel = root.getByTestId('panel-nvr');
  await nvrPanel.getByLabel('NVR address').fill(url);
  await nvrPanel.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(nvrPanel.getByTestId('nvr-channel')).toHaveCount(channels);
}

/** The test id of the focused element, polled: focus moves after the action's answer, never to the page body. */
const focusedTestId = (root: Page) => root.evaluate(() => (document.activeElement === document.body ? 'body' : (document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)));

test('Sync screen → plan per channel → Save → live board: every reachable channel records, the camera behind the NVR says so', async ({ app, site, axe }) => {
  const { page: root } = app;
  const rpc = rpcOf(site);
  // The PoE camera was added by ONVIF, so the NVR's own sync skips it and the laptop cannot reach it.
  rpc.channels[3]!.protocol = 'Onvif';

  // Sign in to the NVR (NVR channels tab).
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  const nvrPanel = root.getByTestId('panel-nvr');
  await nvrPanel.getByLabel('NVR address').fill(rpc.url);
  await nvrPanel.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(nvrPanel.getByTestId('nvr-channel')).toHaveCount(4);

  // The Sync screen: the three cameras by address, passwords typed.
  const page = await syncFormFilled(root, site, NEW);

  // The plan first: nothing changes before Save.
  await page.getByTestId('site-plan').click();
  const plan = page.getByTestId('site-plan-view');
  await expect(plan.getByTestId('site-plan-row')).toHaveCount(4);
  await expect(plan.getByTestId('site-plan-row').nth(1)).toContainText('Change the camera, then the NVR');
  await expect(plan.getByTestId('site-plan-row').nth(3)).toContainText('Cannot');
  expect(rpc.stats().secSetCameras + rpc.stats().setConfigs).toBe(0);
  await axe('close-loop plan');
  await plan.getByTestId('site-save').click();

  // The board: live, then the summary once every channel has its outcome.
  const board = page.getByTestId('site-board');
  await expect(board.getByTestId('site-tile')).toHaveCount(4);
  await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await expect(board.getByTestId('site-summary')).toContainText('3 of 4 channels recording with the new password');
  const outcomes = await board.getByTestId('site-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')));
  expect(outcomes).toEqual(['recording', 'recording', 'recording', 'not-reachable-from-laptop']);
  await expect(board.getByTestId('site-tile').nth(3)).toContainText('Not reachable from the laptop');
  await expectPictures(board);
  expect(rpc.channels.slice(0, 3).map((c) => c.password === NEW)).toEqual([true, true, true]);
  expect(rpc.channels.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0]);
  // The exported report holds the channel table and the summary, and no password.
  const download = root.waitForEvent('download');
  await page.getByTestId('sync-export-csv').click();
  const csv = readFileSync((await (await download).path())!, 'utf8');
  expect(csv).toContain('3 of 4 channels recording with the new password');
  expect(csv).toMatch(/^channel,address,outcome,label,detail,nextStep\r?$/m);
  expect(csv).toContain('not-reachable-from-laptop');
  for (const secret of [NEW, SITE_CREDENTIALS.nvr.password, SITE_CREDENTIALS.camera.password]) expect(csv).not.toContain(secret);
  // The plan and the board pass axe too (the live region is the summary).
  await axe('close-loop board');
  expect(app.logText()).not.toContain(NEW);
  expect(app.logText()).not.toContain(SITE_CREDENTIALS.nvr.password);
});

test('full reset case → its last step shows the plan, then the live board: every reachable channel records with the new password, the camera behind the NVR is not reachable from the laptop', async ({ app, site, axe }) => {
  const { page } = app;
  const rpc = rpcOf(site);
  rpc.channels[3]!.protocol = 'Onvif';

  const { password, code } = await walkFullReset(app, site, 'Shop NVR', EMAIL);
  const step = page.getByTestId('wizard-step');
  const loop = step.getByRole('region', { name: 'NVR channels after the change' });
  await expect(loop).toBeVisible();

  // The case's own entry point to the NVR's sign-in, with the case's keychain password.
  await loop.getByRole('button', { name: 'Sign in to the NVR' }).click();
  const nvrPanel = page.getByTestId('panel-nvr');
  await nvrPanel.getByLabel('NVR address').fill(rpc.url);
  await expect(nvrPanel.getByLabel('Use the new password saved with the reset case')).toBeChecked();
  await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(nvrPanel.getByTestId('nvr-channel')).toHaveCount(4);

  // The case's step takes the inventory's ONVIF cameras: wait until discovery holds the three the laptop reaches.
  await expect
    .poll(async () => (await app.call('devices.list')).flatMap((d) => (d.kind === 'nvr' ? [] : d.xaddrs)))
    .toEqual(expect.arrayContaining(site.cameras.map((c) => c.xaddr)));
  // Back on the case's last step: the cameras' current password, then the plan.
  await page.getByRole('tab', { name: 'Password reset' }).click();
  await expect(step).toHaveAttribute('data-step', 'done');
  await loop.getByLabel('Password the cameras have now').fill(SITE_CREDENTIALS.camera.password);
  // Every inventory camera is chosen; one left out is not changed (its channel is not the app's to change).
  const picker = loop.getByTestId('site-cameras');
  await expect(picker).toContainText(`Cameras to change: 3 of 3`);
  await picker.locator('summary').click();
  const first = picker.getByRole('checkbox').first();
  await first.uncheck();
  await expect(picker).toContainText('Cameras to change: 2 of 3');
  await loop.getByTestId('site-plan').click();
  const plan = loop.getByRole('dialog', { name: 'Site plan' });
  await expect(plan.getByTestId('site-plan-row').filter({ hasText: 'Change the camera, then the NVR' })).toHaveCount(2);
  await plan.getByRole('button', { name: 'Cancel' }).click();
  await expect(picker).toContainText('Cameras to change: 2 of 3');
  await picker.locator('summary').click();
  await first.check();
  await loop.getByTestId('site-plan').click();
  await expect(plan.getByTestId('site-plan-row')).toHaveCount(4);
  // Every camera the laptop reaches is changed by the app, whatever protocol the NVR uses for it; the PoE one cannot be.
  for (const i of [0, 1, 2]) await expect(plan.getByTestId('site-plan-row').nth(i)).toContainText('Change the camera, then the NVR');
  await expect(plan.getByTestId('site-plan-row').nth(3)).toContainText('Cannot');
  expect(rpc.stats().secSetCameras + rpc.stats().setConfigs).toBe(0);
  await axe('reset case: close-loop plan');
  await plan.getByRole('button', { name: 'Save' }).click();

  // The live board right on the case's step, until every channel has its outcome.
  const board = loop.getByTestId('site-board');
  await expect(board.getByTestId('site-tile')).toHaveCount(4);
  await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await expect(board.getByRole('status')).toContainText('3 of 4 channels recording with the new password');
  const outcomes = await board.getByTestId('site-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')));
  expect(outcomes).toEqual(['recording', 'recording', 'recording', 'not-reachable-from-laptop']);
  await expect(board.getByTestId('site-tile').nth(3)).toContainText('Not reachable from the laptop');
  await expectPictures(board);
  // The NVR and the cameras hold the case's password; nothing was refused on the way.
  expect(rpc.channels.slice(0, 3).map((c) => c.password === password)).toEqual([true, true, true]);
  expect(rpc.channels.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0]);
  await axe('reset case: close-loop board');
  await expect(page.getByText(password)).toHaveCount(0);
  for (const secret of [password, code]) expect(app.logText()).not.toContain(secret);
});

test.describe('a channel whose NVR account is not the one typed in the form', () => {
  // Four cameras: channel 4's camera is signed in to by the NVR as "onvif", not "admin".
  test.use({ siteOptions: { cameras: 4, registeredEmail: EMAIL, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } } });

  test("the plan shows the NVR's own account, the run changes it from the password the NVR stores, and no channel is left disabled or refused", async ({ app, site }) => {
    const { page: root } = app;
    const rpc = rpcOf(site);
    await root.getByRole('tab', { name: 'NVR channels' }).click();
    const nvrPanel = root.getByTestId('panel-nvr');
    await nvrPanel.getByLabel('NVR address').fill(rpc.url);
    await nvrPanel.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
    await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
    await expect(nvrPanel.getByTestId('nvr-channel')).toHaveCount(5);

    const page = await syncFormFilled(root, site, NEW);
    await page.getByTestId('site-plan').click();
    const row = page.getByTestId('site-plan-view').getByTestId('site-plan-row').nth(3);
    await expect(row.getByTestId('site-plan-account')).toContainText('onvif');
    await expect(row.getByTestId('site-plan-account-added')).toHaveText('added to this run');
    await expect(row).toContainText('The NVR signs in to this camera as "onvif"');
    // Only the NVR's own account that was not typed in the form is marked added.
    await expect(page.getByTestId('site-plan-view').getByTestId('site-plan-account-added')).toHaveCount(1);
    await page.getByTestId('site-plan-view').getByTestId('site-save').click();

    const board = page.getByTestId('site-board');
    await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    const outcomes = await board.getByTestId('site-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')));
    // Channel 4: the camera's "onvif" account is an Operator, and ONVIF lets only an Administrator set a password;
    // camera sync changes it through the camera's admin account, so this channel records with the new password too.
    expect(outcomes).toEqual(['recording', 'recording', 'recording', 'recording', 'recording']);
    await expect(board.getByTestId('site-tile').nth(3)).toContainText('Camera (onvif)');
    // From the NVR itself: every channel enabled, none refused by its camera; each stores what its camera accepts.
    await rpc.pollNow();
    for (const [i, cam] of site.cameras.entries()) {
      const st = rpc.stored(i);
      expect({ i, enable: st.enable, refused: st.refusedLogins, accepted: cam.users.checkPassword(st.username, st.password) }).toEqual({ i, enable: true, refused: 0, accepted: true });
    }
    expect(app.logText()).not.toContain(NEW);
  });
});

/**
 * A reset case on a site like the demo's (8 cameras, the older RemoteDevice-table firmware, one camera on the
 * NVR's PoE ports), walked to its last step, which signs in to the NVR with the case's password itself and
 * closes the loop: the outcome of every channel and what the NVR itself stores afterwards.
 */
async function demoCaseBoard(app: AppHandle, site: Site, axe: (screen: string) => Promise<void>) {
  const { page } = app;
  const rpc = rpcOf(site);
  const { password, code } = await walkFullReset(app, site, 'Shop NVR', EMAIL);
  const loop = page.getByTestId('wizard-step').getByRole('region', { name: 'NVR channels after the change' });
  await expect
    .poll(async () => (await app.call('devices.list')).flatMap((d) => (d.kind === 'nvr' ? [] : d.xaddrs)))
    .toEqual(expect.arrayContaining(site.cameras.map((c) => c.xaddr)));
  await loop.getByTestId('site-nvr-address').fill(rpc.url);
  await loop.getByLabel('Password the cameras have now').fill(SITE_CREDENTIALS.camera.password);
  await expect(loop.getByTestId('site-cameras')).toContainText(`Cameras to change: ${site.cameras.length} of ${site.cameras.length}`);
  await loop.getByTestId('site-plan').click();
  const plan = loop.getByRole('dialog', { name: 'Site plan' });
  const rows = plan.getByTestId('site-plan-row');
  await expect(rows).toHaveCount(site.cameras.length + 1);
  // This firmware cannot seal: the plan says so before Save, and that it can still write the NVR.
  await expect(plan.getByTestId('site-write-path')).toHaveAttribute('data-ok', 'true');
  await expect(plan.getByTestId('site-write-path')).toContainText('plain http');
  // Cameras 4 and 8: the NVR signs in as "onvif", which the form did not name; the plan adds it to the run.
  const added = await rows.evaluateAll((els) => els.filter((e) => e.querySelector('[data-testid="site-plan-account-added"]')).map((e) => Number(e.getAttribute('data-channel'))));
  expect(added).toEqual([4, 8]);
  for (const c of [4, 8]) await expect(plan.locator(`[data-testid="site-plan-row"][data-channel="${c}"]`).getByTestId('site-plan-account')).toContainText('onvif');
  expect(rpc.stats().setConfigs).toBe(0);
  await axe('demo reset case: plan');
  await plan.getByTestId('site-save').click();
  const board = loop.getByTestId('site-board');
  await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 90_000 });
  const outcomes = await board.getByTestId('site-tile').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-channel')), e.getAttribute('data-outcome')] as const));
  await rpc.pollNow();
  const stored = rpc.channels.map((_, i) => rpc.stored(i));
  expect(app.logText()).not.toContain(password);
  expect(app.logText()).not.toContain(code);
  return { outcomes: new Map(outcomes), stored, password, board };
}

test.describe('the demo’s site: a reset case ends on a board where every channel records', () => {
  test.use({ siteOptions: { cameras: 8, registeredEmail: EMAIL, nvrPollMs: 200 } });
  test('every channel records, the NVR stores for each a password its camera accepts, and none is left disabled or refused', async ({ app, site, axe }) => {
    const { outcomes, stored, password, board } = await demoCaseBoard(app, site, axe);
    // Cameras 4 and 8 included: the NVR signs in to them with their Operator account `onvif`
    // (sim/nvr/rpc-addon.ts, i % 4 === 3), which camera sync changes through the camera's admin.
    for (const [channel, outcome] of outcomes) expect({ channel, outcome }).toEqual({ channel, outcome: 'recording' });
    expect(outcomes.size).toBe(site.cameras.length + 1);
    // From the NVR and the cameras themselves, every channel (the Operator ones included): enabled, connected,
    // storing what its camera accepts, nothing refused on the way; every camera's channel holds the case's password.
    const cameraOf = (i: number) => site.cameras[i] ?? site.behindNvr![i - site.cameras.length]!;
    for (const [i, st] of stored.entries()) {
      const row = { i, enable: st.enable, state: st.state, refused: st.refusedLogins, accepted: cameraOf(i).users.checkPassword(st.username, st.password) };
      expect(row).toEqual({ i, enable: true, state: 'Connected', refused: 0, accepted: true });
      if (i < site.cameras.length) expect({ i, user: st.username, isNew: st.password === password }).toEqual({ i, user: i % 4 === 3 ? 'onvif' : 'admin', isNew: true });
    }
    await axe('demo reset case: board');
    await expect(board.getByTestId('site-tile').first().getByTestId('site-tile-title')).toHaveText('Channel 1 · Front door');
  });
});

test.describe('an NVR the app cannot write', () => {
  // Newer firmware handing out a 1024-bit key: the app seals nothing with it, so it cannot store passwords there.
  test.use({ siteOptions: { cameras: 2, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager', key: 'rsa-1024' } } });

  test('the plan says why and what to do before Save; "Cameras only" warns which channels stop recording; focus never drops to the body; it fits 1024×700', async ({ app, site, axe }) => {
    const { page: root } = app;
    const rpc = rpcOf(site);
    await root.setViewportSize({ width: 1024, height: 700 });
    await signInOnNvrTab(root, rpc.url, 3);
    const page = await syncFormFilled(root, site, NEW);
    await page.getByTestId('site-plan').click();
    const plan = page.getByTestId('site-plan-view');
    const verdict = plan.getByTestId('site-write-path');
    await expect(verdict).toHaveAttribute('data-ok', 'false');
    await expect(verdict).toContainText('The NVR cannot be written');
    await expect(verdict).toContainText('1024 bits');
    await expect(verdict).toContainText("Next: Update the NVR's firmware");
    for (const c of [1, 2]) await expect(plan.locator(`[data-testid="site-plan-row"][data-channel="${c}"]`)).toContainText('Not changed: the app cannot write this NVR');
    await expect(plan.getByTestId('site-cameras-only-choice')).toContainText('channels 1, 2 would stop recording');
    // 1024 px: no sideways scrolling, the verdict and the choice within the window's width.
    expect(await root.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    for (const box of [await verdict.boundingBox(), await plan.getByTestId('site-cameras-only').boundingBox()]) expect(box!.x + box!.width).toBeLessThanOrEqual(1024);
    await axe('plan, NVR not writable');

    await plan.getByTestId('site-cameras-only').click();
    await expect.poll(() => focusedTestId(root)).toBe('site-cameras-only-warning');
    const warning = plan.getByTestId('site-cameras-only-warning');
    await expect(warning).toContainText('channels 1, 2 STOP RECORDING');
    for (const c of [1, 2]) await expect(plan.locator(`[data-testid="site-plan-row"][data-channel="${c}"]`)).toContainText('Change the camera only: this channel stops recording');
    await expect(plan.getByTestId('site-save')).toHaveText('Save: change the cameras only');
    await axe('plan, cameras only');
    // Changing one's mind: back to the plan that changes no camera the NVR records.
    await warning.getByRole('button', { name: 'Do not change those cameras' }).click();
    await expect(plan.getByTestId('site-cameras-only-choice')).toBeVisible();
    await expect.poll(() => focusedTestId(root)).not.toBe('body');
    expect(rpc.stats().secSetCameras + rpc.stats().setConfigs).toBe(0);
    expect(site.cameras.map((c) => c.users.checkPassword('admin', SITE_CREDENTIALS.camera.password))).toEqual([true, true]);

    await plan.getByTestId('site-cameras-only').click();
    await expect(plan.getByTestId('site-save')).toHaveText('Save: change the cameras only');
    await plan.getByTestId('site-save').click();
    await expect.poll(() => focusedTestId(root)).toBe('site-summary-box');
    const board = page.getByTestId('site-board');
    await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    // The board says what cameras only did: those channels do not record, each with where to enter the new password.
    for (const c of [1, 2]) {
      const tile = board.locator(`[data-testid="site-tile"][data-channel="${c}"]`);
      await expect(tile).not.toHaveAttribute('data-outcome', 'recording');
      await expect(tile.getByTestId('site-tile-next')).toContainText('Remote Device page');
    }
    // Nothing sealed with the weak key; the cameras hold the new password, the NVR the old one.
    expect(rpc.stats().sealedWithWeakKey).toBe(0);
    expect(site.cameras.map((c) => c.users.checkPassword('admin', NEW))).toEqual([true, true]);
    expect([rpc.stored(0).password, rpc.stored(1).password]).toEqual([SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.camera.password]);
    expect(app.logText()).not.toContain(NEW);
  });
});
