import { decodeQr, MAX_PIXELS, type QrDecode } from '../../../common/reset/qr-decode';

/** Largest file we open at all; phone photos are 2–15 MB. */
export const MAX_FILE_BYTES = 40 * 1024 * 1024;
const CANVAS_MAX_SIDE = 2400;

/** Decodes a QR code from a photo or screenshot file, entirely in the renderer. */
export async function decodeQrFile(file: Blob): Promise<QrDecode> {
  if (file.size === 0) return { ok: false, problem: 'bad-image', message: 'The file is empty.' };
  if (file.size > MAX_FILE_BYTES) return { ok: false, problem: 'too-big', message: 'The file is larger than 40 MB. Use a smaller photo or a screenshot.' };
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file);
  } catch {
    return { ok: false, problem: 'bad-image', message: 'This file is not an image the app can read (use a PNG or JPEG photo or screenshot).' };
  }
  try {
    if (bmp.width * bmp.height > MAX_PIXELS) {
      return { ok: false, problem: 'too-big', message: `The image is too large (${bmp.width}×${bmp.height}). Use a photo under 50 megapixels.` };
    }
    return decodeBitmap(bmp, bmp.width, bmp.height);
  } finally {
    bmp.close();
  }
}

/** Draws any image source onto a canvas no bigger than needed, then decodes. */
export function decodeBitmap(source: CanvasImageSource, width: number, height: number, quick = false): QrDecode {
  if (!width || !height) return { ok: false, problem: 'bad-image', message: 'The image has no pixels.' };
  const scale = Math.min(1, CANVAS_MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return { ok: false, problem: 'bad-image', message: 'The image could not be processed.' };
  ctx.drawImage(source, 0, 0, w, h);
  const img = ctx.getImageData(0, 0, w, h);
  return decodeQr({ data: img.data, width: w, height: h }, { quick });
}
