import { createHash } from 'node:crypto';

/**
 * A tiny baseline JPEG encoder for the simulated cameras' snapshots: one solid
 * colour, 4:4:4 YCbCr, so each block is a DC value and an end-of-block code.
 * Enough for a picture that decodes everywhere and tells cameras apart.
 */

// The standard luminance DC table (ITU T.81 K.3): categories 0..11.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// Every AC coefficient is zero: the only AC symbol needed is end-of-block (0x00), code "0".
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALS = [0];

/** Canonical Huffman codes (T.81 C.2): symbol → [code, length]. */
function huffman(bits: number[], vals: number[]): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) out.set(vals[k++]!, [code++, len]);
    code <<= 1;
  }
  return out;
}
const DC = huffman(DC_BITS, DC_VALS);
const EOB = huffman(AC_BITS, AC_VALS).get(0)!;

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  /** Pads the last byte with 1 bits (T.81 F.1.2.3). */
  end(): number[] {
    while (this.n !== 0) this.write(1, 1);
    return this.bytes;
  }
}

const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

export type Rgb = [number, number, number];

function toYcc([r, g, b]: Rgb): [number, number, number] {
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return [clamp(0.299 * r + 0.587 * g + 0.114 * b), clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b), clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)];
}

/**
 * A JPEG whose every 8×8 block is one colour: `blocks[row][col]`, so the picture
 * is blocks.length·8 high and blocks[0].length·8 wide. Each block is a DC value and
 * an end-of-block code — enough for a small drawn scene with a blocky OSD text.
 */
export function blockJpeg(blocks: readonly (readonly Rgb[])[]): Buffer {
  const height = blocks.length * 8;
  const width = (blocks[0]?.length ?? 0) * 8;
  // Quantiser 8 everywhere: a flat block's DC coefficient is 8·(v−128), so the quantised DC is v−128.
  const dqt = segment(0xdb, [0x00, ...new Array<number>(64).fill(8)]);
  const sof = segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  const dht = segment(0xc4, [0x00, ...DC_BITS, ...DC_VALS, 0x10, ...AC_BITS, ...AC_VALS]);
  const sos = segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
  const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const w = new BitWriter();
  const pred = [0, 0, 0];
  for (const row of blocks) {
    for (const rgb of row) {
      const ycc = toYcc(rgb);
      for (let c = 0; c < 3; c++) {
        const dc = ycc[c]! - 128;
        const diff = dc - pred[c]!;
        pred[c] = dc;
        const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
        const [code, len] = DC.get(size)!;
        w.write(code, len);
        if (size > 0) w.write(diff > 0 ? diff : diff + (1 << size) - 1, size);
        w.write(EOB[0], EOB[1]);
      }
    }
  }
  return Buffer.concat([Buffer.from([0xff, 0xd8, ...jfif, ...dqt, ...sof, ...dht, ...sos]), Buffer.from(w.end()), Buffer.from([0xff, 0xd9])]);
}

/** A width×height (multiples of 8) JPEG of one colour. */
export function solidJpeg(rgb: Rgb, width = 32, height = 24): Buffer {
  return blockJpeg(Array.from({ length: height / 8 }, () => Array.from({ length: width / 8 }, () => rgb)));
}

/** A colour of its own per serial number, bright enough to tell apart on a tile. */
export function colourOf(serial: string): [number, number, number] {
  const d = createHash('sha256').update(serial).digest();
  const hue = ((d[0]! << 8) | d[1]!) % 360;
  // HSV with S = 0.7, V = 0.9.
  const c = 0.9 * 0.7;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = 0.9 - c;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * A 5×7 bitmap font for the on-screen display (OSD) cameras burn into their
 * pictures: channel title and clock. Upper case, digits and the clock's marks;
 * anything else draws as a space. Each glyph is 7 rows of 5 bits, top row first.
 */
const FONT: Record<string, number[]> = {
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31], '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14], '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14], '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  '-': [0, 0, 0, 31, 0, 0, 0], ':': [0, 12, 12, 0, 12, 12, 0], '.': [0, 0, 0, 0, 0, 12, 12], '/': [0, 1, 2, 4, 8, 16, 0],
};

/** Cells of one OSD line, 6 cells per character (5 + a gap): true where the text is lit. */
export function osdCells(text: string): boolean[][] {
  const glyphs = [...text.toUpperCase()].map((ch) => FONT[ch] ?? FONT[' ']!);
  return Array.from({ length: 7 }, (_, row) => glyphs.flatMap((g) => [...Array.from({ length: 5 }, (_, col) => ((g[row]! >> (4 - col)) & 1) === 1), false]));
}

/** Draws OSD text onto a block picture at (top, left), white with a dark shadow as cameras do, clipped to the picture. */
export function drawOsd(blocks: Rgb[][], text: string, top: number, left: number): void {
  const cells = osdCells(text);
  const put = (r: number, c: number, rgb: Rgb) => {
    const row = blocks[r];
    if (row && c >= 0 && c < row.length) row[c] = rgb;
  };
  cells.forEach((line, r) => line.forEach((lit, c) => lit && put(top + r + 1, left + c + 1, [20, 20, 20])));
  cells.forEach((line, r) => line.forEach((lit, c) => lit && put(top + r, left + c, [250, 250, 250])));
}
