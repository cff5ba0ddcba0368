/**
 * Deterministic, realistic identities for simulated Dahua/Amcrest-family devices.
 * Everything derives from (seed, kind, index) so tests can recompute what a device will say
 * without starting it, and a 1,000-device bench gets distinct serials/MACs/UUIDs.
 */

export type SimKind = 'nvr' | 'camera';

export interface SimIdentity {
  kind: SimKind;
  index: number; // -1 for the NVR, camera index otherwise
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
  mac: string;
  endpointUuid: string; // urn:uuid:…
  name: string;
  /** The title its picture's OSD shows: the channel title the site's NVR gives this camera (CHANNEL_TITLES). */
  osdTitle: string;
}

/** Channel titles of the simulated site, by camera index (the NVR's channel list and each camera's OSD agree). */
export const CHANNEL_TITLES = ['Front door', 'Driveway', 'Back yard', 'Garage', 'Side gate', 'Porch', 'Office', 'Warehouse', 'Loading bay', 'Lobby'] as const;

/**
 * Demo credentials of the simulated site (not real secrets). The NVR's admin password is the one
 * the customer "forgot"; cameras still carry the installer's old password.
 */
export const SITE_CREDENTIALS = {
  nvr: { username: 'admin', password: 'Forgot2019x' },
  camera: { username: 'admin', password: 'Install2019' },
  cameraOperator: { username: 'onvif', password: 'Operator2019' },
} as const;

interface Catalog {
  manufacturer: string;
  model: string;
  firmware: string;
  hardwareId: string;
  oui: string;
}

const NVR_MODELS: Catalog[] = [
  { manufacturer: 'Dahua', model: 'DHI-NVR4108HS-8P-4KS2', firmware: '4.001.0000000.2.R, Build Date 2021-07-19', hardwareId: '1.00', oui: '3c:ef:8c' },
];

const CAMERA_MODELS: Catalog[] = [
  { manufacturer: 'Dahua', model: 'IPC-HDW2431T-AS-S2', firmware: '2.800.0000000.25.R, Build Date 2020-11-06', hardwareId: '1.00', oui: '3c:ef:8c' },
  { manufacturer: 'Amcrest', model: 'IP8M-2496EB', firmware: 'V2.800.00AC006.0.R, Build Date 2021-03-12', hardwareId: '1.00', oui: '9c:8e:cd' },
  { manufacturer: 'Dahua', model: 'IPC-HFW2431S-S-S2', firmware: '2.800.0000000.16.R, Build Date 2020-05-21', hardwareId: '1.00', oui: '3c:ef:8c' },
  { manufacturer: 'Amcrest', model: 'IP4M-1041B', firmware: 'V2.620.00AC00C.3.R, Build Date 2019-08-30', hardwareId: '1.00', oui: '9c:8e:cd' },
  { manufacturer: 'Dahua', model: 'IPC-HDBW2431E-S-S2', firmware: '2.800.0000000.25.R, Build Date 2020-11-06', hardwareId: '1.00', oui: '3c:ef:8c' },
];

/** mulberry32: tiny seeded PRNG (demo identities; tests that replay a run from its seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIAL_CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** Builds one identity. `index` is -1 for the NVR, 0…n-1 for cameras. */
export function makeIdentity(kind: SimKind, index: number, seed = 1): SimIdentity {
  // Mix the inputs so neighbouring indices do not produce correlated streams.
  const rnd = prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 2, 0xc2b2ae35) ^ (kind === 'nvr' ? 0x27d4eb2f : 0));
  const cat = kind === 'nvr' ? NVR_MODELS[0]! : CAMERA_MODELS[Math.max(0, index) % CAMERA_MODELS.length]!;
  // Dahua serials: 15 uppercase alphanumerics, starting with a factory/lot prefix.
  let serial = kind === 'nvr' ? '7M0' : '6J0';
  while (serial.length < 11) serial += SERIAL_CHARS[Math.floor(rnd() * SERIAL_CHARS.length)];
  // The last four carry the index so 1,000 devices never collide on serial.
  serial += (index + 1).toString(36).toUpperCase().padStart(4, '0');
  // NIC part of the MAC embeds the index for the same uniqueness reason.
  const nic = (index + 2) & 0xffff;
  const mac = `${cat.oui}:${hex2(Math.floor(rnd() * 256))}:${hex2(nic >> 8)}:${hex2(nic)}`;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const uuid = `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(3)}-${mac.replace(/:/g, '')}`;
  return {
    kind,
    index,
    manufacturer: cat.manufacturer,
    model: cat.model,
    firmwareVersion: cat.firmware,
    serialNumber: serial,
    hardwareId: cat.hardwareId,
    mac,
    endpointUuid: `urn:uuid:${uuid}`,
    name: kind === 'nvr' ? 'NVR' : `Camera ${String(index + 1).padStart(2, '0')}`,
    osdTitle: kind === 'nvr' ? 'NVR' : CHANNEL_TITLES[index % CHANNEL_TITLES.length]!,
  };
}

/** The NVR plus `cameras` camera identities of one site. */
export function siteIdentities(cameras: number, seed = 1): { nvr: SimIdentity; cameras: SimIdentity[] } {
  return {
    nvr: makeIdentity('nvr', -1, seed),
    cameras: Array.from({ length: cameras }, (_, i) => makeIdentity('camera', i, seed)),
  };
}
