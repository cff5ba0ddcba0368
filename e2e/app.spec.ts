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
