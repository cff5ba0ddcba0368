import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { TestInfo } from '@playwright/test';
import { test, expect, type AppHandle } from './fixtures';
import { resetOf } from '../sim/nvr/addon';
import { monitorShowsQr, openResetTab, startCaseToQrStep, typeNvrByHand } from './reset-steps';
import { filesUnder } from '../test/support/files';

// The reset wizard as a technician runs it: the simulated NVR's monitor in one
// tab, the app in another, the vendor's support mailbox simulated. Each test has
// its own app and data folder (e2e/fixtures.ts) and greps its own folder, log and
// artifacts for the secrets it saw, so any one of them runs alone.
const EMAIL = 'owner@example.com';
const HOUR = 3600_000;

test.use({ siteOptions: { cameras: 1, registeredEmail: EMAIL } });

/** No password or security code this test saw in its data folder, its log or its artifacts so far. */
function expectNoSecrets(app: AppHandle, testInfo: TestInfo, secrets: string[]) {
  expect(secrets.length, 'the test recorded the secrets it saw').toBeGreaterThan(0);
  const all = [...filesUnder(app.dataDir), ...filesUnder(testInfo.outputDir)];
  expect(all.length).toBeGreaterThan(0);
  const hits: string[] = [];
  for (const f of all) {
    const body = readFileSync(f);
    for (const s of secrets) if (body.includes(s) || body.includes(Buffer.from(s, 'utf16le'))) hits.push(f);
  }
  expect(hits).toEqual([]);
  for (const s of secrets) expect(app.logText()).not.toContain(s);
}

test('full reset: NVR screens + app wizard + support mailbox, then the NVR takes the new password', async ({ app, site }, testInfo) => {
  const { url, mailbox, sim } = resetOf(site);
  const secrets: string[] = [];
  const { page } = app;
  const step = page.getByTestId('wizard-step');
  const monitor = await app.context.newPage();
  await monitor.goto(url);

  // 1. Forgot password — start a case.
  await openResetTab(page);
  await typeNvrByHand(page);
  await page.getByLabel('NVR name or address').fill('Shop NVR');
  await page.getByRole('button', { name: 'Start a reset case' }).click();
  await expect(step).toHaveAttribute('data-step', 'forgot');
  await monitor.getByRole('button', { name: 'Forgot Password' }).click();
  await page.getByRole('button', { name: 'The NVR asks for the email' }).click();

  // 2. Registered email, on the NVR and in the app.
  await expect(step).toHaveAttribute('data-step', 'email');
  await page.getByLabel('Registered email').fill('owner@example.com%0ABcc:x@evil.com');
  await expect(page.getByText(/could add mail headers/)).toBeVisible();
  await page.getByLabel('Registered email').fill(EMAIL);
  await page.getByRole('button', { name: 'Next' }).click();
  await monitor.getByLabel('Email address').fill(EMAIL);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByRole('img', { name: 'Reset QR code' })).toBeVisible();

  // 3. QR text from a screenshot of the NVR's monitor, fed to the app's file input.
  await expect(step).toHaveAttribute('data-step', 'qr');
  await page.getByLabel('Photo or screenshot of the QR code').setInputFiles({ name: 'not-an-image.png', mimeType: 'image/png', buffer: Buffer.from('hello') });
  await expect(page.getByRole('alert').filter({ hasText: 'not an image' })).toBeVisible();
  const shot = await monitor.screenshot();
  await testInfo.attach('NVR monitor with QR code', { body: shot, contentType: 'image/png' });
  await page.getByLabel('Photo or screenshot of the QR code').setInputFiles({ name: 'nvr-monitor.png', mimeType: 'image/png', buffer: shot });
  const qrText = sim.state().qrText!;
  await expect(page.getByLabel('QR text')).toHaveValue(qrText);
  await page.getByRole('button', { name: 'Use this text' }).click();

  // 4. Send: the mail client gets exactly address + body; the mailbox answers with a code.
  await expect(step).toHaveAttribute('data-step', 'send');
  const expectedMailto = `mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(qrText)}`;
  await page.getByRole('button', { name: 'Copy the text' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  await page.getByRole('button', { name: /Show a QR code for the customer/ }).click();
  const phoneQr = await page.getByRole('img', { name: /opens the email to support on a phone/ }).getAttribute('src');
  const phonePng = PNG.sync.read(Buffer.from(phoneQr!.replace(/^data:image\/png;base64,/, ''), 'base64'));
  expect(jsQR(new Uint8ClampedArray(phonePng.data), phonePng.width, phonePng.height)?.data).toBe(expectedMailto);
  const opened = app.externalOpened();
  await page.getByRole('button', { name: 'Open in the mail client' }).click();
  const mailto = await opened;
  expect(mailto).toBe(expectedMailto);
  const reply = await mailbox.deliver(mailto);
  expect(reply).toMatchObject({ accepted: true, to: EMAIL });
  const code = reply.code!;
  secrets.push(code, `${code.slice(0, 4)}-${code.slice(4)}`);
  await expect(page.getByText(/spam\/junk/).first()).toBeVisible();
  await page.getByRole('button', { name: 'The message was sent' }).click();

  // 5. Security code: one wrong entry on the NVR, then the right one.
  await expect(step).toHaveAttribute('data-step', 'code');
  await expect(page.getByTestId('countdown')).toContainText(/Reply from support expected within: 2[34] h/);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Security code').fill('12');
  await expect(page.getByText(/The code has 8 characters/)).toBeVisible();
  await page.getByLabel('Security code').fill(`${code.slice(0, 4)}-${code.slice(4)}`);
  await page.getByRole('button', { name: 'The code arrived' }).click();
  await expect(page.getByTestId('countdown')).toContainText(/Security code valid for: 2[34] h/);
  await expect(page.getByLabel('Security code')).toHaveValue('');
  await monitor.getByLabel('Security code').fill('WRONG222');
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByRole('alert')).toContainText('4 attempts left');
  await page.getByRole('button', { name: 'The NVR said the code is wrong' }).click();
  await expect(page.getByText('4 wrong entries left before the NVR locks code entry')).toBeVisible();
  await monitor.getByLabel('Security code').fill(code);
  await monitor.getByRole('button', { name: 'Next' }).click();
  await expect(monitor.getByLabel('New Password')).toBeVisible();
  await page.getByRole('button', { name: 'The NVR accepted the code' }).click();

  // 6. New password: the rule live, then a generated one, typed on the NVR.
  await expect(step).toHaveAttribute('data-step', 'password');
  // The rule is on screen before anything is typed; then the offending character is named.
  await expect(page.getByRole('list', { name: 'Password rule' })).toContainText('8 to 32 characters');
  await page.getByLabel('New password').fill('Camera;2024 ');
  await expect(page.getByRole('list', { name: 'Password rule' })).toContainText('remove “;”: the NVR refuses these characters');
  await expect(page.getByTestId('strength')).toHaveText(/^(very weak|weak|fair|strong|very strong)$/);
  await expect(page.getByRole('list', { name: 'Password rule' })).toContainText('No spaces');
  await page.getByRole('button', { name: 'Generate a password' }).click();
  const pw = await page.getByLabel('New password').inputValue();
  secrets.push(pw);
  expect(pw).toMatch(/^[A-Za-z0-9]{16}$/);
  await page.getByLabel('Show password').uncheck(); // a failure screenshot must not show it
  await expect(page.getByRole('list', { name: 'Password rule' })).toContainText('The NVR accepts this password');
  await monitor.getByLabel('New Password').fill(pw);
  await monitor.getByLabel('Confirm Password').fill(pw);
  await monitor.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Save the new password' }).click();

  // 7. Sync prompt on the NVR, mirrored in the app.
  await expect(step).toHaveAttribute('data-step', 'sync');
  await expect(monitor.getByText('Sync the new password to remotely connected devices')).toBeVisible();
  await expect(step).toContainText('It does not sync cameras added by ONVIF');
  await expect(step).toContainText('cameras’ separate ONVIF accounts');
  await monitor.getByRole('button', { name: 'Save' }).click();
  await expect(monitor.getByRole('status')).toContainText('Password reset');
  await page.getByRole('button', { name: 'Save (sync)' }).click();

  // 8. Done: the summary has times and outcome, no secret; the NVR's ONVIF takes the new password.
  await expect(step).toHaveAttribute('data-step', 'done');
  const summary = page.getByLabel('Summary for the service ticket');
  await expect(summary).toHaveValue(/password reset completed/);
  const text = await summary.inputValue();
  expect(text).not.toContain(pw);
  expect(text).not.toContain(code);
  expect(site.nvr.users.checkPassword('admin', pw)).toBe(true);
  expect(site.nvr.users.checkPassword('admin', 'Forgot2019x')).toBe(false);

  // Hand-over: reveal reads the keychain, then the password leaves the page again.
  await page.getByRole('button', { name: 'Reveal the new password (hand-over)' }).click();
  await expect(page.getByLabel('New password', { exact: true })).toHaveText(pw);
  await page.getByRole('button', { name: 'Hide' }).click();
  await expect(page.getByText(pw)).toHaveCount(0);
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(pw);

  // The host's own output (stderr log echo under test hooks) is scrubbed too.
  const hostOutput = app.logText();
  expect(hostOutput).toContain('case updated');
  for (const s of [pw, code]) expect(hostOutput).not.toContain(s);

  // One way on from here, the loop with the NVR's channels: no look-alike action beside it.
  await expect(step.getByRole('button', { name: 'Push the new password to the ONVIF cameras' })).toHaveCount(0);
  await expect(step.getByTestId('site-plan')).toHaveClass(/primary/);
  await expect(step.locator('button.primary')).toHaveCount(1);
  expectNoSecrets(app, testInfo, secrets);
});

test('quit mid-case and relaunch resumes at the same step; 25 h later the code has expired, with the way forward', async ({ app, site }, testInfo) => {
  const { sim } = resetOf(site);
  const secrets: string[] = [];
  const step = app.page.getByTestId('wizard-step');
  await startCaseToQrStep(app.page, 'Warehouse NVR', EMAIL);
  await expect(step).toHaveAttribute('data-step', 'qr');

  // Quit at the QR step, relaunch: same case, same step.
  await app.restart();
  await openResetTab(app.page);
  await expect(app.page.getByTestId('wizard-step')).toHaveAttribute('data-step', 'qr');
  await expect(app.page.getByRole('navigation', { name: 'Reset cases' })).toContainText('Warehouse NVR');

  // The NVR issues a QR; the rest up to a received code, then quit again.
  const { qrText } = await monitorShowsQr(app, site, EMAIL);
  const { cases } = await app.call('cases.list');
  const id = cases.find((c) => c.nvr.label === 'Warehouse NVR')!.id;
  await app.call('cases.setQrText', { caseId: id, qrText, source: 'paste' });
  await app.call('cases.recordSent', { caseId: id, via: 'clipboard' });
  const reply = await resetOf(site).mailbox.deliver(`mailto:support_gpwd@htmicrochip.com?body=${encodeURIComponent(qrText)}`);
  secrets.push(reply.code!);
  await app.call('cases.recordCode', { caseId: id, code: reply.code! });

  await app.restart();
  await openResetTab(app.page);
  const resumed = app.page.getByTestId('wizard-step');
  await expect(resumed).toHaveAttribute('data-step', 'code');
  await expect(app.page.getByTestId('countdown')).toContainText(/Security code valid for: 2[34] h/);

  // 22.5 hours later a reminder fires (desktop notification + banner); 25 hours later the code has expired.
  await app.call('app.advanceClock', { ms: 22.5 * HOUR });
  await app.call('cases.checkDeadlines');
  await expect(app.page.getByText(/Warehouse NVR: security code expires soon/)).toBeVisible();
  await expect(app.page.getByTestId('countdown')).toContainText(/Security code valid for: 1 h [23]\d min/);
  await app.call('app.advanceClock', { ms: 2.5 * HOUR });
  await expect(app.page.getByRole('heading', { name: 'The security code has expired' })).toBeVisible();
  await expect(resumed).toContainText('Codes are valid for 24 hours');
  // The NVR agrees: the code is refused as expired. (The relaunch closed the old browser: reopen its monitor.)
  sim.advance(25 * HOUR);
  const monitor2 = await app.context.newPage();
  await monitor2.goto(resetOf(site).url);
  await monitor2.getByRole('button', { name: 'Next' }).click();
  await monitor2.getByLabel('Security code').fill(reply.code!);
  await monitor2.getByRole('button', { name: 'Next' }).click();
  await expect(monitor2.getByRole('alert')).toContainText('expired');
  await app.page.getByRole('button', { name: 'Generate a new QR code' }).click();
  await expect(resumed).toHaveAttribute('data-step', 'qr');
  expectNoSecrets(app, testInfo, secrets);
});

test('a damaged case file is moved aside and reported, not lost', async ({ app }) => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(app.dataDir, 'cases.json'), '{"version":1,"cases":[{"id":"case-trunc');
  await app.restart();
  await openResetTab(app.page);
  await expect(app.page.getByRole('alert').filter({ hasText: 'damaged' }).first()).toBeVisible();
  const aside = readdirSync(app.dataDir).filter((f) => f.startsWith('cases.json.unreadable-'));
  expect(aside).toHaveLength(1);
  expect(readFileSync(join(app.dataDir, aside[0]!), 'utf8')).toBe('{"version":1,"cases":[{"id":"case-trunc');
});
