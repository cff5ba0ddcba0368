import { makeRsa, type KeyKind, type SimRsa } from '../sec-camera';
import { DEFAULT_RPC_FAULTS, type NvrRequest, type NvrRpcFaultOptions, type NvrRpcFaults, type NvrRpcStats, type SimChannel } from './types';

/** What every handler of the simulated NVR works on: its options, faults, channels, counters and log. */
export interface Nvr {
  identity: { serialNumber: string; model: string; firmwareVersion: string };
  /** The NVR's accounts (shared with its ONVIF service and reset page). */
  password(username: string): string | undefined;
  realm: string;
  faults: NvrRpcFaults;
  channels: SimChannel[];
  /** Where each channel's camera really is: a write that moves Address or Port loses it. */
  homes: { address: string; port: number }[];
  stats: NvrRpcStats;
  log: NvrRequest[];
  now(): number;
  /** The key in force (faults.key), made once per kind. */
  key(): SimRsa;
}

export function newStats(): NvrRpcStats {
  return {
    loginFailures: 0, consecutiveFailures: 0, logins: 0, lockedRefusals: 0, keepAlives: 0, logouts: 0, lockedUntil: 0, calls: {},
    setConfigs: 0, maskWrites: 0, destroyedPasswords: 0, secSetCameras: 0, secSetCameraRefusals: 0, cameraRefusals: 0, secGetCameraAlls: 0,
    plainPasswordRefusals: 0, storeRefusals: 0, pauseRefusals: 0, sealedWithWeakKey: 0, cgiRequests: 0, passwordInUrl: 0,
  };
}

/** Merges a fault subset into `into` (nested login/lockout merged, the deprecated personality switch honoured). */
export function mergeFaults(into: NvrRpcFaults, f: NvrRpcFaultOptions = {}): NvrRpcFaults {
  const { login, lockout, remoteDeviceWrite, ...flat } = f;
  Object.assign(into, flat);
  if (login) into.login = { ...into.login, ...login };
  if (lockout) into.lockout = { ...into.lockout, ...lockout };
  if (remoteDeviceWrite) into.firmware = remoteDeviceWrite === 'encrypted-only' ? 'logic-device-manager' : 'remote-device-table';
  return into;
}

export function initialFaults(f?: NvrRpcFaultOptions): NvrRpcFaults {
  const base = structuredClone(DEFAULT_RPC_FAULTS);
  return mergeFaults(base, f);
}

/** One lazily made key per kind, for the NVR's life (2048 bits takes a moment). */
export function keyRing(faults: NvrRpcFaults): () => SimRsa {
  const keys = new Map<KeyKind, SimRsa>();
  return () => {
    let k = keys.get(faults.key);
    if (!k) keys.set(faults.key, (k = makeRsa(faults.key)));
    return k;
  };
}

const DEVICE_INFO_DEFAULTS = (c: SimChannel): Record<string, unknown> => ({
  AudioInputChannels: 0,
  DeviceClass: 'IPC',
  Encryption: 0,
  HttpPort: 80,
  HttpsPort: 443,
  LoginType: 0,
  Mac: '',
  PoE: false,
  PoEPort: 0,
  RtspPort: 554,
  SerialNo: '',
  VideoInputChannels: 1,
  VideoInputs: [{ BufDelay: 160, Enable: true, ExtraStreamUrl: '', MainStreamUrl: '', Name: c.name, ServiceType: 'AUTO' }],
});

/** Fills each channel's slot extras with what a real NVR reports, keeping what the caller gave. */
export function withDefaults(c: SimChannel): SimChannel {
  c.deviceInfo = { ...DEVICE_INFO_DEFAULTS(c), ...c.deviceInfo };
  c.camera = { Channel: 0, Type: 'Remote', VideoStandard: 'PAL', VideoStream: 'Main', ...c.camera };
  return c;
}
