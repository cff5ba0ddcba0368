import { expect, type Page } from '@playwright/test';

/** The Password reset tab. */
export async function openResetTab(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Password reset' }).click();
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
