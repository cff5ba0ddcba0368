import type { Locator, Page } from '@playwright/test';

/**
 * Keyboard-only driving: reach a control with Tab (as a technician without a
 * mouse would) and act on it with keys. Failing to reach it within `max` presses
 * is a test failure: the control is not in the tab order.
 */
export async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  await target.waitFor({ state: 'visible' });
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()} in ${max} presses`);
}

/** Tab to a control and press a key on it (Enter activates buttons and submits forms). */
export async function pressOn(page: Page, target: Locator, key = 'Enter'): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press(key);
}

/** Tab to a field, clear it and type. */
export async function typeInto(page: Page, target: Locator, text: string): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.insertText(text);
}
