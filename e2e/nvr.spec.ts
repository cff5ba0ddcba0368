import { test, expect } from './fixtures';
import { SITE_CREDENTIALS } from '../sim/identities';
import { rpcOf } from '../sim/nvr/rpc-addon';

const STALE = 'Changed-on-camera-1';
const WRONG = 'Not-the-nvr-pass-9';

// Three cameras on the NVR plus one behind its PoE ports.
test.use({ siteOptions: { cameras: 3 } });

test('signing in to the NVR from its device row lists its channels with online state', async ({ app, site }) => {
  const { page: root } = app;
  const page = root.getByTestId('panel-nvr');
  const rpc = rpcOf(site);
  // Camera 2 got a new password the NVR does not know: its channel goes offline.
  site.cameras[1]!.users.setPassword('admin', STALE);
  await rpc.pollNow();

  // The entry point on the NVR's row in Devices opens the view with the NVR's web address: its IP and the
  // HttpPort of its DHIP answer (wait for that answer, so the port is the NVR's and not a guess of 80).
  const nvrRow = root.locator(`[data-testid="device-row"][data-address="${site.nvr.address}"]`);
  await expect(nvrRow).toContainText('NVR');
  await expect.poll(async () => (await app.call('devices.list')).find((d) => d.addresses.includes(site.nvr.address))?.dhip?.httpPort).toBe(rpc.port);
  await nvrRow.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(page.getByRole('heading', { name: 'NVR channels' })).toBeVisible();
  await expect(page.getByLabel('NVR address')).toHaveValue(rpc.url);
  await page.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await page.getByRole('button', { name: 'Sign in to the NVR' }).click();

  const rows = page.getByTestId('nvr-channel');
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId('nvr-summary')).toContainText('3 of 4 channels online');
  await expect(rows.nth(0)).toHaveAttribute('data-online', 'true');
  await expect(rows.nth(1)).toHaveAttribute('data-online', 'false');
  await expect(rows.nth(1)).toContainText('Offline');
  await expect(rows.nth(1)).toContainText('ONVIF');
  await expect(rows.nth(0)).toContainText('Front door');
  await expect(rows.nth(0)).toContainText('Dahua private');
  await expect(rows.nth(0)).toContainText(site.cameras[0]!.identity.serialNumber);
  await expect(rows.nth(3)).toContainText('Not seen from this laptop');

  // Refresh on demand: the camera gets its old password back, the NVR reconnects.
  site.cameras[1]!.users.setPassword('admin', SITE_CREDENTIALS.camera.password);
  await rpc.pollNow();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByTestId('nvr-summary')).toContainText('4 of 4 channels online');
  expect(rpc.stats().logins).toBe(1);
  expect(app.logText()).not.toContain(SITE_CREDENTIALS.nvr.password);
});

test('a wrong NVR password shows the remaining tries and is not retried', async ({ app, site }) => {
  const { page: root } = app;
  const page = root.getByTestId('panel-nvr');
  const rpc = rpcOf(site);
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  await page.getByLabel('NVR address').fill(rpc.url);
  await page.getByLabel('Password').fill(WRONG);
  await page.getByRole('button', { name: 'Sign in to the NVR' }).click();

  await expect(page.getByRole('alert')).toContainText('4 tries left before the NVR locks this account for 30 minutes');
  expect(rpc.stats().loginFailures).toBe(1);
  // The field is emptied so the same wrong password is not sent again by a second click.
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expect(page.locator('form[aria-label="Sign in to the NVR"]')).toContainText('counted 1 refused sign-in');

  // The right password next: still exactly one failure on the NVR, nothing retried in between.
  await page.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await page.getByRole('button', { name: 'Sign in to the NVR' }).click();
  await expect(page.getByTestId('nvr-channel')).toHaveCount(4);
  expect(rpc.stats().loginFailures).toBe(1);
  const log = app.logText();
  expect(log).not.toContain(WRONG);
  expect(log).not.toContain(SITE_CREDENTIALS.nvr.password);
});

test('a channel disabled on the NVR is listed as disabled on the NVR, not as offline and not dropped; one a run paused says what restores it', async ({ app, site, axe }) => {
  const { page: root } = app;
  const page = root.getByTestId('panel-nvr');
  const rpc = rpcOf(site);
  // Channel 2: switched off by someone on the NVR. Channel 3: paused by a close-the-loop run that stopped (issue 17).
  rpc.channels[1]!.enable = false;
  rpc.channels[2]!.enable = false;
  rpc.channels[2]!.name = `PAUSED~${rpc.channels[2]!.name}`;
  await rpc.pollNow();
  await root.getByRole('tab', { name: 'NVR channels' }).click();
  await page.getByLabel('NVR address').fill(rpc.url);
  await page.getByLabel('Password').fill(SITE_CREDENTIALS.nvr.password);
  await page.getByRole('button', { name: 'Sign in to the NVR' }).click();

  const rows = page.getByTestId('nvr-channel');
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId('nvr-summary')).toContainText('2 of 4 channels online, 2 disabled on the NVR');
  for (const i of [1, 2]) {
    await expect(rows.nth(i)).toHaveAttribute('data-enabled', 'false');
    await expect(rows.nth(i).getByTestId('nvr-channel-state')).toContainText('Disabled on the NVR');
    await expect(rows.nth(i).getByTestId('nvr-channel-state')).not.toContainText('Offline');
  }
  await expect(rows.nth(1).getByTestId('nvr-channel-state')).toContainText('Not by this app');
  await expect(rows.nth(1)).not.toHaveAttribute('data-paused', 'true');
  await expect(rows.nth(2)).toHaveAttribute('data-paused', 'true');
  await expect(rows.nth(2).getByTestId('nvr-channel-state')).toContainText('the next run, or the reset case’s last step, restores it');
  await expect(rows.nth(2)).toContainText('Back yard');
  await axe('NVR channels with disabled channels');
});
