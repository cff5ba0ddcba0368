import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { test, expect } from './fixtures';
import { monitorShowsQr, startCaseToQrStep } from './reset-steps';

// Chromium's fake camera plays a Y4M file: we film the NVR's monitor by turning
// a screenshot of its QR screen into that file before the wizard opens the camera
// (Chromium reads the file when capture starts, not at launch).
const VIDEO = join(tmpdir(), `nvr-webcam-${process.pid}.y4m`);
const EMAIL = 'owner@example.com';

test.use({
  siteOptions: { cameras: 0, registeredEmail: EMAIL },
  browserArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${VIDEO}`],
});
test.afterAll(() => rmSync(VIDEO, { force: true }));

/** One-frame 4:2:0 Y4M from a PNG (even dimensions, BT.601 full range). */
function pngToY4m(png: Buffer): Buffer {
  const img = PNG.sync.read(png);
  const w = img.width & ~1;
  const h = img.height & ~1;
  const y = Buffer.alloc(w * h);
  const u = Buffer.alloc((w / 2) * (h / 2));
  const v = Buffer.alloc((w / 2) * (h / 2));
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const o = (j * img.width + i) * 4;
      const [r, g, b] = [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
      y[j * w + i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (i % 2 === 0 && j % 2 === 0) {
        const k = (j / 2) * (w / 2) + i / 2;
        u[k] = Math.max(0, Math.min(255, Math.round(-0.169 * r - 0.331 * g + 0.5 * b + 128)));
        v[k] = Math.max(0, Math.min(255, Math.round(0.5 * r - 0.419 * g - 0.081 * b + 128)));
      }
    }
  }
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, u, v]);
}

test('webcam pointed at the NVR monitor reads the QR text', async ({ app, site }) => {
  const { monitor, qrText } = await monitorShowsQr(app, site, EMAIL, { width: 800, height: 600 });
  await monitor.getByRole('img', { name: 'Reset QR code' }).scrollIntoViewIfNeeded();
  writeFileSync(VIDEO, pngToY4m(await monitor.screenshot()));

  const { page } = app;
  await startCaseToQrStep(page, 'Lobby NVR', EMAIL);

  await page.getByRole('button', { name: 'Scan with the webcam' }).click();
  await expect(page.getByLabel('QR text')).toHaveValue(qrText);
  // The camera is released once the code is read.
  await expect(page.getByRole('group', { name: 'Webcam scanner' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Use this text' }).click();
  await expect(page.getByTestId('wizard-step')).toHaveAttribute('data-step', 'send');
});

test('drag and drop of a photo with no QR code explains what to change', async ({ app }) => {
  const { page } = app;
  await startCaseToQrStep(page, 'Lobby NVR', EMAIL);
  const blank = new PNG({ width: 320, height: 240 });
  blank.data.fill(200);
  const bytes = [...PNG.sync.write(blank)];
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'wall.png', { type: 'image/png' }));
    return dt;
  }, bytes);
  await page.getByRole('group', { name: 'Image drop zone' }).dispatchEvent('drop', { dataTransfer });
  await expect(page.getByRole('alert').filter({ hasText: 'No QR code found' })).toContainText(/glare/);
});
