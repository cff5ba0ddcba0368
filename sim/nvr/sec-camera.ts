import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';

/**
 * The NVR's side of `LogicDeviceManager.secSetCamera` (DOMAIN.md, "Useful
 * methods"; marked uncertain there): `Security.getEncryptInfo` hands out the
 * public half of an RSA key; a caller sends `salt` = hex(RSA-PKCS#1 v1.5 of a
 * random key), `cipher` ("RPAC-256": AES-256-CBC, IV "0000000000000000";
 * "AES-128": AES-128-ECB; zero padding) and `content` = base64(AES(JSON)).
 * Written here from DOMAIN.md, independently of main/dahua/sec-envelope.ts, so
 * the client's envelope is checked by a second reading of the same notes.
 *
 * The plaintext shape is not documented anywhere we trust. This simulator
 * chooses `{"cameras":[{"channel":<0-based>,"DeviceInfo":{…the slot's fields…}}]}`
 * (a DeviceInfo without `Password` keeps the stored one); the app's client
 * sends the same. A real firmware may want another shape: that is a field test.
 */

export class SecEnvelopeError extends Error {}

export interface SimRsa {
  privateKey: KeyObject;
  /** "N:<hex>,E:<hex>", as getEncryptInfo answers it. */
  pub: string;
  /** Modulus length in bytes. */
  size: number;
}

export function makeRsa(bits = 2048): SimRsa {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' });
  const hex = (b64u: string) => Buffer.from(b64u, 'base64url').toString('hex').toUpperCase();
  return { privateKey, pub: `N:${hex(jwk.n!)},E:${hex(jwk.e!)}`, size: bits / 8 };
}

/** `Security.getEncryptInfo` params. */
export function encryptInfo(rsa: SimRsa): Record<string, unknown> {
  return { asymmetric: 'RSA', cipher: ['RPAC', 'AES'], pub: rsa.pub, AESPadding: ['ZERO'] };
}

const MODES = {
  'RPAC-256': { algorithm: 'aes-256-cbc', keyLength: 32 },
  'AES-128': { algorithm: 'aes-128-ecb', keyLength: 16 },
} as const;
type Cipher = keyof typeof MODES;
const IV = Buffer.from('0000000000000000', 'latin1');

/**
 * RSA without padding, then the PKCS#1 v1.5 type-2 block checked by hand
 * (00 02, at least 8 non-zero bytes, 00, message): Node 20 refuses
 * RSA_PKCS1_PADDING for private decryption.
 */
function unwrapKey(rsa: SimRsa, salt: string): Buffer {
  if (!/^[0-9a-f]+$/i.test(salt) || salt.length !== rsa.size * 2) throw new SecEnvelopeError('salt is not hex of the key size');
  let em: Buffer;
  try {
    em = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(salt, 'hex'));
  } catch {
    throw new SecEnvelopeError('salt does not decrypt');
  }
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

/** Opens `{salt, cipher, content}`; a SecEnvelopeError for anything that is not a well-formed envelope for this key. */
export function openEnvelope(rsa: SimRsa, params: Record<string, unknown>): OpenedEnvelope {
  const { salt, cipher, content } = params;
  if (typeof salt !== 'string' || typeof content !== 'string' || typeof cipher !== 'string') throw new SecEnvelopeError('salt, cipher and content are required');
  if (!Object.hasOwn(MODES, cipher)) throw new SecEnvelopeError('unknown cipher');
  const mode = cipher as Cipher;
  const key = unwrapKey(rsa, salt);
  if (key.length !== MODES[mode].keyLength) throw new SecEnvelopeError('key length does not match the cipher');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(content) || content.length % 4 !== 0) throw new SecEnvelopeError('content is not base64');
  const data = Buffer.from(content, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new SecEnvelopeError('content is not whole AES blocks');
  const plain = aes(mode, key, data, true);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return { key, cipher: mode, body: JSON.parse(plain.subarray(0, end).toString('utf8')) as unknown };
  } catch {
    throw new SecEnvelopeError('content is not JSON');
  }
}

/** The reply's `content`: the answer encrypted with the caller's own key and cipher. */
export function sealReply(body: unknown, key: Buffer, cipher: Cipher): string {
  const plain = Buffer.from(JSON.stringify(body), 'utf8');
  return aes(cipher, key, Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]), false).toString('base64');
}

export interface SecCamera {
  /** 0-based channel. */
  channel: number;
  info: Record<string, unknown>;
}

/** The cameras a decrypted secSetCamera body carries; a SecEnvelopeError for any other shape. */
export function camerasOf(body: unknown): SecCamera[] {
  const cameras = isRecord(body) ? body['cameras'] : undefined;
  if (!Array.isArray(cameras) || cameras.length === 0 || cameras.length > 1024) throw new SecEnvelopeError('cameras must be a list of 1 to 1024 entries');
  return cameras.map((c) => {
    const channel = isRecord(c) ? c['channel'] : undefined;
    const info = isRecord(c) ? c['DeviceInfo'] : undefined;
    if (typeof channel !== 'number' || !Number.isInteger(channel) || channel < 0 || channel >= 1024 || !isRecord(info)) throw new SecEnvelopeError('each camera needs channel and DeviceInfo');
    return { channel, info };
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
