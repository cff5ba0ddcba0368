import { obj } from './answers';
import type { SimChannel } from './types';

/**
 * A channel as the NVR reports it (a RemoteDevice slot; the same fields as a camera's
 * DeviceInfo) and as a write leaves it. Whether a write merges or replaces is not
 * known (DOMAIN.md), so the simulator replaces: every field of the slot comes from what
 * was written, and a field left out (or of another type) is emptied — an omitted, empty
 * or masked Password destroys the stored one, and that channel then fails to sign in.
 * (minhluuquang/dahua-NVR-ios-app sends `Password: ""` in a secSetCamera that edits another field;
 * whether real firmware then keeps the password is not known: here it does not.)
 */

export const MASK = '******';
/** DeviceInfo.Name is cut to this many characters (the real limit is unknown). */
export const NAME_MAX = 31;
export const slotKey = (i: number) => `uuid:System_CONFIG_NETCAMERA_INFO_${i}`;
export const isMask = (p: string) => /^\*+$/.test(p);

/**
 * Whether the NVR uses the channel. The slot's (DeviceInfo's) Enable and, on the newer firmware, the
 * camera object's own Enable are stored apart; which one the firmware honours is unknown, so a
 * channel records only while both say so.
 */
export const enabled = (c: SimChannel) => c.enable && c.camera?.['Enable'] !== false;

export type PasswordShown = 'stored' | 'masked' | 'absent';

/** The slot / DeviceInfo object of a channel. */
export function slotOf(c: SimChannel, passwords: PasswordShown): Record<string, unknown> {
  return {
    ...c.deviceInfo,
    Address: c.address,
    DeviceType: c.deviceType,
    Enable: c.enable,
    Name: c.name,
    Port: c.port,
    ProtocolType: c.protocol,
    UserName: c.username,
    ...(passwords === 'absent' ? {} : { Password: passwords === 'masked' ? MASK : c.password }),
  };
}

/** What an unused slot holds. */
export const UNUSED_SLOT: Readonly<Record<string, unknown>> = {
  Address: '192.168.0.0', Enable: false, Port: 37777, UserName: 'admin', Password: '', ProtocolType: 'Private', DeviceType: '', Name: '', VideoInputs: [],
};

/**
 * One camera of LogicDeviceManager's list (shape from secGetCameraAll as a public Python NVR tool
 * and minhluuquang/dahua-NVR-ios-app read it): the slot as DeviceInfo, keyed by UniqueChannel (0-based),
 * DeviceID the RemoteDevice slot key. `Channel` is the camera's own input (0), not the NVR's channel.
 */
export function cameraOf(c: SimChannel, i: number, passwords: PasswordShown): Record<string, unknown> {
  return { Enable: true, ...c.camera, DeviceID: slotKey(i), DeviceInfo: slotOf(c, passwords), UniqueChannel: i };
}

export function unusedCamera(i: number): Record<string, unknown> {
  return { Channel: 0, DeviceID: slotKey(i), DeviceInfo: { ...UNUSED_SLOT }, Enable: false, Type: 'Remote', UniqueChannel: i, VideoStream: 'Main' };
}

function emptyLike(v: unknown): unknown {
  if (typeof v === 'string') return '';
  if (typeof v === 'number') return 0;
  if (typeof v === 'boolean') return false;
  if (Array.isArray(v)) return [];
  return v && typeof v === 'object' ? {} : null;
}

const sameKind = (a: unknown, b: unknown) => (Array.isArray(a) ? Array.isArray(b) : typeof a === typeof b && (a === null) === (b === null) && !Array.isArray(b));

/** The extras as written: each known field from `written` when of the same kind, else emptied. */
function replaceExtras(old: Record<string, unknown> = {}, written: Record<string, unknown>, keepWhenNull: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(old)) {
    const w = written[k];
    // One public client (a Python NVR tool) sends VideoInputChannels: null; the NVR keeps what it knows.
    if (w === null && keepWhenNull.includes(k)) out[k] = v;
    else out[k] = sameKind(v, w) ? w : emptyLike(v);
  }
  return out;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The channel as a slot write (a RemoteDevice slot or a DeviceInfo) leaves it. */
export function slotAfter(c: SimChannel, written: Record<string, unknown>): SimChannel {
  const port = written['Port'];
  return {
    ...c,
    enable: written['Enable'] === true,
    address: str(written['Address']),
    port: typeof port === 'number' && Number.isInteger(port) ? port : 0,
    username: str(written['UserName']),
    password: str(written['Password']),
    protocol: str(written['ProtocolType']),
    deviceType: str(written['DeviceType']),
    name: str(written['Name']).slice(0, NAME_MAX),
    deviceInfo: replaceExtras(c.deviceInfo, written, ['VideoInputChannels']),
  };
}

/** A channel whose slot a table write left out: it becomes unused. */
export function unusedAfter(c: SimChannel): SimChannel {
  return slotAfter(c, UNUSED_SLOT);
}

/** The channel as a secSetCamera camera object leaves it: DeviceInfo as a slot write, the camera's own fields (Enable too) beside it. */
export function cameraAfter(c: SimChannel, cam: Record<string, unknown>): SimChannel {
  const next = slotAfter(c, obj(cam['DeviceInfo']) ?? {});
  next.camera = replaceExtras({ Enable: true, ...c.camera }, cam, []);
  return next;
}
