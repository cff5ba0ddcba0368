import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { SITE_CREDENTIALS } from '../sim/identities';
import { rpcOf } from '../sim/nvr/rpc-addon';
import { syncFormFilled } from './sync-steps';

const NEW = 'Paused2026abcX';

/** The test id of the focused element: after an action, never the page body. */
const focusedTestId = (root: Page) => root.evaluate(() => (document.activeElement === document.body ? 'body' : (document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)));

/** What a close-the-loop run leaves on the NVR when it stops with a channel paused (issue 17): Enable off, the pause marker before the stored name. */
function pauseAsAnInterruptedRun(ch: { enable: boolean; name: string }): string {
  const storedName = ch.name;
  ch.enable = false;
  ch.name = `PAUSED~${storedName}`;
  return storedName;
}

/** Signs in on the NVR tab with the typed password; the tab's panel. */
async function signIn(root: Page, url: string) {
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  const nvrPanel = root.getByTestId('panel-nvr');
  await nvrPanel.getByLabel('NVR address').fill(url);
  await nvrPanel.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
  return nvrPanel;
}

// Three cameras on the NVR plus one behind its PoE ports; newer firmware (sealed writes).
test.use({ siteOptions: { cameras: 3, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } } });

test('a channel an earlier run left disabled: "disabled on the NVR" after a restart, the plan says this run restores it, and after Save it records', async ({ app, site, axe }) => {
  const rpc = rpcOf(site);
  // Channel 1 left paused. Its camera is on the NVR's private protocol, so no ONVIF address of it is on the NVR:
  // opening a session cannot put it back on its own, only a run that changes its camera.
  const ch = rpc.channels[0]!;
  const storedName = pauseAsAnInterruptedRun(ch);
  await rpc.pollNow();
  expect(rpc.stored(0).enable).toBe(false);

  // The app comes back after the interrupted run, with no loop journal: the NVR alone tells it.
  await app.restart();
  const { page: root } = app;
  await root.setViewportSize({ width: 1024, height: 700 });
  const nvrPanel = await signIn(root, rpc.url);

  // A channel, not an empty slot: listed with its own title, disabled, and what puts it back.
  const rows = nvrPanel.getByTestId('nvr-channel');
  await expect(rows).toHaveCount(4);
  const paused = rows.nth(0);
  await expect(paused).toHaveAttribute('data-enabled', 'false');
  await expect(paused).toHaveAttribute('data-paused', 'true');
  await expect(paused).toContainText('Front door');
  await expect(paused).not.toContainText('PAUSED~');
  await expect(paused.getByTestId('nvr-channel-state')).toContainText('Disabled on the NVR');
  await expect(paused.getByTestId('nvr-channel-state')).toContainText('Paused by an earlier run of this app — the next run, or the reset case’s last step, restores it.');
  await expect(nvrPanel.getByTestId('nvr-summary')).toContainText('3 of 4 channels online, 1 disabled on the NVR');
  // 1024 px: the channel table needs no sideways scrolling.
  expect(await root.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await axe('NVR view with a paused channel');

  // The Sync screen: the three cameras by address, passwords typed, then the plan.
  const page = await syncFormFilled(root, site, NEW);
  await page.getByTestId('site-plan').click();
  const plan = page.getByTestId('site-plan-view');
  const row = plan.locator('[data-testid="site-plan-row"][data-channel="1"]');
  await expect(row).toHaveAttribute('data-enabled', 'false');
  await expect(row.getByTestId('site-plan-state')).toContainText('Disabled on the NVR');
  await expect(row.getByTestId('site-plan-state')).toContainText('Paused by an earlier run of this app; this run restores it.');
  await expect(row).toContainText('Change the camera, then the NVR');
  await expect(plan.getByTestId('site-write-path')).toHaveAttribute('data-ok', 'true');
  await expect(plan.getByTestId('site-write-path')).toContainText('Writable, sealed');
  // Still as the earlier run left it: the plan changes nothing.
  expect(rpc.stored(0).enable).toBe(false);
  await axe('plan with a paused channel');
  await plan.getByTestId('site-save').click();
  await expect.poll(() => focusedTestId(root)).toBe('site-summary-box');

  const board = page.getByTestId('site-board');
  await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await expect(board.locator('[data-testid="site-tile"][data-channel="1"]')).toHaveAttribute('data-outcome', 'recording');
  // From the NVR itself: enabled, its own name back, the new password stored, which its camera accepts, and it connects.
  await rpc.pollNow();
  const st = rpc.stored(0);
  expect({ enable: st.enable, name: ch.name, state: st.state, refused: st.refusedLogins, accepted: site.cameras[0]!.users.checkPassword(st.username, st.password), isNew: st.password === NEW }).toEqual({
    enable: true,
    name: storedName,
    state: 'Connected',
    refused: 0,
    accepted: true,
    isNew: true,
  });
  // The NVR view, read again, shows it as a recording channel.
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  await nvrPanel.getByRole('button', { name: 'Refresh' }).click();
  await expect(rows.nth(0)).toHaveAttribute('data-enabled', 'true');
  await expect(rows.nth(0).getByTestId('nvr-channel-state')).toContainText('Online');
  expect(app.logText()).not.toContain(NEW);
});

test('a paused channel whose camera the NVR reaches by ONVIF: the NVR view shows it paused after a restart, and that the app enabled it again when the session opened', async ({ app, site }) => {
  const rpc = rpcOf(site);
  // Channel 2: the NVR reaches its camera by ONVIF, so its address says where to ask which password the camera holds.
  const ch = rpc.channels[1]!;
  const storedName = pauseAsAnInterruptedRun(ch);
  await app.restart();
  const nvrPanel = await signIn(app.page, rpc.url);
  const row = nvrPanel.getByTestId('nvr-channel').nth(1);
  // The read at sign-in shows it as the earlier run left it…
  await expect(row).toHaveAttribute('data-paused', 'true');
  await expect(row.getByTestId('nvr-channel-state')).toContainText('Disabled on the NVR');
  // …and once the app has put it back (the camera still takes the password the NVR stores), the row says so.
  await expect(row.getByTestId('nvr-channel-state')).toContainText('the app has enabled it again since this read. Refresh to read the NVR now.', { timeout: 30_000 });
  await rpc.pollNow();
  expect({ enable: rpc.stored(1).enable, name: ch.name, state: rpc.stored(1).state, refused: rpc.stored(1).refusedLogins }).toEqual({ enable: true, name: storedName, state: 'Connected', refused: 0 });
  await nvrPanel.getByRole('button', { name: 'Refresh' }).click();
  await expect(row).toHaveAttribute('data-enabled', 'true');
  await expect(row.getByTestId('nvr-channel-state')).toContainText('Online');
});
