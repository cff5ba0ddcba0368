import { encryptInfo, makeRsa, openEnvelope, type KeyKind } from '../nvr/sec-camera';

/**
 * The camera's side of the seal on `DevInit.account` / `DevInit.access`
 * (DOMAIN.md, "The seal"): `Security.getEncryptInfo` hands out the public half
 * of an RSA key; sealed params are `{salt, cipher, content}`. The keys and the
 * opener are the NVR simulator's (sim/nvr/sec-camera.ts, an independent reading
 * of the same notes, weak kinds included): one seal, two devices.
 */

export type { KeyKind };

export interface SimKey {
  /** `Security.getEncryptInfo` params. */
  info: Record<string, unknown>;
  /** The sealed body, or a SecEnvelopeError for anything that is not a well-formed envelope for this key. */
  open(params: unknown): unknown;
  /** A key a careful client refuses: whatever was sealed with it is readable by others (or by no one). */
  weak: boolean;
}

// Key generation takes a moment (2048 bits): one key per kind for the whole process, made when first asked.
const made = new Map<KeyKind, SimKey>();

export function keyOf(kind: KeyKind): SimKey {
  let k = made.get(kind);
  if (!k) {
    const rsa = makeRsa(kind);
    made.set(kind, (k = { info: encryptInfo(rsa), open: (params) => openEnvelope(rsa, params).body, weak: rsa.weak }));
  }
  return k;
}
