import { createDecipheriv } from 'node:crypto';
import { encryptInfo, makeRsa, openEnvelope, SecEnvelopeError, type SimRsa } from '../nvr/sec-camera';
import type { SimKeyKind } from './firmware';

/**
 * The camera's side of the seal on `DevInit.account` / `DevInit.access`
 * (DOMAIN.md, "The seal"): `Security.getEncryptInfo` hands out the public half
 * of an RSA key; sealed params are `{salt, cipher, content}`. Opening reuses the
 * NVR simulator's independent opener (sim/nvr/sec-camera.ts); the exponent-1 key
 * needs its own, because with E = 1 the "encrypted" salt is the padded key itself.
 */

export interface SimKey {
  kind: SimKeyKind;
  /** `Security.getEncryptInfo` params. */
  info: Record<string, unknown>;
  /** The sealed body, or a SecEnvelopeError for anything that is not a well-formed envelope for this key. */
  open(params: Record<string, unknown>): unknown;
  /** A key a careful client refuses: whatever was sealed with it is readable by others. */
  weak: boolean;
}

// Key generation takes a moment (2048 bits): one key per kind for the whole process, made when first asked.
const made = new Map<SimKeyKind, SimKey>();

export function keyOf(kind: SimKeyKind): SimKey {
  let k = made.get(kind);
  if (!k) made.set(kind, (k = build(kind)));
  return k;
}

function build(kind: SimKeyKind): SimKey {
  switch (kind) {
    case 'rsa-2048':
      return standard(kind, makeRsa(2048), false);
    case 'rsa-1024':
      return standard(kind, makeRsa(1024), true);
    case 'rsa-512-padded': {
      // The modulus written with 192 zero bytes in front: 512 hex digits, 512 real bits.
      const rsa = makeRsa(512);
      const pub = rsa.pub.replace(/N:([0-9A-F]+)/, (_m, n: string) => `N:${'00'.repeat(192)}${n}`);
      return standard(kind, { ...rsa, pub }, true);
    }
    case 'exponent-1': {
      const rsa = makeRsa(2048);
      const pub = rsa.pub.replace(/E:[0-9A-F]+/, 'E:01');
      return { kind, info: { ...encryptInfo(rsa), pub }, open: openExponentOne, weak: true };
    }
  }
}

function standard(kind: SimKeyKind, rsa: SimRsa, weak: boolean): SimKey {
  return { kind, info: encryptInfo(rsa), open: (params) => openEnvelope(rsa, params).body, weak };
}

/** With E = 1 the salt is the PKCS#1 v1.5 block itself: anyone who sees it has the key. */
function openExponentOne(params: Record<string, unknown>): unknown {
  const { salt, cipher, content } = params;
  if (typeof salt !== 'string' || typeof cipher !== 'string' || typeof content !== 'string' || !/^[0-9a-f]+$/i.test(salt)) {
    throw new SecEnvelopeError('salt, cipher and content are required');
  }
  const block = Buffer.from(salt, 'hex');
  const start = block[0] === 0 ? 1 : 0;
  const sep = block.indexOf(0, start + 1);
  if (block[start] !== 2 || sep < 0) throw new SecEnvelopeError('salt is not a PKCS#1 block');
  const key = block.subarray(sep + 1);
  const mode = cipher === 'RPAC-256' ? { alg: 'aes-256-cbc', len: 32 } : cipher === 'AES-128' ? { alg: 'aes-128-ecb', len: 16 } : undefined;
  if (!mode || key.length !== mode.len) throw new SecEnvelopeError('unknown cipher or key length');
  const data = Buffer.from(content, 'base64');
  if (!data.length || data.length % 16) throw new SecEnvelopeError('content is not whole AES blocks');
  const d = createDecipheriv(mode.alg, key, mode.alg === 'aes-128-ecb' ? null : Buffer.from('0000000000000000', 'latin1'));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(data), d.final()]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return JSON.parse(plain.subarray(0, end).toString('utf8')) as unknown;
  } catch {
    throw new SecEnvelopeError('content is not JSON');
  }
}
