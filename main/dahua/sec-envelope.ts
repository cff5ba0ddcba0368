import { constants, createCipheriv, createDecipheriv, createPublicKey, publicEncrypt, randomInt, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * The encrypted envelope Dahua firmware wants for sensitive RPC calls such as
 * `LogicDeviceManager.secSetCamera` (what the NVR's own web page does):
 * a random key of ASCII digits, RSA PKCS#1 v1.5–encrypted with the NVR's
 * public key (`salt`, hex), and the call's JSON encrypted with that key
 * (`content`, base64) — "RPAC": AES-256-CBC with the IV "0000000000000000";
 * "AES": AES-128-ECB; zero padding in both. Details vary by firmware
 * (DOMAIN.md marks them uncertain). A key too weak to protect a password is
 * refused before anything is sealed with it (WeakKeyError): with e = 1 or a
 * 512-bit modulus, anyone on the network reads the sealed password.
 */

/** `Security.getEncryptInfo` params, validated: a device answer is hostile input. */
export const EncryptInfo = z.object({
  asymmetric: z.union([z.string(), z.boolean()]).optional(),
  cipher: z.array(z.string().max(40)).max(20),
  pub: z.string().max(4096),
  AESPadding: z.array(z.string().max(20)).max(10).optional(),
});
export type EncryptInfo = z.infer<typeof EncryptInfo>;

export type EnvelopeCipher = 'RPAC-256' | 'AES-128';

export interface Envelope {
  salt: string;
  cipher: EnvelopeCipher;
  content: string;
}

export interface Mode {
  cipher: EnvelopeCipher;
  keyLength: 16 | 32;
  algorithm: 'aes-256-cbc' | 'aes-128-ecb';
}

const IV = Buffer.from('0000000000000000', 'utf8');

/** RPAC (AES-256-CBC) where offered, else AES (AES-128-ECB); anything else is refused. */
export function chooseMode(ciphers: readonly string[]): Mode {
  if (ciphers.includes('RPAC')) return { cipher: 'RPAC-256', keyLength: 32, algorithm: 'aes-256-cbc' };
  if (ciphers.includes('AES')) return { cipher: 'AES-128', keyLength: 16, algorithm: 'aes-128-ecb' };
  throw new EnvelopeError(`The NVR offers no cipher this app knows (${ciphers.slice(0, 5).join(', ').slice(0, 100) || 'none'}).`);
}

export class EnvelopeError extends Error {}

/** The NVR's key is too weak to protect a password (nothing was sealed or sent with it). */
export class WeakKeyError extends EnvelopeError {}

/** Fewer real modulus bits than this and a sealed password is only as safe as a key anyone can break. */
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16384;
const STANDARD_EXPONENT = 65537;

const unhex = (h: string) => Buffer.from(h.length % 2 ? `0${h}` : h, 'hex');

/** Bytes without their leading zero bytes: a 512-bit key padded with zeros is still 512 bits. */
function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

/** Real bit length of a big-endian unsigned integer that has no leading zero byte. */
function bitLength(b: Buffer): number {
  return b.length === 0 ? 0 : (b.length - 1) * 8 + (32 - Math.clz32(b[0]!));
}

/**
 * The strength rules, before anything is sealed: at least 2048 real modulus
 * bits (leading zero bytes stripped), an odd modulus, and the exponent 65537
 * (e = 1 leaves the key in clear; 2 and 3 or other exponents are refused too:
 * the NVR's own firmware uses 65537, and nothing else is worth the risk).
 */
function checkStrength(n: Buffer, e: Buffer): void {
  const bits = bitLength(n);
  if (bits > MAX_RSA_BITS) throw new EnvelopeError(`The NVR sent an RSA key of unusable size (${bits} bits).`);
  const refuse = (what: string) =>
    new WeakKeyError(`The NVR offered an encryption key that is too weak to protect a password (${what}), so the app sealed nothing with it and sent nothing.`);
  if (bits < MIN_RSA_BITS) throw refuse(`an RSA key of ${bits} bits; ${MIN_RSA_BITS} is the least the app accepts`);
  if ((n[n.length - 1]! & 1) === 0) throw refuse('an even RSA modulus');
  // (e has no leading zero byte here: an empty e is 0.)
  const exponent = e.length === 0 ? 0 : e.length <= 6 ? e.readUIntBE(0, e.length) : undefined;
  if (exponent !== STANDARD_EXPONENT) throw refuse(`RSA exponent ${exponent ?? 'out of range'}; the app accepts only ${STANDARD_EXPONENT}`);
}

/** `pub` is "N:<hex>,E:<hex>" (order may vary); a key that fails the strength rules is a WeakKeyError. */
export function parsePublicKey(pub: string): KeyObject {
  const parts = new Map(
    pub.split(',').map((p) => {
      const i = p.indexOf(':');
      return [p.slice(0, i).trim().toUpperCase(), p.slice(i + 1).trim()] as const;
    }),
  );
  const n = parts.get('N');
  const e = parts.get('E');
  if (!n || !e || !/^[0-9a-f]+$/i.test(n) || !/^[0-9a-f]+$/i.test(e)) throw new EnvelopeError('The NVR sent an RSA key this app cannot read.');
  const nBytes = stripZeros(unhex(n));
  const eBytes = stripZeros(unhex(e));
  checkStrength(nBytes, eBytes);
  try {
    return createPublicKey({ key: { kty: 'RSA', n: b64url(nBytes), e: b64url(eBytes) }, format: 'jwk' });
  } catch {
    throw new EnvelopeError('The NVR sent an RSA key this app cannot read.');
  }
}

/** A key of decimal digits, as the NVR's own web page makes it (its firmware expects that alphabet). */
export function randomDigitKey(length: number, digit: () => number = () => randomInt(10)): string {
  let out = '';
  while (out.length < length) out += String(digit());
  return out;
}

export function sealWithKey(params: unknown, key: string, mode: Mode): string {
  if (Buffer.byteLength(key, 'utf8') !== mode.keyLength) throw new EnvelopeError('Key length does not match the cipher.');
  const plain = Buffer.from(JSON.stringify(params), 'utf8');
  const padded = Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]);
  const c = createCipheriv(mode.algorithm, Buffer.from(key, 'utf8'), mode.algorithm === 'aes-128-ecb' ? null : IV);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(padded), c.final()]).toString('base64');
}

/** Decrypts a reply's `content` with the key the request used. */
export function openWithKey(content: string, key: string, mode: Mode): unknown {
  const data = Buffer.from(content, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new EnvelopeError('The NVR sent encrypted content of the wrong length.');
  const d = createDecipheriv(mode.algorithm, Buffer.from(key, 'utf8'), mode.algorithm === 'aes-128-ecb' ? null : IV);
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(data), d.final()]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return JSON.parse(plain.subarray(0, end).toString('utf8'));
  } catch {
    throw new EnvelopeError('The NVR sent encrypted content that is not JSON.');
  }
}

/** A `Security.getEncryptInfo` answer checked once: the cipher to use and a key that passed the strength rules. */
export interface SealKey {
  mode: Mode;
  publicKey: KeyObject;
}

/**
 * Checks an NVR's `Security.getEncryptInfo` answer before anything is sealed:
 * its shape, a cipher this app knows, and the key's strength. Throws
 * EnvelopeError (WeakKeyError for a weak key) with a plain message.
 */
export function sealKeyOf(info: unknown): SealKey {
  const parsed = EncryptInfo.safeParse(info);
  if (!parsed.success) throw new EnvelopeError('The NVR answered Security.getEncryptInfo in a shape this app does not know.');
  return { mode: chooseMode(parsed.data.cipher), publicKey: parsePublicKey(parsed.data.pub) };
}

/** Seals `params` with a checked key; keeps the AES key to open the reply. */
export function sealWith(params: unknown, k: SealKey): Envelope & { key: string; mode: Mode } {
  const key = randomDigitKey(k.mode.keyLength);
  const salt = publicEncrypt({ key: k.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(key, 'utf8')).toString('hex');
  return { salt, cipher: k.mode.cipher, content: sealWithKey(params, key, k.mode), key, mode: k.mode };
}

/** Seals `params` for the NVR whose `Security.getEncryptInfo` answer is `info`; refuses a weak key before sealing anything. */
export function seal(params: unknown, info: unknown): Envelope & { key: string; mode: Mode } {
  return sealWith(params, sealKeyOf(info));
}

function b64url(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
