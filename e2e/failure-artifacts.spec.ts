import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

// A failed test must not write a typed password into its artifacts (Playwright's
// error context embeds field values; our failure screenshot masks secret fields).
// Made at run time: the error context quotes this file's source.
const SECRET = `Pw${randomBytes(6).toString('hex')}9x`;
let failedOutputDir = '';

test.describe.serial('failure artifacts', () => {
  test('a failure while a password is typed', async ({ app }, testInfo) => {
    test.fail(true, 'fails on purpose to produce failure artifacts');
    failedOutputDir = testInfo.outputDir;
    await app.page.getByRole('tab', { name: 'Camera sync' }).click();
    await app.page.getByTestId('sync-new').fill(SECRET);
    await expect(app.page.getByTestId('sync-new')).toHaveValue(SECRET);
    expect('the test', 'failing on purpose').toBe('failed');
  });

  test('left a screenshot and the log, and no password in any of it', () => {
    const files = walk(failedOutputDir);
    expect(files.some((f) => f.endsWith('failure.png'))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(SECRET), `${f} holds the typed password`).toBe(false);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
