import { test, expect } from './fixtures';
import { ChannelOutcome, CHANNEL_OUTCOMES } from '../common/nvr/channel-outcomes';
import type { SiteLoopState } from '../common/contract/site';

// The close-the-loop board for every outcome the contract has, as a technician sees it
// from across the room: the channel's title, and a status that is an icon and a word
// (never colour alone). Real runs reach only some outcomes (close-loop.spec.ts,
// keyboard-walk.spec.ts); here main's site.progress event is added to the page's own
// socket, so the renderer draws them all exactly as it would from main.
test.use({ siteOptions: { cameras: 0 } });

const OUTCOMES = ChannelOutcome.options;

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
  }
  // Every channel not recording with the new password is named, with why and whether it still records with the old one.
  const missing = board.getByTestId('site-not-recording').getByRole('listitem');
  await expect(missing).toHaveCount(OUTCOMES.length - 1);
  await expect(board.getByTestId('site-not-recording')).toContainText('Not touched — still recording with its old password');
  await expect(board.getByTestId('site-not-recording')).toContainText('Camera offline — not recording now');
  await axe('board, every outcome');
  await page.setViewportSize({ width: 1280, height: 800 });
  await board.scrollIntoViewIfNeeded();
  await testInfo.attach('board, every outcome', { body: await page.screenshot({ path: testInfo.outputPath('screens', 'board-every-outcome-1280.png') }), contentType: 'image/png' });
});
