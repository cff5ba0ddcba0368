import { test, expect } from './fixtures';

test('opens on the simulated site and lists the NVR and every camera', async ({ app, site }, testInfo) => {
  const rows = app.page.getByTestId('device-row');
  for (const device of site.devices) {
    await expect(rows.and(app.page.locator(`[data-serial="${device.identity.serialNumber}"]`))).toBeVisible();
  }
  await expect(rows).toHaveCount(site.devices.length);
  const shot = await app.page.screenshot({ path: testInfo.outputPath('device-list.png'), fullPage: true });
  await testInfo.attach('device list', { body: shot, contentType: 'image/png' });
});

test('has the three workspaces and the wizard screens', async ({ app }) => {
  const { page } = app;
  await page.getByRole('tab', { name: 'Password reset' }).click();
  await expect(page.getByRole('tab', { name: 'Password reset' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: 'Camera sync' }).click();
  await expect(page.getByRole('tab', { name: 'Camera sync' })).toHaveAttribute('aria-selected', 'true');
});

test('refuses a link outside the allow-list and keeps running', async ({ app }) => {
  await expect(app.call('app.openExternal', { url: 'javascript:alert(1)' })).rejects.toThrow(/not opened by this app/);
  await expect(app.call('app.openExternal', { url: 'mailto:support_gpwd@htmicrochip.com?subject=hi' })).rejects.toThrow(/subject/);
  const opened = app.externalOpened();
  await app.call('app.openExternal', { url: 'mailto:support_gpwd@htmicrochip.com?body=QR%20text' });
  expect(await opened).toBe('mailto:support_gpwd@htmicrochip.com?body=QR%20text');
  const info = await app.call('app.info');
  expect(info.testHooks).toBe(true);
});

test('tab switches keep typed values and chosen cameras; tabs follow the arrow keys', async ({ app }) => {
  const { page } = app;
  await page.getByLabel('Filter').fill('Dahua');
  await page.getByLabel('Add by IP or host name[:port]').fill('192.0.2.7');
  await page.getByRole('tab', { name: 'Camera sync' }).click();
  await page.getByTestId('sync-manual').fill('http://192.0.2.8/onvif/device_service');
  await page.getByTestId('sync-username').fill('installer');
  await page.getByTestId('sync-none').click();
  await page.getByRole('tab', { name: 'Password reset' }).click();
  await page.getByLabel('NVR from the inventory').selectOption({ label: 'Another NVR (type its name or address)' });
  await page.getByLabel('NVR name or address').fill('Back office NVR');
  // Round trip with the keyboard: ArrowLeft from "Password reset" wraps through Devices and NVR channels to Camera sync.
  await page.getByRole('tab', { name: 'Password reset' }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Devices' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Filter')).toHaveValue('Dahua');
  await expect(page.getByLabel('Add by IP or host name[:port]')).toHaveValue('192.0.2.7');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'NVR channels' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Camera sync' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('sync-manual')).toHaveValue('http://192.0.2.8/onvif/device_service');
  await expect(page.getByTestId('sync-username')).toHaveValue('installer');
  await expect(page.getByTestId('sync-count')).toContainText('(0 of');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Password reset' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('NVR name or address')).toHaveValue('Back office NVR');
});

test('Add by IP takes a pasted device-service URL, and says plainly what it needs otherwise', async ({ app, site }) => {
  const { page } = app;
  const field = page.getByLabel('Add by IP or host name[:port]');
  await field.fill('not an address at all');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const outcome = page.getByTestId('add-outcome');
  await expect(outcome).toHaveText(/^That is not the address this needs\. Type an IPv4 address or host name, optionally with :port/);
  await expect(outcome).not.toContainText('Invalid arguments');
  // The message goes as soon as the technician edits the field.
  await field.fill(site.cameras[1]!.xaddr);
  await expect(outcome).toHaveCount(0);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(outcome).toContainText('host and port taken from the pasted address');
  await expect(field).toHaveValue(new URL(site.cameras[1]!.xaddr).host);
});

test('a device row opens its details; the count follows the filter', async ({ app, site }) => {
  const { page } = app;
  const cam = site.cameras[0]!;
  await expect(page.getByTestId('device-row')).toHaveCount(site.devices.length);
  await page.getByLabel('Filter').fill(cam.identity.serialNumber);
  await expect(page.getByTestId('device-count')).toContainText(`1 of ${site.devices.length} devices match`);
  const row = page.locator(`[data-testid="device-row"][data-serial="${cam.identity.serialNumber}"]`);
  await row.focus();
  await page.keyboard.press('Enter');
  const details = page.getByTestId('device-details');
  await expect(details).toContainText(cam.identity.serialNumber);
  await expect(details).toContainText(cam.xaddr);
  await expect(details).toContainText('Found by');
  await details.getByRole('button', { name: 'Close' }).click();
  await expect(details).toHaveCount(0);
});
