import { checkPassword } from './password';

/**
 * Generates passwords the NVR accepts. Symbols are limited to ones that survive
 * every path the password travels: none of the NVR's forbidden ' " ; : &, no
 * XML-significant < > (the onvif package does not escape them), no spaces, and
 * nothing a mail client or shell would mangle.
 */
export const GEN_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export const GEN_DIGITS = '23456789';
export const GEN_SYMBOLS = '-_.!@#*+=';

export interface GenerateOptions {
  length?: number;
  symbols?: boolean;
  /** Injectable for tests; defaults to globalThis.crypto.getRandomValues. */
  random?: (buf: Uint32Array<ArrayBuffer>) => unknown;
}

function randomIndex(n: number, random: (buf: Uint32Array<ArrayBuffer>) => unknown): number {
  // Rejection sampling: modulo of a 32-bit value would favour the low indices.
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buf = new Uint32Array(1);
  for (;;) {
    random(buf);
    const v = buf[0]!;
    if (v < limit) return v % n;
  }
}

export function generatePassword(opts: GenerateOptions = {}): string {
  const length = Math.min(32, Math.max(8, opts.length ?? 16));
  const random = opts.random ?? ((b: Uint32Array<ArrayBuffer>) => globalThis.crypto.getRandomValues(b));
  const pool = GEN_LETTERS + GEN_DIGITS + (opts.symbols ? GEN_SYMBOLS : '');
  for (let tries = 0; tries < 1000; tries++) {
    let out = '';
    for (let i = 0; i < length; i++) out += pool[randomIndex(pool.length, random)];
    const check = checkPassword(out);
    // Insist on letters and digits (the vendor's recommendation) on top of the rule.
    if (check.ok && check.categories.letters && check.categories.digits && (!opts.symbols || check.categories.symbols)) return out;
  }
  throw new Error('password generator could not satisfy the rule');
}
