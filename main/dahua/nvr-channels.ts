import { DahuaError, type DahuaRpcClient } from './client';
import type { ChannelEdit, ChannelWriteOutcome, NvrChannelStore, NvrFirmwareKind, StoredChannel, WritePathProof } from './channel-store';
import * as ldm from './ldm-path';
import { isMissingMethod, isRefusal, lookUpKey, UnreadableAnswer } from './sealed-call';
import type { SealKey } from './sec-envelope';
import * as table from './table-path';

/**
 * The NVR channel-store port (channel-store.ts) over Dahua's web JSON-RPC, for
 * both firmware families. Every call first works out, from the NVR's own
 * answers, which path this NVR's stored passwords take:
 *
 * - `Security.getEncryptInfo` offers a key fit to seal with and
 *   `secGetCameraAll` answers: LogicDeviceManager, sealed both ways;
 * - no getEncryptInfo and no LogicDeviceManager camera list: the RemoteDevice
 *   table, whose passwords cross in the request (the proof's note says so);
 * - anything else (a weak key; a camera list without a sealed way to write
 *   it; a seal offered but only the plain table to write; stored passwords
 *   hidden from the read the write must send back) cannot be written safely,
 *   and nothing is written.
 *
 * No plain write is ever tried first, and no write is ever sent a second way.
 * The key is asked for again on every call (a restarted NVR may hold another).
 */

type Resolution =
  | { ok: true; firmware: 'logic-device-manager'; key: SealKey; read: ldm.LdmRead }
  | { ok: true; firmware: 'remote-device-table'; read: table.TableRead }
  | { ok: false; firmware?: NvrFirmwareKind; reason: string; nextStep: string; readable?: StoredChannel[] };

const NEXT = {
  monitor: "Change the stored passwords on the NVR's own monitor (its remote-device or camera-registration page) after the cameras change, or update the NVR's firmware and run again.",
  weakKey: "Update the NVR's firmware (current firmware offers a proper key) and run again; until then change the stored passwords on the NVR's own monitor after the cameras change.",
} as const;

const blocked = (reason: string, nextStep: string, firmware?: NvrFirmwareKind, readable?: StoredChannel[]): Resolution => ({
  ok: false,
  reason,
  nextStep,
  ...(firmware ? { firmware } : {}),
  ...(readable ? { readable } : {}),
});

/**
 * Whether this firmware has LogicDeviceManager's camera list (the plain
 * getCameraAll, passwords masked or absent), and what it lists. Only "method
 * not found" means it has none: any other refusal or an unreadable answer
 * counts as present, so the table is never written on firmware that might
 * have the camera list.
 */
async function probePlainList(client: DahuaRpcClient): Promise<{ present: false } | { present: true; readable?: StoredChannel[] }> {
  try {
    const read = await ldm.readPlainList(client);
    return read ? { present: true, readable: ldm.storedChannelsOf(read) } : { present: false };
  } catch (err) {
    if (err instanceof UnreadableAnswer || isRefusal(err)) return { present: true };
    throw err;
  }
}

/** A seal is offered: the sealed camera list, or why this NVR cannot be written safely. */
async function resolveSealed(client: DahuaRpcClient, key: SealKey): Promise<Resolution> {
  let read: ldm.LdmRead | undefined;
  try {
    read = await ldm.readSealedList(client, key);
  } catch (err) {
    if (err instanceof UnreadableAnswer) return blocked(`The NVR's sealed camera list could not be read: ${err.message}.`, NEXT.monitor, 'logic-device-manager');
    if (isRefusal(err) && !isMissingMethod(err)) return blocked(`The NVR refused the app's sealed request for its camera list (${err.message}).`, NEXT.monitor, 'logic-device-manager');
    if (!isMissingMethod(err)) throw err;
  }
  if (read) {
    const hidden = ldm.camerasWithoutPassword(read);
    if (!hidden.length) return { ok: true, firmware: 'logic-device-manager', key, read };
    return blocked(`The NVR's sealed camera list hides the stored password of channel ${hidden.join(', ')}; writing those cameras back would overwrite it.`, NEXT.monitor, 'logic-device-manager', ldm.storedChannelsOf(read));
  }
  const plain = await probePlainList(client);
  if (plain.present) return blocked("This NVR lists its cameras through LogicDeviceManager but offers no sealed camera list, so the app cannot read the stored passwords a write must send back whole.", NEXT.monitor, 'logic-device-manager', plain.readable);
  return blocked('This NVR offers sealed requests but no sealed camera list; its channel table would take the password in a plain request, which the app never sends to an NVR that can seal.', NEXT.monitor);
}

/** No seal offered: the RemoteDevice table on firmware without LogicDeviceManager's camera list. */
async function resolveUnsealed(client: DahuaRpcClient): Promise<Resolution> {
  const plain = await probePlainList(client);
  if (plain.present) return blocked('This NVR lists its cameras through LogicDeviceManager, which takes stored passwords only sealed, but it offers no key to seal them with.', NEXT.monitor, 'logic-device-manager', plain.readable);
  const read = await table.readTable(client);
  const unsafe = table.tableUnsafe(read);
  if (unsafe) return blocked(`The NVR's channel table cannot be written back safely: ${unsafe}.`, NEXT.monitor, 'remote-device-table', table.storedChannelsOf(read));
  return { ok: true, firmware: 'remote-device-table', read };
}

async function resolve(client: DahuaRpcClient): Promise<Resolution> {
  const key = await lookUpKey(client);
  if (key.state === 'fit') return resolveSealed(client, key.key);
  if (key.state === 'absent') return resolveUnsealed(client);
  // A key unfit to seal with: nothing sealed with it, and (the NVR can seal) no password in a plain request either.
  const plain = await probePlainList(client);
  return blocked(key.reason, NEXT.weakKey, plain.present ? 'logic-device-manager' : undefined, plain.present ? plain.readable : undefined);
}

/** What the plan shows about how the password travels on firmware that cannot seal. */
function unsealedNote(client: DahuaRpcClient): string {
  return client.base.protocol === 'https:'
    ? "This NVR's firmware cannot seal passwords (no Security.getEncryptInfo): the new password goes to it protected by https only."
    : "This NVR's firmware cannot seal passwords (no Security.getEncryptInfo): the new password will cross the network to it readable, over plain http, where anyone on this network could read it.";
}

function proofOf(client: DahuaRpcClient, r: Resolution): WritePathProof {
  if (!r.ok) return { ok: false, ...(r.firmware ? { firmware: r.firmware } : {}), reason: r.reason, nextStep: r.nextStep };
  if (r.firmware === 'logic-device-manager') return { ok: true, firmware: r.firmware, sealed: true };
  return { ok: true, firmware: r.firmware, sealed: false, note: unsealedNote(client) };
}

function channelsOf(r: Resolution): StoredChannel[] {
  if (r.ok) return r.firmware === 'logic-device-manager' ? ldm.storedChannelsOf(r.read) : table.storedChannelsOf(r.read);
  if (r.readable) return r.readable;
  throw new DahuaError({ kind: 'not-sent' }, `${r.reason} ${r.nextStep}`);
}

async function write(client: DahuaRpcClient, edits: readonly ChannelEdit[]): Promise<ChannelWriteOutcome[]> {
  // A fresh read right before the write: the objects sent back are the NVR's current ones.
  const r = await resolve(client);
  if (!r.ok) throw new DahuaError({ kind: 'not-sent' }, `${r.reason} ${r.nextStep}`);
  return r.firmware === 'logic-device-manager' ? ldm.writeCameras(client, r.key, r.read, edits) : table.writeTable(client, r.read, edits);
}

/** `LogicDeviceManager.getCameraState`: connection state per 1-based channel, as the NVR spells it. */
export async function channelStates(client: DahuaRpcClient): Promise<Map<number, string>> {
  const p = await client.call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] });
  const states = p && typeof p === 'object' ? (p as Record<string, unknown>)['states'] : undefined;
  const out = new Map<number, string>();
  if (!Array.isArray(states)) return out;
  for (const s of states.slice(0, 512)) {
    const o = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
    const ch = o['channel'];
    const cs = o['connectionState'];
    if (typeof ch === 'number' && Number.isInteger(ch) && ch >= 0 && ch < 512 && typeof cs === 'string') out.set(ch + 1, cs.slice(0, 40));
  }
  return out;
}

/** The port over one signed-in client; each call is one action (the caller wraps it in `nvrAction`). */
export function dahuaChannelStore(client: DahuaRpcClient): NvrChannelStore {
  return {
    proveWritePath: async () => proofOf(client, await resolve(client)),
    readChannels: async () => channelsOf(await resolve(client)),
    writeChannels: (edits) => write(client, edits),
    channelStates: () => channelStates(client),
  };
}
