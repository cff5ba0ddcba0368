import { test, expect } from './fixtures';
import { resetOf } from '../sim/nvr/addon';
import { monitorShowsQr } from './reset-steps';
import { SITE_CREDENTIALS } from '../sim/identities';
import type { Step } from '../common/reset/case';

// Every screen once: axe-core with no serious or critical violation, and a
// 1280×800 screenshot saved as an artifact (test-results/…/screens/*.png).
const EMAIL = 'owner@example.com';
test.use({ siteOptions: { cameras: 3, registeredEmail: EMAIL } });

test('every screen: axe-core finds no serious or critical violation; screenshots at 1280×800', async ({ app, site, axe, screenAt1280 }) => {
  const { page } = app;
  const check = async (name: string) => {
    await axe(name);
    await screenAt1280(name);
  };
  await expect(page.getByTestId('device-row')).toHaveCount(site.devices.length);
  await check('devices');
  await page.locator(`[data-testid="device-row"][data-kind="nvr"]`).click();
  await expect(page.getByTestId('device-details')).toContainText(site.nvr.identity.serialNumber);
  await check('devices-details');

  await page.getByRole('tab', { name: 'Password reset' }).click();
  await expect(page.getByRole('button', { name: 'Start a reset case' })).toBeVisible();
  await check('reset-new-case');

  // Walk one case through every step by the contract, looking at each screen.
  const step = page.getByTestId('wizard-step');
  const at = async (s: Step) => {
    await expect(step).toHaveAttribute('data-step', s);
    await check(`reset-${s}`);
  };
  await page.getByRole('button', { name: 'Start a reset case' }).click();
  await at('forgot');
  await expect(page.getByTestId('case-deadline')).toHaveText('no deadline yet (starts when the QR text is sent)');
  // A second case for the same NVR asks first.
  await page.getByRole('button', { name: 'Start a reset case' }).click();
  await expect(page.getByTestId('duplicate-case')).toContainText('A case for this NVR is already open');
  await expect(page.getByRole('button', { name: 'Start another case anyway' })).toBeVisible();
  await check('reset-duplicate-warning');
  await page.getByRole('button', { name: 'Keep the open case' }).click();
  await expect(page.getByTestId('duplicate-case')).toHaveCount(0);
  const { cases } = await app.call('cases.list');
  const caseId = cases[0]!.id;
  await app.call('cases.goto', { caseId, step: 'email' });
  await at('email');
  await app.call('cases.setEmail', { caseId, email: EMAIL });
  await at('qr');
  const { mailbox } = resetOf(site);
  const { qrText } = await monitorShowsQr(app, site, EMAIL);
  await app.call('cases.setQrText', { caseId, qrText, source: 'paste' });
  await at('send');
  await app.call('cases.recordSent', { caseId, via: 'clipboard' });
  await at('code');
  await expect(page.getByTestId('case-deadline')).toHaveText(/^reply from support due in 2[34] h/);
  // An earlier step in the stepper asks before rewinding the case.
  await page.getByRole('list', { name: 'Wizard steps' }).getByRole('button', { name: '2. Registered email' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Go back to “Registered email”?');
  await check('reset-rewind-confirm');
  await page.getByRole('button', { name: 'Stay here' }).click();
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(step).toHaveAttribute('data-step', 'code');
  const reply = await mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(qrText)}`);
  await app.call('cases.recordCode', { caseId, code: reply.code! });
  await expect(page.getByTestId('case-deadline')).toHaveText(/^security code expires in 2[34] h/);
  await app.call('cases.recordAttempt', { caseId, result: 'accepted' });
  await at('password');
  await app.call('cases.setPassword', { caseId, password: 'Screens2026ab' });
  await at('sync');
  await app.call('cases.recordSync', { caseId, choice: 'save' });
  await at('done');

  await page.getByRole('tab', { name: 'Camera sync' }).click();
  await expect(page.getByTestId('sync-save')).toBeVisible();
  await check('sync-form');
  await page.getByTestId('sync-current-0').fill(SITE_CREDENTIALS.camera.password);
  await page.getByTestId('sync-new').fill('Screens2026ab');
  await page.getByTestId('sync-confirm').fill('Screens2026ab');
  await page.getByTestId('sync-save').click();
  await expect(page.getByTestId('sync-summary')).toHaveAttribute('data-running', 'false');
  await check('sync-results');
});
