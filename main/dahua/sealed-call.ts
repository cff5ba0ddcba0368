import { DahuaError, type DahuaRpcClient } from './client';
import { EnvelopeError, openWithKey, sealKeyOf, sealWith, type SealKey } from './sec-envelope';
import { obj } from '../../common/json';

/**
 * Sealed calls as the NVR's own web page makes them (DOMAIN.md, "The seal"):
 * `Security.getEncryptInfo` gives the key, checked before anything is sealed
 * (sec-envelope.ts refuses weak keys); the request's params become
 * `{salt, cipher, content}` and the answer's `params.content` is opened with
 * the same AES key. The key is asked for again for every action: an NVR that
 * restarted may hand out another one.
 */

/** The NVR's key: none offered (older firmware), fit to seal with, or unfit (weak, unknown cipher, unreadable). */
export type KeyLookup = { state: 'absent' } | { state: 'fit'; key: SealKey } | { state: 'unfit'; reason: string };

/** The NVR answered and said no: a JSON-RPC error code of its own, or `result:false`. */
export function isRefusal(err: unknown): err is DahuaError {
  return err instanceof DahuaError && !err.answerLost && (err.kind === 'invalid-request' || err.kind === 'method-not-found' || err.kind === 'other');
}

export const isMissingMethod = (err: unknown): boolean => err instanceof DahuaError && err.kind === 'method-not-found';

export async function lookUpKey(client: DahuaRpcClient): Promise<KeyLookup> {
  let info: unknown;
  try {
    info = await client.call('Security.getEncryptInfo');
  } catch (err) {
    if (isMissingMethod(err)) return { state: 'absent' };
    if (isRefusal(err)) return { state: 'unfit', reason: `The NVR would not hand out its encryption key (${err.message})` };
    throw err;
  }
  try {
    return { state: 'fit', key: sealKeyOf(info) };
  } catch (err) {
    if (err instanceof EnvelopeError) return { state: 'unfit', reason: err.message };
    throw err;
  }
}

/** The NVR answered a sealed call, but not with anything this app can open: the answer proves nothing. */
export class UnreadableAnswer extends Error {}

const MAX_CONTENT = 4 * 1024 * 1024;

/** One sealed call: the request sealed with `key`, the answer's content opened with the same AES key. */
export async function sealedCall(client: DahuaRpcClient, key: SealKey, method: string, params: unknown): Promise<unknown> {
  const env = sealWith(params, key);
  const reply = await client.request(method, { salt: env.salt, cipher: env.cipher, content: env.content });
  const p = reply.params;
  const content = obj(p)?.['content'];
  if (typeof content !== 'string' || content.length > MAX_CONTENT) throw new UnreadableAnswer(`the NVR's answer to ${method} carries no sealed content`);
  try {
    return openWithKey(content, env.key, env.mode);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new UnreadableAnswer(`the NVR's answer to ${method} could not be opened (${err.message})`);
    throw err;
  }
}
