import jsQR from 'jsqr';

/**
 * Decodes a QR code from RGBA pixels (canvas ImageData in the renderer, pngjs
 * in tests). Photos of a monitor are big, noisy and skewed: we downscale to a
 * size jsQR handles quickly and retry at a smaller scale, which averages noise
 * and moiré away.
 */
export const MAX_PIXELS = 50_000_000; // ~ a 8K photo; bigger is refused, not decoded
export const DECODE_MAX_SIDE = 1600;

export interface Rgba {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export type QrDecode = { ok: true; text: string } | { ok: false; problem: 'bad-image' | 'too-big' | 'no-code'; message: string };

export const NO_CODE_HINT =
  'No QR code found. Take the photo straight on (not at an angle), avoid glare from lamps or windows on the monitor, fill most of the frame with the code, and hold still.';

export function downscale(img: Rgba, maxSide: number): Rgba {
  const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
  if (scale >= 1) return img;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const out = new Uint8ClampedArray(w * h * 4);
  // Box filter: averaging source pixels keeps thin modules that nearest-neighbour would drop.
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y / scale);
    const y1 = Math.min(img.height, Math.max(y0 + 1, Math.floor((y + 1) / scale)));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x / scale);
      const x1 = Math.min(img.width, Math.max(x0 + 1, Math.floor((x + 1) / scale)));
      let r = 0, g = 0, b = 0, n = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * img.width + sx) * 4;
          r += img.data[i]!;
          g += img.data[i + 1]!;
          b += img.data[i + 2]!;
          n++;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

/** quick: two passes only, for live webcam frames (the next frame is another try). */
export function decodeQr(img: Rgba, opts: { quick?: boolean } = {}): QrDecode {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || img.data.length !== width * height * 4) {
    return { ok: false, problem: 'bad-image', message: 'This file could not be read as an image.' };
  }
  if (width * height > MAX_PIXELS) {
    return { ok: false, problem: 'too-big', message: `The image is too large (${width}×${height}). Use a photo under 50 megapixels.` };
  }
  // Cheapest likely wins first: a failing jsQR pass over 1600 px costs seconds,
  // while a monitor photo's code usually reads at 800 px. Smoothed before raw
  // (sensor noise breaks the finder-pattern scan); inverted colours last.
  const sizes = new Map<number, Rgba>();
  const at = (side: number): Rgba => {
    let r = sizes.get(side);
    if (!r) {
      const larger = [...sizes.entries()].filter(([k]) => k > side).sort((a, b) => a[0] - b[0])[0]?.[1];
      r = downscale(larger ?? img, side);
      sizes.set(side, r);
    }
    return r;
  };
  const plan: [number, 'smooth' | 'raw', 'dontInvert' | 'onlyInvert'][] = [
    [800, 'smooth', 'dontInvert'],
    [800, 'raw', 'dontInvert'],
    [400, 'smooth', 'dontInvert'],
    [DECODE_MAX_SIDE, 'smooth', 'dontInvert'],
    [400, 'raw', 'dontInvert'],
    [250, 'smooth', 'dontInvert'],
    [800, 'smooth', 'onlyInvert'],
    [DECODE_MAX_SIDE, 'raw', 'dontInvert'],
  ];
  const seen = new Set<string>();
  for (const [side, filter, inversion] of opts.quick ? plan.slice(0, 2) : plan) {
    const base = at(side);
    const key = `${base.width}/${filter}/${inversion}`;
    if (seen.has(key)) continue; // small images: several sizes are the same image
    seen.add(key);
    const candidate = filter === 'smooth' ? smooth(base) : toClamped(base);
    // jsQR's own 'onlyInvert' mode crashes (1.4); we invert the pixels instead.
    const data = inversion === 'onlyInvert' ? invert(candidate.data) : candidate.data;
    let found: ReturnType<typeof jsQR> = null;
    try {
      found = jsQR(data, candidate.width, candidate.height, { inversionAttempts: 'dontInvert' });
    } catch {
      // A decoder crash on a strange image is a "no code", not a broken wizard.
    }
    if (found && found.data) return { ok: true, text: found.data };
  }
  return { ok: false, problem: 'no-code', message: NO_CODE_HINT };
}

function toClamped(img: Rgba): { data: Uint8ClampedArray; width: number; height: number } {
  const data = img.data instanceof Uint8ClampedArray ? img.data : new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length);
  return { data, width: img.width, height: img.height };
}

/** 3×3 box blur on luminance. */
export function smooth(img: Rgba): { data: Uint8ClampedArray; width: number; height: number } {
  const { width: w, height: h, data } = img;
  const lum = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) lum[i] = 0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
          s += lum[yy * w + xx]!;
          n++;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = out[o + 1] = out[o + 2] = s / n;
      out[o + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

function invert(data: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    out[i] = 255 - data[i]!;
    out[i + 1] = 255 - data[i + 1]!;
    out[i + 2] = 255 - data[i + 2]!;
    out[i + 3] = 255;
  }
  return out;
}
