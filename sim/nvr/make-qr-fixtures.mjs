// Generates the photo-like QR fixtures for common/reset/qr-decode.test.ts.
// Run: node sim/nvr/make-qr-fixtures.mjs   (deterministic: seeded PRNG; commit the PNGs)
// Each image imitates a phone photo of the NVR's monitor: the code is projected
// with a perspective (camera at an angle), blurred, lit unevenly with a glare
// blob, and sprinkled with sensor noise.
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '../../common/reset/fixtures');
export const FIXTURE_TEXT = 'https://gpwd.htmicrochip.com/r?sn=HSNVR8CH0042&n=7f3a9c2e51d04b86&e=owner%40example.com&v=2';

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 0x1_0000_0000);
}
function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Flat grey matrix of the code (1 = dark) with a 4-module quiet zone, as on the monitor. */
function modules(text) {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  return { n, dark: (x, y) => x >= 0 && y >= 0 && x < n && y < n && qr.modules.get(y, x) === 1 };
}

/** Homography mapping the unit square to 4 corners (solving the 8x8 system). */
function homography(c) {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = c; // tl, tr, br, bl
  const dx1 = x1 - x2, dx2 = x3 - x2, dx3 = x0 - x1 + x2 - x3;
  const dy1 = y1 - y2, dy2 = y3 - y2, dy3 = y0 - y1 + y2 - y3;
  const det = dx1 * dy2 - dx2 * dy1;
  const g = (dx3 * dy2 - dx2 * dy3) / det;
  const h = (dx1 * dy3 - dx3 * dy1) / det;
  const a = x1 - x0 + g * x1, b = x3 - x0 + h * x3, cc = x0;
  const d = y1 - y0 + g * y1, e = y3 - y0 + h * y3, f = y0;
  // Inverse (image -> unit square) via adjugate.
  const A = [a, b, cc, d, e, f, g, h, 1];
  const inv = [
    A[4] * A[8] - A[5] * A[7], A[2] * A[7] - A[1] * A[8], A[1] * A[5] - A[2] * A[4],
    A[5] * A[6] - A[3] * A[8], A[0] * A[8] - A[2] * A[6], A[2] * A[3] - A[0] * A[5],
    A[3] * A[7] - A[4] * A[6], A[1] * A[6] - A[0] * A[7], A[0] * A[4] - A[1] * A[3],
  ];
  return (x, y) => {
    const w = inv[6] * x + inv[7] * y + inv[8];
    return [(inv[0] * x + inv[1] * y + inv[2]) / w, (inv[3] * x + inv[4] * y + inv[5]) / w];
  };
}

function photo({ name, w, h, corners, noise, glare, blur, contrast = 1, seed, text = FIXTURE_TEXT }) {
  const r = rng(seed);
  const m = text ? modules(text) : undefined;
  const total = m ? m.n + 8 : 1;
  const toUnit = homography(corners);
  const lum = new Float32Array(w * h);
  const ss = 3; // supersampling = optical blur of module edges
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const [u, v] = toUnit(x + (sx + 0.5) / ss, y + (sy + 0.5) / ss);
          let val;
          if (u < -0.08 || v < -0.08 || u > 1.08 || v > 1.08) val = 40; // monitor bezel / room
          else if (u < 0 || v < 0 || u > 1 || v > 1) val = 70; // dark UI around the code
          else if (!m) val = 200;
          else val = m.dark(Math.floor(u * total) - 4, Math.floor(v * total) - 4) ? 30 : 215;
          acc += val;
        }
      }
      lum[y * w + x] = acc / (ss * ss);
    }
  }
  // Box blur (focus), repeated.
  for (let pass = 0; pass < blur; pass++) {
    const src = lum.slice();
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
      let s = 0;
      for (let k = -1; k <= 1; k++) for (let l = -1; l <= 1; l++) s += src[(y + k) * w + x + l];
      lum[y * w + x] = s / 9;
    }
  }
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let v = 128 + (lum[y * w + x] - 128) * contrast;
    if (glare) {
      const d2 = ((x - glare.x) ** 2 + (y - glare.y) ** 2) / (glare.r ** 2);
      v += glare.strength * Math.exp(-d2);
    }
    v += x / w * 25 - 12; // uneven backlight
    v += gauss(r) * noise;
    const i = (y * w + x) * 4;
    const c = Math.max(0, Math.min(255, v));
    png.data[i] = c;
    png.data[i + 1] = Math.max(0, Math.min(255, c * 0.97 + 4));
    png.data[i + 2] = Math.max(0, Math.min(255, c * 1.03));
    png.data[i + 3] = 255;
  }
  // Greyscale keeps the committed files small; the decoder still gets RGBA from pngjs.
  writeFileSync(join(OUT, name), PNG.sync.write(png, { colorType: 0 }));
  return name;
}

mkdirSync(OUT, { recursive: true });
const made = [
  photo({ name: 'qr-straight-noise.png', w: 640, h: 480, corners: [[170, 90], [470, 95], [468, 392], [168, 388]], noise: 18, blur: 1, seed: 1 }),
  photo({ name: 'qr-perspective.png', w: 800, h: 600, corners: [[210, 80], [600, 150], [580, 470], [190, 540]], noise: 10, blur: 1, seed: 2 }),
  photo({ name: 'qr-glare.png', w: 800, h: 600, corners: [[220, 110], [570, 120], [575, 470], [215, 465]], noise: 12, blur: 1, contrast: 0.75, glare: { x: 520, y: 180, r: 120, strength: 90 }, seed: 3 }),
  photo({ name: 'qr-rotated-lowcontrast.png', w: 700, h: 700, corners: [[330, 90], [610, 330], [370, 610], [90, 370]], noise: 14, blur: 2, contrast: 0.55, seed: 4 }),
  photo({ name: 'no-code.png', w: 400, h: 300, corners: [[100, 60], [300, 60], [300, 240], [100, 240]], noise: 20, blur: 1, seed: 6, text: '' }),
];
writeFileSync(join(OUT, 'README.md'), `Generated by sim/nvr/make-qr-fixtures.mjs (deterministic). Text of every code:\n\n    ${FIXTURE_TEXT}\n\n${made.map((n) => `- ${n}`).join('\n')}\n`);
console.log('wrote', made.join(', '));
