import { test, expect } from './fixtures';
import { ChannelOutcome, CHANNEL_OUTCOMES } from '../common/nvr/channel-outcomes';
import type { SiteLoopState } from '../common/contract/site';
import { SITE_CREDENTIALS } from '../sim/identities';
import { rpcOf } from '../sim/nvr/rpc-addon';
import { syncFormFilled } from './sync-steps';

// The close-the-loop board for every outcome the contract has, as a technician sees it
// from across the room: the channel's title, and a status that is an icon and a word
// (never colour alone). Real runs reach only some outcomes (close-loop.spec.ts,
// keyboard-walk.spec.ts, and the refused store below); here main's site.progress event is
// added to the page's own socket, so the renderer draws them all exactly as it would from main.

const OUTCOMES = ChannelOutcome.options;

test.describe('every outcome the contract has', () => {
  test.use({ siteOptions: { cameras: 0 } });

  test('the board shows each channel’s title and every outcome as icon + colour + word, and names what does not record', async ({ app, axe }, testInfo) => {
    const { page } = app;
    let pushEvent: ((payload: SiteLoopState) => void) | undefined;
    await page.routeWebSocket(/\/ws\?token=/, (ws) => {
      const server = ws.connectToServer();
      pushEvent = (payload) => ws.send(JSON.stringify({ kind: 'event', name: 'site.progress', payload }));
      void server;
    });
    await page.reload();
    await expect(page.locator('[data-ready="true"]')).toBeVisible();
    await expect.poll(() => pushEvent !== undefined).toBe(true);

    // Channel names come from the NVR's channel list; here from the plan's titles as the NVR would give them.
    const results: SiteLoopState['results'] = OUTCOMES.map((outcome, i) => ({
      channel: i + 1,
      outcome,
      detail: `detail of ${outcome}`,
      connectionState: outcome === 'skipped' || outcome === 'not-reachable-from-laptop' ? 'Connected' : outcome === 'recording' ? 'Connected' : 'Disconnected',
    }));
    await page.getByRole('tab', { name: 'Camera sync' }).click();
    pushEvent!({ running: false, results, summary: `1 of ${OUTCOMES.length} channels recording with the new password` });

    const board = page.getByTestId('panel-sync').getByTestId('site-board');
    const tiles = board.getByTestId('site-tile');
    await expect(tiles).toHaveCount(OUTCOMES.length);
    for (const [i, outcome] of OUTCOMES.entries()) {
      const tile = tiles.nth(i);
      await expect(tile).toHaveAttribute('data-outcome', outcome);
      await expect(tile.getByTestId('site-tile-title')).toHaveText(new RegExp(`^Channel ${i + 1}`));
      const status = tile.getByTestId('site-tile-status');
      // A word, and an icon beside it (hidden from screen readers: the word says it).
      await expect(status).toContainText(CHANNEL_OUTCOMES[outcome].label);
      await expect(status.locator('.status-icon')).toHaveAttribute('aria-hidden', 'true');
      await expect(status.locator('.status-icon')).toHaveText(/^[✓✕!…]$/);
      await expect(status).toHaveAttribute('data-tone', outcome === 'recording' ? 'good' : /^(bad|warn|wait)$/);
      // What to do, on every tile that does not record with the new password.
      if (outcome === 'recording') await expect(tile.getByTestId('site-tile-next')).toHaveCount(0);
      else await expect(tile.getByTestId('site-tile-next')).toHaveText(`Next: ${CHANNEL_OUTCOMES[outcome].nextStep}`);
    }
    // Every channel not recording with the new password is named, with why and whether it still records with the old one.
    const missing = board.getByTestId('site-not-recording').getByRole('listitem');
    await expect(missing).toHaveCount(OUTCOMES.length - 1);
    await expect(board.getByTestId('site-not-recording')).toContainText('Not touched — still recording with its old password');
    await expect(board.getByTestId('site-not-recording')).toContainText('Camera offline — not recording now');
    // A channel left disabled or put back: the summary says what to do, not only that.
    for (const outcome of ['disabled-on-nvr', 'rolled-back'] as const) {
      await expect(missing.filter({ hasText: CHANNEL_OUTCOMES[outcome].label })).toContainText(`Next: ${CHANNEL_OUTCOMES[outcome].nextStep}`);
    }
    await expect(missing.filter({ hasText: CHANNEL_OUTCOMES['disabled-on-nvr'].label })).toContainText('not recording now');
    await axe('board, every outcome');
    await page.setViewportSize({ width: 1280, height: 800 });
    await board.scrollIntoViewIfNeeded();
    await testInfo.attach('board, every outcome', { body: await page.screenshot({ path: testInfo.outputPath('screens', 'board-every-outcome-1280.png') }), contentType: 'image/png' });
  });
});

test.describe('a real run the NVR refuses', () => {
  // Two cameras and one behind the NVR's PoE ports; newer firmware, whose every write of a new stored password is refused.
  test.use({ siteOptions: { cameras: 2, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager', refuseStore: true } } });

  test('a camera put back after the refused store reads "Camera put back", a channel the customer disabled reads "Disabled on the NVR"; both with what to do', async ({ app, site, axe }) => {
    const { page: root } = app;
    const rpc = rpcOf(site);
    // The customer had switched channel 2 off on the NVR (no pause marker: not this app's doing).
    rpc.channels[1]!.enable = false;
    await root.getByRole('tab', { name: 'NVR channels' }).click();
    const nvrPanel = root.getByTestId('panel-nvr');
    await nvrPanel.getByLabel('NVR address').fill(rpc.url);
    await nvrPanel.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
    await nvrPanel.getByRole('button', { name: 'Sign in to the NVR' }).click();
    await expect(nvrPanel.getByTestId('nvr-channel')).toHaveCount(3);

    const page = await syncFormFilled(root, site, 'Refused2026abcX');
    await page.getByTestId('site-plan').click();
    const plan = page.getByTestId('site-plan-view');
    await expect(plan.locator('[data-testid="site-plan-row"][data-channel="2"]').getByTestId('site-plan-state')).toContainText('Disabled by someone on the NVR, not by this app; it stays disabled.');
    await plan.getByTestId('site-save').click();

    const board = page.getByTestId('site-board');
    await expect(board.getByTestId('site-summary')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    const tiles = board.getByTestId('site-tile');
    expect(await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome')))).toEqual(['rolled-back', 'disabled-on-nvr', 'recording']);
    for (const [i, outcome, tone, icon] of [[0, 'rolled-back', 'warn', '!'], [1, 'disabled-on-nvr', 'bad', '✕']] as const) {
      const status = tiles.nth(i).getByTestId('site-tile-status');
      await expect(status).toHaveAttribute('data-tone', tone);
      await expect(status.locator('.status-icon')).toHaveText(icon);
      await expect(status).toContainText(CHANNEL_OUTCOMES[outcome].label);
      await expect(tiles.nth(i).getByTestId('site-tile-next')).toContainText('Next: ');
    }
    const missing = board.getByTestId('site-not-recording');
    // Whether the NVR had reconnected by the last read is the NVR's timing: either is said plainly.
    await expect(missing).toContainText(/Channel 1 · Front door: Camera put back — (still recording with its old password|back on its old password, not connected yet at the last read)\. Next: /);
    await expect(missing).toContainText('Channel 2 · Driveway: Disabled on the NVR — not recording now. Next: ');
    // From the NVR and the cameras themselves: camera 1 is back on the password the NVR stores and its channel records;
    // channel 2 stays as the customer left it; nothing was refused by a camera on the way.
    await rpc.pollNow();
    const [one, two] = [rpc.stored(0), rpc.stored(1)];
    expect({ enable: one.enable, state: one.state, accepted: site.cameras[0]!.users.checkPassword(one.username, one.password) }).toEqual({ enable: true, state: 'Connected', accepted: true });
    expect(two.enable).toBe(false);
    expect(rpc.stats().storeRefusals).toBeGreaterThan(0);
    expect([one.refusedLogins, two.refusedLogins]).toEqual([0, 0]);
    await axe('board, refused store');
  });
});
