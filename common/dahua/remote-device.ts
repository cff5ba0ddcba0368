import { isPausedByApp } from '../nvr/pause-marker';
import { obj } from '../json';

/**
 * Pure parsers for what a Dahua-family NVR answers about its channels. Every
 * input is hostile: wrong types, missing fields, thousands of slots. Nothing
 * here ever returns a stored password; it only says whether one is there.
 */

/** More slots than any recorder has (256-channel models exist); anything past this is dropped. */
export const MAX_SLOTS = 512;
const UNUSED_ADDRESSES = new Set(['', '0.0.0.0', '192.168.0.0']);

/** An unused slot's address (a slot's address, not its Enable flag, says whether it is a channel). */
export function isUnusedAddress(address: string): boolean {
  return UNUSED_ADDRESSES.has(address.trim());
}

/** Enable as firmware spells it: true/false, "true"/"false", 1/0; anything else is undefined. */
export function enableOf(v: unknown): boolean | undefined {
  if (v === true || v === 'true' || v === 1) return true;
  if (v === false || v === 'false' || v === 0) return false;
  return undefined;
}
const UUID_KEY = /^uuid:System_CONFIG_NETCAMERA_INFO_(\d{1,4})$/;

export type PasswordState = 'present' | 'masked' | 'absent';

export interface RemoteSlot {
  /** The key the NVR used: `uuid:System_CONFIG_NETCAMERA_INFO_<n>` or the array index as a string. */
  key: string;
  /** 1-based channel number (slot n → channel n + 1). */
  channel: number;
  /** False for a configured channel the NVR has disabled (it does not record): still a channel, not an empty slot. */
  enabled: boolean;
  address: string;
  port?: number;
  username: string;
  /** Private, Onvif, … as the NVR spells it. */
  protocol: string;
  deviceType: string;
  name: string;
  passwordState: PasswordState;
  /** Disabled and named with this app's pause marker (common/nvr/pause-marker.ts): a channel a run paused. */
  pausedByApp: boolean;
}

export interface RemoteDeviceTable {
  style: 'uuid' | 'indexed';
  /** Configured slots only, disabled ones included (unused ones are left out), in channel order. */
  slots: RemoteSlot[];
  /** Slots with no camera (address 192.168.0.0, 0.0.0.0 or empty). */
  unused: number;
  /** Entries that were not objects or had an unknown key. */
  ignored: number;
  truncated: boolean;
}

export class DahuaParseError extends Error {}

const str = (v: unknown, max = 256): string => (typeof v === 'string' ? v.slice(0, max) : typeof v === 'number' ? String(v) : '');

function port(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** A password field that is a run of one repeated mask character (`******`, `xxxxxxxx`) is a mask, not a password. */
export function passwordStateOf(v: unknown): PasswordState {
  if (typeof v !== 'string' || v === '') return 'absent';
  if (/^(\*+|x{6,}|•+)$/i.test(v)) return 'masked';
  return 'present';
}

function slotOf(key: string, index: number, raw: Record<string, unknown>): RemoteSlot | 'unused' {
  const address = str(raw['Address']).trim();
  // A disabled slot that still names a camera is a paused channel, not an empty slot: it must stay visible.
  if (isUnusedAddress(address)) return 'unused';
  const enabled = enableOf(raw['Enable']) === true;
  // An array from the JSON-RPC; an object with numeric keys from the CGI's key=value lines.
  const inputs = raw['VideoInputs'];
  const inputName = str(obj(Array.isArray(inputs) ? inputs[0] : obj(inputs)?.['0'])?.['Name']);
  return {
    key,
    channel: index + 1,
    enabled,
    address,
    ...(port(raw['Port']) !== undefined ? { port: port(raw['Port']) } : {}),
    username: str(raw['UserName'], 64),
    protocol: str(raw['ProtocolType'], 32),
    deviceType: str(raw['DeviceType'], 64),
    name: inputName || str(raw['Name']),
    passwordState: passwordStateOf(raw['Password']),
    pausedByApp: isPausedByApp({ enabled, name: str(raw['Name']) }),
  };
}

/** 0-based slot index of a RemoteDevice key, either style (`uuid:System_CONFIG_NETCAMERA_INFO_<n>` or an index); undefined for other keys. */
export function slotIndexOf(key: string): number | undefined {
  const m = UUID_KEY.exec(key) ?? /^(\d{1,4})$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** `configManager.getConfig {name: "RemoteDevice"}` → `params.table`, either key style. */
export function parseRemoteDeviceTable(table: unknown): RemoteDeviceTable {
  const entries: [string, number, unknown][] = [];
  let style: RemoteDeviceTable['style'];
  let ignored = 0;
  if (Array.isArray(table)) {
    style = 'indexed';
    table.slice(0, MAX_SLOTS).forEach((v, i) => entries.push([String(i), i, v]));
  } else if (obj(table)) {
    const keys = Object.keys(table as object);
    style = keys.some((k) => UUID_KEY.test(k)) ? 'uuid' : 'indexed';
    for (const k of keys) {
      const index = slotIndexOf(k);
      if (index === undefined) {
        ignored++;
        continue;
      }
      entries.push([k, index, (table as Record<string, unknown>)[k]]);
    }
  } else {
    throw new DahuaParseError('the RemoteDevice table is missing or not a table');
  }
  const total = Array.isArray(table) ? table.length : entries.length;
  entries.sort((a, b) => a[1] - b[1]);
  const kept = entries.filter(([, i]) => i < MAX_SLOTS);
  const slots: RemoteSlot[] = [];
  let unused = 0;
  const seen = new Set<number>();
  for (const [key, index, value] of kept) {
    const raw = obj(value);
    if (!raw || seen.has(index)) {
      ignored++;
      continue;
    }
    seen.add(index);
    const s = slotOf(key, index, raw);
    if (s === 'unused') unused++;
    else slots.push(s);
  }
  return { style, slots, unused, ignored, truncated: total > MAX_SLOTS || kept.length < entries.length };
}

/** `configManager.getConfig {name: "ChannelTitle"}` → `params.table`: index n is channel n + 1. */
export function parseChannelTitles(table: unknown): Map<number, string> {
  const out = new Map<number, string>();
  const list: [number, unknown][] = Array.isArray(table)
    ? table.slice(0, MAX_SLOTS).map((v, i) => [i, v])
    : obj(table)
      ? Object.entries(table as object)
          .filter(([k]) => /^\d{1,4}$/.test(k) && Number(k) < MAX_SLOTS)
          .map(([k, v]) => [Number(k), v])
      : [];
  for (const [i, v] of list) {
    const name = str(obj(v)?.['Name']).trim();
    if (name) out.set(i + 1, name);
  }
  return out;
}

export type ConnectionState = 'connected' | 'disconnected' | 'unknown';

/** `LogicDeviceManager.getCameraState` → `params.states[]` {channel (0-based), connectionState}. */
export function parseCameraStates(params: unknown): Map<number, ConnectionState> {
  const out = new Map<number, ConnectionState>();
  const states = obj(params)?.['states'];
  if (!Array.isArray(states)) return out;
  for (const s of states.slice(0, MAX_SLOTS)) {
    const o = obj(s);
    const ch = o?.['channel'];
    if (!o || typeof ch !== 'number' || !Number.isInteger(ch) || ch < 0 || ch >= MAX_SLOTS) continue;
    const cs = str(o['connectionState']);
    out.set(ch + 1, cs === 'Connected' ? 'connected' : cs ? 'disconnected' : 'unknown');
  }
  return out;
}
