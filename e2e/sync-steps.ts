import type { Locator, Page } from '@playwright/test';
import { SITE_CREDENTIALS } from '../sim/identities';
import type { Site } from '../sim/site';

/**
 * The Sync screen filled for a simulated site: no inventory camera ticked, the site's cameras typed by
 * address (so the run is exactly them whatever discovery found), the demo's current password and the new one
 * twice. Returns the Sync panel.
 */
export async function syncFormFilled(root: Page, site: Site, newPassword: string): Promise<Locator> {
  await root.getByRole('tab', { name: 'Camera sync' }).click();
  const page = root.getByTestId('panel-sync');
  for (const box of await page.getByTestId('sync-device').all()) await box.uncheck();
  await page.getByTestId('sync-manual').fill(site.cameras.map((c) => c.xaddr).join('\n'));
  await page.getByTestId('sync-current-0').fill(SITE_CREDENTIALS.camera.password);
  await page.getByTestId('sync-new').fill(newPassword);
  await page.getByTestId('sync-confirm').fill(newPassword);
  return page;
}
