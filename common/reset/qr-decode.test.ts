import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import fc from 'fast-check';
import { decodeQr, downscale, type Rgba } from './qr-decode';

// Fixtures: photo-like images made by sim/nvr/make-qr-fixtures.mjs (committed).
const DIR = join(import.meta.dirname, 'fixtures');
const TEXT = 'https://gpwd.htmicrochip.com/r?sn=HSNVR8CH0042&n=7f3a9c2e51d04b86&e=owner%40example.com&v=2';

function load(name: string): Rgba {
  const png = PNG.sync.read(readFileSync(join(DIR, name)));
  return { data: png.data, width: png.width, height: png.height };
}

function upscale(img: Rgba, f: number): Rgba {
  const w = img.width * f, h = img.height * f;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const s = ((Math.floor(y / f) * img.width) + Math.floor(x / f)) * 4;
    data.set(img.data.subarray(s, s + 4), (y * w + x) * 4);
  }
  return { data, width: w, height: h };
}

describe('QR decoding of photo-like images', () => {
  const photos = readdirSync(DIR).filter((f) => f.startsWith('qr-') && f.endsWith('.png'));
  it('has the committed fixtures', () => expect(photos.length).toBeGreaterThanOrEqual(4));

  it.each(photos)('%s decodes to the NVR text', (name) => {
    expect(decodeQr(load(name))).toEqual({ ok: true, text: TEXT });
  });

  it('a big photo (12 MP) is downscaled and still decodes', { timeout: 60_000 }, () => {
    const big = upscale(load('qr-perspective.png'), 5);
    expect(big.width * big.height).toBeGreaterThan(10_000_000);
    const t0 = performance.now();
    expect(decodeQr(big)).toEqual({ ok: true, text: TEXT });
    // Generous: shared CI machines are slow; this guards against hanging, not against a few seconds.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe('QR decoding bad input', () => {
  it('reads a light-on-dark (inverted) code too', () => {
    const img = load('qr-straight-noise.png');
    const data = new Uint8ClampedArray(img.data.length);
    for (let i = 0; i < data.length; i += 4) {
      data[i] = data[i + 1] = data[i + 2] = 255 - img.data[i]!;
      data[i + 3] = 255;
    }
    expect(decodeQr({ data, width: img.width, height: img.height })).toEqual({ ok: true, text: TEXT });
  });

  it('no code → hint about glare, angle, distance', () => {
    const r = decodeQr(load('no-code.png'));
    expect(r).toMatchObject({ ok: false, problem: 'no-code' });
    if (!r.ok) expect(r.message).toMatch(/glare/);
  });
  it('pixel buffer that does not match the size → bad-image', () => {
    expect(decodeQr({ data: new Uint8Array(10), width: 100, height: 100 })).toMatchObject({ ok: false, problem: 'bad-image' });
    expect(decodeQr({ data: new Uint8Array(0), width: 0, height: 0 })).toMatchObject({ ok: false, problem: 'bad-image' });
    expect(decodeQr({ data: new Uint8Array(4), width: 1.5, height: 1 })).toMatchObject({ ok: false, problem: 'bad-image' });
  });
  it('huge dimensions → too-big, without touching the pixels', () => {
    const fake = { data: { length: 20_000 * 20_000 * 4 } as unknown as Uint8Array, width: 20_000, height: 20_000 };
    expect(decodeQr(fake)).toMatchObject({ ok: false, problem: 'too-big' });
  });
  it('downscale keeps proportions', () => {
    const d = downscale({ data: new Uint8ClampedArray(400 * 200 * 4), width: 400, height: 200 }, 100);
    expect([d.width, d.height, d.data.length]).toEqual([100, 50, 100 * 50 * 4]);
  });
});

describe('QR decoding fuzz', () => {
  it('never throws on arbitrary pixels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 }), fc.integer(), (w, h, seed) => {
        const data = new Uint8ClampedArray(w * h * 4);
        let x = seed | 1;
        for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) >> 23;
        const r = decodeQr({ data, width: w, height: h });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 150 },
    );
  });
});
