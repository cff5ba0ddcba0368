import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from '@playwright/test';
import { test, expect, MASK_COLOR, SECRET_FIELDS } from './fixtures';

// A failed test must not put a typed password into its artifacts. Playwright's
// error context would embed field values (playwright.config.ts turns it off);
// the failure screenshot e2e/fixtures.ts takes masks the secret fields. This
// proves the mask with pixels: the same page, shot unmasked (kept in memory
// only) and as the fixture shot it on failure, compared inside each secret box.
// Made at run time: the error context quotes this file's source.
const SECRET = `Pw${randomBytes(6).toString('hex')}9x`;

interface Box {
  what: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
let failedOutputDir = '';
let unmasked: PNG | undefined;
let boxes: Box[] = [];

/** Boxes of the page's secret fields in full-page screenshot pixels. */
async function secretBoxes(page: Page): Promise<Box[]> {
  const { scale, sx, sy } = await page.evaluate(() => ({ scale: window.devicePixelRatio, sx: window.scrollX, sy: window.scrollY }));
  const fields = page.locator(SECRET_FIELDS);
  const out: Box[] = [];
  for (let i = 0; i < (await fields.count()); i++) {
    const b = await fields.nth(i).boundingBox();
    if (!b) continue;
    const what = await fields.nth(i).evaluate((el) => el.outerHTML.slice(0, 80));
    out.push({ what, x: (b.x + sx) * scale, y: (b.y + sy) * scale, width: b.width * scale, height: b.height * scale });
  }
  return out;
}

/** Pixels inside the box (2 px in from its edges, where anti-aliasing blends), as [r, g, b] triples. */
function pixelsIn(png: PNG, box: Box): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let y = Math.ceil(box.y) + 2; y < Math.floor(box.y + box.height) - 2; y++) {
    for (let x = Math.ceil(box.x) + 2; x < Math.floor(box.x + box.width) - 2; x++) {
      const i = (y * png.width + x) * 4;
      out.push([png.data[i]!, png.data[i + 1]!, png.data[i + 2]!]);
    }
  }
  return out;
}

const mask = [1, 3, 5].map((i) => parseInt(MASK_COLOR.slice(i, i + 2), 16));
const isMask = ([r, g, b]: [number, number, number]) => Math.abs(r - mask[0]!) + Math.abs(g - mask[1]!) + Math.abs(b - mask[2]!) <= 6;

test.describe.serial('failure artifacts', () => {
  test('a failure while a password is typed and a secret is shown', async ({ app }, testInfo) => {
    test.fail(true, 'fails on purpose to produce failure artifacts');
    failedOutputDir = testInfo.outputDir;
    const { page } = app;
    await page.getByRole('tab', { name: 'Camera sync' }).click();
    await page.getByTestId('sync-new').fill(SECRET);
    await expect(page.getByTestId('sync-new')).toHaveValue(SECRET);
    // A revealed secret as the renderer shows one (plain text marked data-secret).
    await page.evaluate((secret) => {
      const el = document.createElement('output');
      el.dataset.secret = '';
      el.textContent = secret;
      el.style.cssText = 'position:fixed;left:24px;bottom:24px;font:24px monospace;background:#fff;color:#000;padding:8px';
      document.body.append(el);
    }, SECRET);
    await page.getByTestId('sync-new').blur(); // no blinking caret between the two shots
    boxes = await secretBoxes(page);
    unmasked = PNG.sync.read(await page.screenshot({ fullPage: true }));
    expect('the test', 'failing on purpose').toBe('failed');
  });

  test('the failure screenshot covers every secret field, the log is kept, and no text artifact holds the password', () => {
    const files = walk(failedOutputDir);
    const shot = files.find((f) => f.endsWith('failure.png'));
    expect(shot, 'the fixture writes failure.png when a test fails').toBeDefined();
    expect(files.some((f) => readFileSync(f, 'utf8').includes('--- app.log')), 'the fixture attaches the app log').toBe(true);
    const masked = PNG.sync.read(readFileSync(shot!));
    expect([masked.width, masked.height]).toEqual([unmasked!.width, unmasked!.height]);

    const holdsSecret = (b: Box) => /sync-new|<output data-secret/.test(b.what);
    expect(boxes.filter(holdsSecret)).toHaveLength(2);
    for (const box of boxes) {
      const before = pixelsIn(unmasked!, box);
      const after = pixelsIn(masked, box);
      expect(before.length, `${box.what}: a box of some size`).toBeGreaterThan(100);
      // Unmasked, the field is not the mask colour (and the two holding the secret show it)...
      expect(before.filter(isMask).length, `${box.what} unmasked`).toBe(0);
      if (holdsSecret(box)) expect(new Set(before.map(String)).size, `${box.what} unmasked shows the secret`).toBeGreaterThan(1);
      // ...and in the failure screenshot every pixel of its box is the mask.
      expect(after.filter((p) => !isMask(p)).length, `${box.what}: pixels not masked in ${shot}`).toBe(0);
    }

    // Text artifacts (logs, error context) must not quote it either.
    for (const f of files.filter((f) => !f.endsWith('.png'))) expect(readFileSync(f).includes(SECRET), `${f} holds the typed password`).toBe(false);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
