import { expect, type Page } from '@playwright/test';
import type { AppHandle } from './fixtures';
import { resetOf } from '../sim/nvr/addon';
import type { Site } from '../sim/site';

/** The Password reset tab. */
export async function openResetTab(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Password reset' }).click();
}

/**
 * The simulated NVR's own monitor, walked to its reset QR code (Forgot
 * Password → registered email → Next), in a new page; with the QR text it shows.
 */
export async function monitorShowsQr(app: AppHandle, site: Site, email: string, viewport?: { width: number; height: number }): Promise<{ monitor: Page; qrText: string }> {
  const { url, sim } = resetOf(site);
  const monitor = await app.context.newPage();
  if (viewport) await monitor.setViewportSize(viewport);
  await monitor.goto(url);
  await monitor.getByRole('button', { name: 'Forgot Password' }).click();
  await monitor.getByLabel('Email address').fill(email);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByRole('img', { name: 'Reset QR code' })).toBeVisible();
  return { monitor, qrText: sim.state().qrText! };
}

/** Starts a reset case for an NVR typed by name and walks it to the QR step. */
export async function startCaseToQrStep(page: Page, nvrLabel: string, email: string): Promise<void> {
  await openResetTab(page);
  await typeNvrByHand(page);
  await page.getByLabel('NVR name or address').fill(nvrLabel);
  await page.getByRole('button', { name: 'Start a reset case' }).click();
  await page.getByRole('button', { name: 'The NVR asks for the email' }).click();
  await page.getByLabel('Registered email').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('wizard-step')).toHaveAttribute('data-step', 'qr');
}

/** The site's one NVR is preselected once discovery found it; these tests name theirs by hand. */
export async function typeNvrByHand(page: Page): Promise<void> {
  const picker = page.getByLabel('NVR from the inventory');
  await expect(picker).toBeVisible();
  await picker.selectOption({ label: 'Another NVR (type its name or address)' });
}

/** What the full reset walk leaves the test: the new password (a secret: never logged) and the support code. */
export interface ResetWalk {
  password: string;
  code: string;
}

/**
 * A full reset case, the straight way: the simulated NVR's screens in a second
 * tab, the app's wizard and the support mailbox, from "Forgot Password" to the
 * app's last step (the NVR's sync prompt answered Save). reset.spec.ts walks the
 * same path with its detours and checks; this is for tests that start after it.
 */
export async function walkFullReset(app: AppHandle, site: Site, nvrLabel: string, email: string): Promise<ResetWalk> {
  const { url, mailbox, sim } = resetOf(site);
  const { page } = app;
  const step = page.getByTestId('wizard-step');
  const monitor = await app.context.newPage();
  await monitor.goto(url);

  await openResetTab(page);
  await typeNvrByHand(page);
  await page.getByLabel('NVR name or address').fill(nvrLabel);
  await page.getByRole('button', { name: 'Start a reset case' }).click();
  await expect(step).toHaveAttribute('data-step', 'forgot');
  await monitor.getByRole('button', { name: 'Forgot Password' }).click();
  await page.getByRole('button', { name: 'The NVR asks for the email' }).click();

  await expect(step).toHaveAttribute('data-step', 'email');
  await page.getByLabel('Registered email').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await monitor.getByLabel('Email address').fill(email);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByRole('img', { name: 'Reset QR code' })).toBeVisible();

  // The QR text from a screenshot of the NVR's monitor.
  await expect(step).toHaveAttribute('data-step', 'qr');
  const shot = await monitor.screenshot();
  await page.getByLabel('Photo or screenshot of the QR code').setInputFiles({ name: 'nvr-monitor.png', mimeType: 'image/png', buffer: shot });
  await expect(page.getByLabel('QR text')).toHaveValue(sim.state().qrText!);
  await page.getByRole('button', { name: 'Use this text' }).click();

  // The mail client's URL goes to the simulated support mailbox, which answers with a code.
  await expect(step).toHaveAttribute('data-step', 'send');
  const opened = app.externalOpened();
  await page.getByRole('button', { name: 'Open in the mail client' }).click();
  const reply = await mailbox.deliver(await opened);
  expect(reply).toMatchObject({ accepted: true, to: email });
  const code = reply.code!;
  await page.getByRole('button', { name: 'The message was sent' }).click();

  await expect(step).toHaveAttribute('data-step', 'code');
  await page.getByLabel('Security code').fill(code);
  await page.getByRole('button', { name: 'The code arrived' }).click();
  await expect(page.getByLabel('Security code')).toHaveValue('');
  await monitor.getByRole('button', { name: 'Next' }).click();
  await monitor.getByLabel('Security code').fill(code);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByLabel('New Password')).toBeVisible();
  await page.getByRole('button', { name: 'The NVR accepted the code' }).click();

  // A generated password, hidden again before anything could screenshot it, typed on the NVR.
  await expect(step).toHaveAttribute('data-step', 'password');
  await page.getByRole('button', { name: 'Generate a password' }).click();
  await page.getByLabel('Show password').uncheck();
  const password = await page.getByLabel('New password').inputValue();
  await monitor.getByLabel('New Password').fill(password);
  await monitor.getByLabel('Confirm Password').fill(password);
  await monitor.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Save the new password' }).click();

  // The NVR's sync prompt, answered Save on both.
  await expect(step).toHaveAttribute('data-step', 'sync');
  await monitor.getByRole('button', { name: 'Save' }).click();
  await expect(monitor.getByRole('status')).toContainText('Password reset');
  await page.getByRole('button', { name: 'Save (sync)' }).click();
  await expect(step).toHaveAttribute('data-step', 'done');
  await monitor.close();
  return { password, code };
}
