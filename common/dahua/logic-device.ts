import { isPausedByApp } from '../nvr/pause-marker';
import { enableOf, isUnusedAddress, MAX_SLOTS, passwordStateOf, type PasswordState } from './remote-device';
import { obj } from '../json';

/**
 * Pure parsers for newer firmware's camera list (`LogicDeviceManager.getCameraAll`,
 * and `secGetCameraAll` once opened) and for `secSetCamera`'s opened answer
 * (DOMAIN.md, "Newer firmware"; the shapes five public clients show: each
 * camera `{Channel, UniqueChannel, DeviceID, Type, Enable, VideoStream,
 * DeviceInfo: {Address, Port, UserName, Password, ProtocolType, Name, …}}`).
 * Every input is hostile. Like remote-device.ts, nothing here returns a stored
 * password: only whether one is there, and where the camera sits in the list
 * (the caller keeps the raw object to write it back whole).
 */

export interface LogicCamera {
  /** Position in the list the NVR sent (the raw object is `list[index]`). */
  index: number;
  /** 0-based, as the NVR keys cameras in secSetCamera. */
  uniqueChannel: number;
  /** 1-based channel: UniqueChannel + 1. */
  channel: number;
  /** False when the NVR has the channel off (any Enable flag the camera carries is false). */
  enabled: boolean;
  address: string;
  port?: number;
  username: string;
  protocol: string;
  deviceType: string;
  name: string;
  passwordState: PasswordState;
  /** Disabled and named with this app's pause marker (common/nvr/pause-marker.ts): a channel a run paused. */
  pausedByApp: boolean;
}

export interface CameraList {
  /** Configured cameras (disabled ones included), in channel order. */
  cameras: LogicCamera[];
  /** Entries with no camera (no or an unused address). */
  unused: number;
  /** Entries that were not camera objects, had no usable UniqueChannel, or repeated one. */
  ignored: number;
  truncated: boolean;
}

export class CameraListError extends Error {}

const str = (v: unknown, max = 256): string => (typeof v === 'string' ? v.slice(0, max) : typeof v === 'number' ? String(v) : '');
const channelNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MAX_SLOTS ? v : undefined);

function port(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** Every Enable flag the camera carries (top level and DeviceInfo) must be on; a camera with none is on. */
function enabledOf(cam: Record<string, unknown>, info: Record<string, unknown>): boolean {
  return [cam['Enable'], info['Enable']].filter((v) => v !== undefined).every((v) => enableOf(v) === true);
}

function cameraOf(index: number, cam: Record<string, unknown>, info: Record<string, unknown>, uniqueChannel: number): LogicCamera {
  const inputs = info['VideoInputs'];
  const inputName = str(obj(Array.isArray(inputs) ? inputs[0] : undefined)?.['Name']);
  const p = port(info['Port']);
  return {
    index,
    uniqueChannel,
    channel: uniqueChannel + 1,
    enabled: enabledOf(cam, info),
    address: str(info['Address']).trim(),
    ...(p !== undefined ? { port: p } : {}),
    username: str(info['UserName'], 64),
    protocol: str(info['ProtocolType'], 32),
    deviceType: str(info['DeviceType'], 64),
    name: str(info['Name']) || inputName,
    passwordState: passwordStateOf(info['Password']),
    pausedByApp: isPausedByApp({ enabled: enabledOf(cam, info), name: str(info['Name']) }),
  };
}

/** The `camera` list of a getCameraAll answer (`params.camera`) or of an opened secGetCameraAll (`{camera}`). */
export function parseCameraList(answer: unknown): CameraList {
  const list = obj(answer)?.['camera'];
  if (!Array.isArray(list)) throw new CameraListError('the camera list is missing or not a list');
  const out: CameraList = { cameras: [], unused: 0, ignored: 0, truncated: list.length > MAX_SLOTS };
  const entries = list.slice(0, MAX_SLOTS).map((entry) => {
    const cam = obj(entry);
    return { cam, info: obj(cam?.['DeviceInfo']), uc: channelNumber(cam?.['UniqueChannel']) };
  });
  // Two entries with one UniqueChannel are ambiguous: neither is safe to write back, so both are left out.
  const count = new Map<number, number>();
  for (const e of entries) if (e.uc !== undefined) count.set(e.uc, (count.get(e.uc) ?? 0) + 1);
  entries.forEach(({ cam, info, uc }, index) => {
    if (!cam || !info || uc === undefined || count.get(uc)! > 1) out.ignored++;
    else if (isUnusedAddress(str(info['Address']))) out.unused++;
    else out.cameras.push(cameraOf(index, cam, info, uc));
  });
  out.cameras.sort((a, b) => a.channel - b.channel);
  return out;
}

/** What secSetCamera's opened answer says about one camera. */
export type SetCameraVerdict = { taken: true } | { taken: false; detail: string };

/**
 * secSetCamera's opened answer, per 1-based channel. The one public model of it
 * is a list of `{UniqueChannel, failedCode}` (the iOS NVR app); a failedCode
 * of 0 or false is taken, anything else refused. An answer that names no
 * camera this way (`{"result": true}`, junk) is undefined: it proves nothing.
 */
export function parseSetCameraAnswer(opened: unknown): Map<number, SetCameraVerdict> | undefined {
  const list = Array.isArray(opened) ? opened : obj(opened)?.['cameras'];
  if (!Array.isArray(list)) return undefined;
  const out = new Map<number, SetCameraVerdict>();
  for (const entry of list.slice(0, MAX_SLOTS)) {
    const e = obj(entry);
    const uc = channelNumber(e?.['UniqueChannel']);
    if (!e || uc === undefined || !('failedCode' in e)) continue;
    const code = e['failedCode'];
    if (out.has(uc + 1)) {
      out.set(uc + 1, { taken: false, detail: 'the NVR answered twice for this camera' });
      continue;
    }
    out.set(uc + 1, code === 0 || code === false ? { taken: true } : { taken: false, detail: `the NVR refused this camera (failedCode ${str(code, 40) || JSON.stringify(code)?.slice(0, 40) || '?'})` });
  }
  return out.size ? out : undefined;
}
