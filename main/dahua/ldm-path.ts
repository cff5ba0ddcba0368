import { CameraListError, parseCameraList, parseSetCameraAnswer, type CameraList, type LogicCamera } from '../../common/dahua/logic-device';
import { DahuaError, type DahuaRpcClient } from './client';
import { NvrWriteUnanswered, type ChannelEdit, type ChannelWriteOutcome, type StoredChannel } from './channel-store';
import { isMissingMethod, sealedCall, UnreadableAnswer } from './sealed-call';
import type { SealKey } from './sec-envelope';

/**
 * Newer firmware's camera list (LogicDeviceManager), as the NVR's own web page
 * and every public client use it: `secGetCameraAll` to read (sealed, stored
 * passwords included), `secSetCamera` `{"cameras":[cam]}` to write — only the
 * cameras being changed, each the whole object as read with the edit applied —
 * and the sealed answer opened and checked camera by camera.
 */

export interface LdmRead {
  /** The camera objects exactly as the NVR sent them (written back whole). */
  raw: readonly unknown[];
  list: CameraList;
  /** Whether `raw` came from the sealed read (stored passwords in it) or the plain one (masked or absent). */
  sealed: boolean;
}

const notSent = (detail: string) => new DahuaError({ kind: 'not-sent' }, detail);

/** `secGetCameraAll` (params: the JSON null, sealed); an answer that cannot be opened or read is an UnreadableAnswer. */
export async function readSealedList(client: DahuaRpcClient, key: SealKey): Promise<LdmRead> {
  const opened = await sealedCall(client, key, 'LogicDeviceManager.secGetCameraAll', null);
  return readOf(opened, true);
}

/** The plain `getCameraAll` (passwords masked or absent), or undefined on firmware without it. */
export async function readPlainList(client: DahuaRpcClient): Promise<LdmRead | undefined> {
  try {
    return readOf(await client.call('LogicDeviceManager.getCameraAll', null), false);
  } catch (err) {
    if (isMissingMethod(err)) return undefined;
    throw err;
  }
}

function readOf(answer: unknown, sealed: boolean): LdmRead {
  try {
    const list = parseCameraList(answer);
    return { raw: (answer as { camera: unknown[] }).camera, list, sealed };
  } catch (err) {
    if (err instanceof CameraListError) throw new UnreadableAnswer(`the NVR's camera list is not one this app can read (${err.message})`);
    throw err;
  }
}

/** Configured cameras whose stored password the read does not carry: a write of them would overwrite it. */
export function camerasWithoutPassword(read: LdmRead): number[] {
  return read.list.cameras.filter((c) => c.passwordState !== 'present').map((c) => c.channel);
}

type Raw = Record<string, unknown>;
const deviceInfo = (cam: Raw) => cam['DeviceInfo'] as Raw;

export function storedChannelsOf(read: LdmRead): StoredChannel[] {
  return read.list.cameras.map((c) => {
    const password = read.sealed && c.passwordState === 'present' ? (deviceInfo(read.raw[c.index] as Raw)['Password'] as string) : undefined;
    return {
      channel: c.channel,
      enabled: c.enabled,
      address: c.address,
      ...(c.port !== undefined ? { port: c.port } : {}),
      username: c.username,
      protocol: c.protocol,
      name: c.name,
      ...(password !== undefined ? { password } : {}),
    };
  });
}

/** The camera object to send: a copy of the one read, with only the edited fields changed; a DahuaError not-sent when it cannot be made whole. */
function editedCamera(read: LdmRead, cam: LogicCamera, edit: ChannelEdit): Raw {
  const out = structuredClone(read.raw[cam.index]) as Raw;
  const info = deviceInfo(out);
  if (edit.password !== undefined) info['Password'] = edit.password;
  else if (!read.sealed || cam.passwordState !== 'present') throw notSent(`the NVR did not give channel ${cam.channel}'s stored password, so writing the camera back would overwrite it`);
  if (edit.enable !== undefined) {
    const flags = [out, info].filter((o) => 'Enable' in o);
    if (!flags.length) throw notSent(`channel ${cam.channel} has no Enable setting this app read, so it cannot switch it`);
    for (const o of flags) o['Enable'] = edit.enable;
  }
  if (edit.name !== undefined) {
    if (!('Name' in info)) throw notSent(`channel ${cam.channel} has no Name setting this app read`);
    info['Name'] = edit.name;
  }
  return out;
}

/** The cameras of `edits`, each found once in the read; a DahuaError not-sent for any other channel. */
function camerasOf(read: LdmRead, edits: readonly ChannelEdit[]): { cam: LogicCamera; edit: ChannelEdit }[] {
  if (!edits.length) throw notSent('no channel to change');
  const channels = edits.map((e) => e.channel);
  if (new Set(channels).size !== channels.length) throw notSent('the same channel twice in one write');
  return edits.map((edit) => {
    const cam = read.list.cameras.find((c) => c.channel === edit.channel);
    if (!cam) throw notSent(`channel ${edit.channel} is not a camera on the NVR's list`);
    return { cam, edit };
  });
}

/**
 * One `secSetCamera` carrying only the edited cameras. Resolves with the NVR's
 * own verdict per camera; NvrWriteUnanswered when the answer is lost or says
 * nothing per camera (`result: true` alone is not proof); a DahuaError when the
 * NVR refused the call outright. Never sent a second way.
 */
export async function writeCameras(client: DahuaRpcClient, key: SealKey, read: LdmRead, edits: readonly ChannelEdit[]): Promise<ChannelWriteOutcome[]> {
  const cameras = camerasOf(read, edits).map(({ cam, edit }) => editedCamera(read, cam, edit));
  let opened: unknown;
  try {
    opened = await sealedCall(client, key, 'LogicDeviceManager.secSetCamera', { cameras });
  } catch (err) {
    if (err instanceof DahuaError && err.answerLost) throw new NvrWriteUnanswered(`The NVR's answer to the sealed write was lost (${err.message}); read the channels back to know whether it landed.`);
    if (err instanceof UnreadableAnswer) throw new NvrWriteUnanswered(`${err.message}; read the channels back to know whether the write landed.`);
    throw err;
  }
  const verdicts = parseSetCameraAnswer(opened);
  return edits.map(({ channel }) => {
    const v = verdicts?.get(channel);
    if (!v) throw new NvrWriteUnanswered(`The NVR answered the sealed write without saying whether channel ${channel} took it; read the channels back to know.`);
    return v.taken ? { channel, status: 'taken' } : { channel, status: 'refused', detail: v.detail };
  });
}
