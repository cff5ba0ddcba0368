import { DahuaError, type DahuaRpcClient } from './client';
import { slotsOf } from './remote-device-update';
import { EnvelopeError, openWithKey, seal } from './sec-envelope';

/**
 * The RemoteDevice write newer firmware wants: `LogicDeviceManager.secSetCamera`
 * with the encrypted envelope (sec-envelope.ts), used only after plain
 * `configManager.setConfig` was refused.
 *
 * Only an explicit refusal (the NVR answered with a JSON-RPC error or
 * `result:false`) leads here. A dropped connection, a timeout or a lost session
 * leaves the plain write's fate unknown: sending the table a second way could
 * write it twice, so those go back to the caller, whose journal decides.
 *
 * The plaintext shape is not documented anywhere we trust (DOMAIN.md marks it
 * uncertain): `{"cameras":[{"channel":<0-based>,"DeviceInfo":{…slot…}}]}` with
 * every slot of the table, as read and edited; a slot whose password the NVR
 * masked has none (remote-device-update.ts leaves masks out), and the NVR keeps
 * the stored one. The simulator (sim/nvr/sec-camera.ts) takes the same shape.
 */

/** The NVR answered and said no: a JSON-RPC error code of its own, or `result:false`. */
export function isRefusal(err: unknown): err is DahuaError {
  return err instanceof DahuaError && (err.kind === 'invalid-request' || err.kind === 'method-not-found' || err.kind === 'other');
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * After `refusal` (plain setConfig's), writes `table` through secSetCamera. Where
 * the firmware has no secSetCamera (getEncryptInfo missing or refused, or an
 * envelope this app cannot make), rejects with `refusal` itself: the NVR's
 * answer to the write is the one the technician needs.
 */
export async function writeTableSealed(client: DahuaRpcClient, table: unknown, refusal: DahuaError): Promise<void> {
  const cameras = slotsOf(table).map(({ channel, slot }) => ({ channel: channel - 1, DeviceInfo: slot }));
  if (!cameras.length) throw refusal;
  let info;
  try {
    info = await client.call('Security.getEncryptInfo');
  } catch (err) {
    throw isRefusal(err) ? refusal : err;
  }
  let envelope;
  try {
    envelope = seal({ cameras }, info);
  } catch (err) {
    if (err instanceof EnvelopeError) throw refusal;
    throw err;
  }
  const answer = obj(await client.call('LogicDeviceManager.secSetCamera', { salt: envelope.salt, cipher: envelope.cipher, content: envelope.content }));
  // The NVR said yes outside the envelope; inside, it may still say no for a camera. An answer this app
  // cannot open is not a no: the channel watch then shows whether the password landed.
  const content = answer?.['content'];
  if (typeof content !== 'string') return;
  let opened;
  try {
    opened = openWithKey(content, envelope.key, envelope.mode);
  } catch (err) {
    if (err instanceof EnvelopeError) return;
    throw err;
  }
  if (obj(opened)?.['result'] === false) throw new DahuaError({ kind: 'other' }, 'LogicDeviceManager.secSetCamera, in its encrypted answer');
}
