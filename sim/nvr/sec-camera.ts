import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * The NVR's side of the seal around `LogicDeviceManager.secGetCameraAll` and
 * `secSetCamera` (DOMAIN.md, "The seal"): `Security.getEncryptInfo` hands out the
 * public half of an RSA key; a caller sends `salt` = hex(RSA-PKCS#1 v1.5 of a random
 * key), `cipher` ("AES-128": a 16-digit key, AES-128-ECB; "RPAC-256": a 32-digit key,
 * AES-256-CBC with IV "0000000000000000"; zero padding) and `content` = base64(AES(JSON)).
 * The answer is sealed with the caller's key and cipher. Written from DOMAIN.md and the
 * public clients named in rpc.test.ts, never from main/.
 *
 * Weak keys are faults the NVR can be given (`NvrRpcFaults.key`): a client must refuse
 * them before it seals anything. Where the simulated NVR can still read what was sealed
 * with one (e=1 is no encryption at all), it does: that is what an eavesdropper reads too.
 */

export class SecEnvelopeError extends Error {}

/** The key the NVR hands out. Every kind but 'rsa-2048' is weak. */
export type KeyKind = 'rsa-2048' | 'rsa-1024' | 'rsa-512-padded' | 'e1' | 'e2' | 'e3';

export interface SimRsa {
  kind: KeyKind;
  weak: boolean;
  /** "N:<hex>,E:<hex>", as getEncryptInfo answers it (the 512-bit key's N is zero-padded to 2048 bits). */
  pub: string;
  /** Bytes of the advertised modulus. */
  size: number;
  /** The PKCS#1 block inside a salt (still padded); a SecEnvelopeError when this key cannot open it. */
  unwrap(salt: Buffer): Buffer;
}

const hexOf = (b64u: string) => Buffer.from(b64u, 'base64url').toString('hex').toUpperCase();

function rsaPair(bits: number, publicExponent = 0x10001) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, n: hexOf(jwk.n!), e: hexOf(jwk.e!), bytes: bits / 8 };
}

/** Raw RSA with the private key: the input left-padded to the modulus size (leading zero bytes allowed). */
function rawDecrypt(privateKey: KeyObject, bytes: number, c: Buffer): Buffer {
  let start = 0;
  while (c.length - start > bytes && c[start] === 0) start++;
  const body = c.subarray(start);
  if (body.length > bytes) throw new SecEnvelopeError('salt is longer than the key');
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(bytes - body.length), body]));
  } catch {
    throw new SecEnvelopeError('salt does not decrypt');
  }
}

const MAKERS: Record<KeyKind, () => SimRsa> = {
  'rsa-2048': () => standard('rsa-2048', rsaPair(2048)),
  'rsa-1024': () => standard('rsa-1024', rsaPair(1024)),
  e3: () => standard('e3', rsaPair(2048, 3)),
  // A 512-bit modulus written with 384 leading zero digits: it looks like 2048 bits by its length.
  'rsa-512-padded': () => {
    const k = rsaPair(512);
    return { kind: 'rsa-512-padded', weak: true, pub: `N:${k.n.padStart(512, '0')},E:${k.e}`, size: 256, unwrap: (c) => rawDecrypt(k.privateKey, k.bytes, c) };
  },
  // e=1: the "ciphertext" is the padded key itself; anyone on the wire reads it, so does the NVR.
  e1: () => {
    const k = rsaPair(2048);
    return { kind: 'e1', weak: true, pub: `N:${k.n},E:01`, size: 256, unwrap: (c) => leftPad(c, 256) };
  },
  // e=2 is not RSA (no inverse exponent): nobody, the NVR included, can open what is sealed with it.
  e2: () => {
    const k = rsaPair(2048);
    return {
      kind: 'e2', weak: true, pub: `N:${k.n},E:02`, size: 256, unwrap: () => {
        throw new SecEnvelopeError('sealed with e=2, which no one can open');
      },
    };
  },
};

function standard(kind: KeyKind, k: ReturnType<typeof rsaPair>): SimRsa {
  return { kind, weak: kind !== 'rsa-2048', pub: `N:${k.n},E:${k.e}`, size: k.bytes, unwrap: (c) => rawDecrypt(k.privateKey, k.bytes, c) };
}

function leftPad(c: Buffer, bytes: number): Buffer {
  let start = 0;
  while (c.length - start > bytes && c[start] === 0) start++;
  if (c.length - start > bytes) throw new SecEnvelopeError('salt is longer than the key');
  return Buffer.concat([Buffer.alloc(bytes - (c.length - start)), c.subarray(start)]);
}

/** A new key of that kind (2048 bits takes a moment: the NVR makes one per kind, once). */
export function makeRsa(kind: KeyKind = 'rsa-2048'): SimRsa {
  return MAKERS[kind]();
}

/** `Security.getEncryptInfo` params (field names as DahuaConsole's dahua.py prints them). */
export function encryptInfo(rsa: SimRsa): Record<string, unknown> {
  return { asymmetric: 'RSA', cipher: ['AES', 'RPAC'], AESPadding: ['ZERO'], pub: rsa.pub };
}

const MODES = {
  'RPAC-256': { algorithm: 'aes-256-cbc', keyLength: 32 },
  'AES-128': { algorithm: 'aes-128-ecb', keyLength: 16 },
} as const;
export type Cipher = keyof typeof MODES;
const IV = Buffer.from('0000000000000000', 'latin1');

/** The PKCS#1 v1.5 type-2 block checked by hand (00 02, at least 8 non-zero bytes, 00, message). */
function unwrapKey(rsa: SimRsa, salt: string): Buffer {
  if (!/^(?:[0-9a-f]{2})+$/i.test(salt) || salt.length > rsa.size * 2) throw new SecEnvelopeError('salt is not hex of at most the key size');
  const em = rsa.unwrap(Buffer.from(salt, 'hex'));
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10 || em.subarray(2, sep).includes(0)) throw new SecEnvelopeError('salt was not encrypted with this key');
  return em.subarray(sep + 1);
}

function aes(cipher: Cipher, key: Buffer, data: Buffer, decrypt: boolean): Buffer {
  const m = MODES[cipher];
  const iv = m.algorithm === 'aes-128-ecb' ? null : IV;
  const c = decrypt ? createDecipheriv(m.algorithm, key, iv) : createCipheriv(m.algorithm, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export interface OpenedEnvelope {
  key: Buffer;
  cipher: Cipher;
  body: unknown;
}

const Envelope = z.object({
  salt: z.string().max(4096),
  cipher: z.enum(['RPAC-256', 'AES-128']),
  content: z.string().max(1 << 20),
});

/** Opens `{salt, cipher, content}`; a SecEnvelopeError for anything that is not a well-formed envelope for this key. */
export function openEnvelope(rsa: SimRsa, params: unknown): OpenedEnvelope {
  const env = Envelope.safeParse(params);
  if (!env.success) throw new SecEnvelopeError('salt, a known cipher and content are required');
  const { salt, cipher, content } = env.data;
  const key = unwrapKey(rsa, salt);
  if (key.length !== MODES[cipher].keyLength) throw new SecEnvelopeError('key length does not match the cipher');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(content) || content.length % 4 !== 0) throw new SecEnvelopeError('content is not base64');
  const data = Buffer.from(content, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new SecEnvelopeError('content is not whole AES blocks');
  const plain = aes(cipher, key, data, true);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return { key, cipher, body: JSON.parse(plain.subarray(0, end).toString('utf8')) as unknown };
  } catch {
    throw new SecEnvelopeError('content is not JSON');
  }
}

/** True when params have the envelope's three fields (whether or not they open). */
export function looksSealed(params: unknown): boolean {
  return typeof params === 'object' && params !== null && ['salt', 'cipher', 'content'].every((k) => k in params);
}

/** The reply's `content`: the answer encrypted with the caller's own key and cipher. */
export function sealReply(body: unknown, key: Buffer, cipher: Cipher): string {
  const plain = Buffer.from(JSON.stringify(body), 'utf8');
  return aes(cipher, key, Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]), false).toString('base64');
}
