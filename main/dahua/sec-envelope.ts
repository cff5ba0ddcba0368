import { constants, createCipheriv, createDecipheriv, createPublicKey, publicEncrypt, randomInt, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * The encrypted envelope Dahua firmware wants for sensitive RPC calls such as
 * `LogicDeviceManager.secSetCamera` (what the NVR's own web page does):
 * a random key of ASCII digits, RSA PKCS#1 v1.5–encrypted with the NVR's
 * public key (`salt`, hex), and the call's JSON encrypted with that key
 * (`content`, base64) — "RPAC": AES-256-CBC with the IV "0000000000000000";
 * "AES": AES-128-ECB; zero padding in both. Details vary by firmware
 * (DOMAIN.md marks them uncertain), so the caller falls back to this only when
 * plain `configManager.setConfig` is refused.
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

interface Mode {
  cipher: EnvelopeCipher;
  keyLength: 16 | 32;
  algorithm: 'aes-256-cbc' | 'aes-128-ecb';
}

const IV = Buffer.from('0000000000000000', 'utf8');

/** RPAC (AES-256-CBC) where offered, else AES (AES-128-ECB); anything else is refused. */
export function chooseMode(ciphers: readonly string[]): Mode {
  if (ciphers.includes('RPAC')) return { cipher: 'RPAC-256', keyLength: 32, algorithm: 'aes-256-cbc' };
  if (ciphers.includes('AES')) return { cipher: 'AES-128', keyLength: 16, algorithm: 'aes-128-ecb' };
  throw new EnvelopeError(`The NVR offers no cipher this app knows (${ciphers.join(', ') || 'none'}).`);
}

export class EnvelopeError extends Error {}

/** `pub` is "N:<hex>,E:<hex>" (order may vary); a modulus under 1024 bits is refused. */
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
  const nBytes = Buffer.from(n.length % 2 ? `0${n}` : n, 'hex');
  const eBytes = Buffer.from(e.length % 2 ? `0${e}` : e, 'hex');
  if (nBytes.length < 128 || nBytes.length > 1024) throw new EnvelopeError(`The NVR sent an RSA key of unusable size (${nBytes.length * 8} bits).`);
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

/** Seals `params` for the NVR whose `Security.getEncryptInfo` answer is `info`; keeps the key to open the reply. */
export function seal(params: unknown, info: unknown): Envelope & { key: string; mode: Mode } {
  const parsed = EncryptInfo.safeParse(info);
  if (!parsed.success) throw new EnvelopeError('The NVR answered Security.getEncryptInfo in a shape this app does not know.');
  const mode = chooseMode(parsed.data.cipher);
  const publicKey = parsePublicKey(parsed.data.pub);
  const key = randomDigitKey(mode.keyLength);
  const salt = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(key, 'utf8')).toString('hex');
  return { salt, cipher: mode.cipher, content: sealWithKey(params, key, mode), key, mode };
}

function b64url(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
