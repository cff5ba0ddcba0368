import type { DhipInfo } from '../domain/device';
import { isRecord } from '../json';

/**
 * DHIP, the discovery protocol of Dahua-family devices (DOMAIN.md): a 32-byte
 * little-endian header, then a JSON body. Pure (bytes in, values out, no Node
 * types) so the app, the CLI and any other host share one codec. Every
 * datagram is hostile: nothing here throws on bad input.
 */
export const DHIP_PORT = 37810;
export const DHIP_GROUP = '239.255.255.251';
export const DHIP_HEADER_BYTES = 32;
/** A device's answer is ~1–2 KiB; a body near a datagram's maximum is abuse. */
export const MAX_DHIP_BODY = 16 * 1024;

const MAGIC = 'DHIP';
const SEARCH_METHOD = 'DHDiscover.search';
const NOTIFY_METHOD = 'client.notifyDevInfo';

const encoder = new TextEncoder();

/** Frames a JSON body: u32 0x20, "DHIP", u32 session, u32 request id, u32 len, u32 0, u32 len, u32 0. */
export function encodeDhip(body: string, requestId: number, session = 0): Uint8Array {
  const payload = encoder.encode(body);
  const out = new Uint8Array(DHIP_HEADER_BYTES + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x20, true);
  out.set(encoder.encode(MAGIC), 4);
  v.setUint32(8, session >>> 0, true);
  v.setUint32(12, requestId >>> 0, true);
  v.setUint32(16, payload.length, true);
  v.setUint32(20, 0, true);
  v.setUint32(24, payload.length, true);
  v.setUint32(28, 0, true);
  out.set(payload, DHIP_HEADER_BYTES);
  return out;
}

/** The search every Dahua-family device answers; bare JSON without the header gets no answer. */
export function buildDhipSearch(requestId: number): Uint8Array {
  return encodeDhip(`${JSON.stringify({ method: SEARCH_METHOD, params: { mac: '', uni: 1 } })}\n`, requestId);
}

export interface DhipFrame {
  session: number;
  requestId: number;
  body: string;
}

export type DhipResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Checks the header and cuts the body out; a datagram without a valid header is never a device. */
export function decodeDhipFrame(bytes: Uint8Array): DhipResult<DhipFrame> {
  if (bytes.length < DHIP_HEADER_BYTES) return { ok: false, reason: `shorter than the ${DHIP_HEADER_BYTES}-byte DHIP header (${bytes.length} bytes)` };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== 0x20) return { ok: false, reason: 'header does not start with 0x20' };
  if (String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) !== MAGIC) return { ok: false, reason: 'no "DHIP" magic' };
  const len = v.getUint32(16, true);
  if (len !== v.getUint32(24, true)) return { ok: false, reason: 'the two body lengths in the header disagree' };
  if (len > MAX_DHIP_BODY) return { ok: false, reason: `oversized body (${len} bytes)` };
  // Some firmwares pad the datagram; a body longer than what arrived is truncation.
  if (DHIP_HEADER_BYTES + len > bytes.length) return { ok: false, reason: `truncated: header says ${len} body bytes, ${bytes.length - DHIP_HEADER_BYTES} arrived` };
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(DHIP_HEADER_BYTES, DHIP_HEADER_BYTES + len));
  } catch {
    return { ok: false, reason: 'body is not UTF-8' };
  }
  return { ok: true, value: { session: v.getUint32(8, true), requestId: v.getUint32(12, true), body } };
}

/** What a device says about itself, each field checked for type and size. */
export interface DhipDevice {
  mac?: string;
  deviceClass?: string;
  model?: string;
  serial?: string;
  vendor?: string;
  firmware?: string;
  name?: string;
  ipAddress?: string;
  info: DhipInfo;
}

export type DhipMessage = { kind: 'search'; requestId: number } | { kind: 'device'; requestId: number; device: DhipDevice };

export function parseDhipMessage(bytes: Uint8Array): DhipResult<DhipMessage> {
  const frame = decodeDhipFrame(bytes);
  if (!frame.ok) return frame;
  let json: unknown;
  try {
    json = JSON.parse(frame.value.body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!isRecord(json)) return { ok: false, reason: 'body is not a JSON object' };
  const { requestId } = frame.value;
  if (json.method === SEARCH_METHOD) return { ok: true, value: { kind: 'search', requestId } };
  const params = json.params;
  const info = isRecord(params) ? params.deviceInfo : undefined;
  if (json.method !== NOTIFY_METHOD || !isRecord(info)) return { ok: false, reason: `not a device answer (method ${text(json.method, 40) ?? '(none)'})` };
  return { ok: true, value: { kind: 'device', requestId, device: readDevice(text(json.mac, 32), info) } };
}

/**
 * Init (the NetSDK's byInitStatus). Bits 0–1: 1 = not initialised (no admin
 * password yet), 2 = initialised, else unknown. Bits 6–7: 1 = password reset NOT
 * supported, 2 = supported, 0 (older firmware) or 3 = unknown — so "non-zero"
 * does not mean supported. Field values seen on initialised cameras: 3210,
 * 3222, 3238 (bits 6–7 = 2).
 */
export function decodeInit(init: unknown): Pick<DhipInfo, 'init' | 'resetSupported'> {
  const n = int(init);
  if (n === undefined) return { init: 'unknown' };
  const low = n & 3;
  const reset = (n >>> 6) & 3;
  return {
    init: low === 1 ? 'not-initialised' : low === 2 ? 'initialised' : 'unknown',
    ...(reset === 1 ? { resetSupported: false } : reset === 2 ? { resetSupported: true } : {}),
  };
}

const RECORDER_CLASSES = /^(NVR|DVR|XVR|HCVR|NVS)/i;

/** A recorder by its channel count or its class (RemoteVideoInputChannels > 0 marks one). */
export function isDhipRecorder(d: Pick<DhipDevice, 'deviceClass' | 'info'>): boolean {
  return (d.info.remoteChannels ?? 0) > 0 || (d.deviceClass !== undefined && RECORDER_CLASSES.test(d.deviceClass));
}

const MAC_RE = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function readDevice(topMac: string | undefined, i: Record<string, unknown>): DhipDevice {
  const mac = [topMac, text(i.MAC, 32)].find((m) => m !== undefined && MAC_RE.test(m))?.replace(/-/g, ':').toLowerCase();
  const ipv4 = isRecord(i.IPv4Address) ? i.IPv4Address : undefined;
  const ip = text(ipv4?.IPAddress, 15);
  const deviceClass = text(i.DeviceClass, 32);
  const httpPort = port(i.HttpPort);
  const privatePort = port(i.Port);
  const remoteChannels = count(i.RemoteVideoInputChannels);
  const videoInputs = count(i.VideoInputChannels);
  const info: DhipInfo = {
    ...(deviceClass !== undefined ? { deviceClass } : {}),
    ...decodeInit(i.Init),
    ...(privatePort !== undefined ? { privatePort } : {}),
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(remoteChannels !== undefined ? { remoteChannels } : {}),
    ...(videoInputs !== undefined ? { videoInputs } : {}),
  };
  const out: DhipDevice = { info };
  const set = <K extends keyof DhipDevice>(k: K, v: DhipDevice[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('mac', mac);
  set('deviceClass', deviceClass);
  set('model', text(i.DeviceType, 64));
  set('serial', text(i.SerialNo, 64));
  set('vendor', text(i.Vendor, 64));
  set('firmware', text(i.Version, 64));
  set('name', text(i.MachineName, 64));
  set('ipAddress', ip !== undefined && IPV4_RE.test(ip) ? ip : undefined);
  return out;
}

/** Printable text only, trimmed, bounded: a device name is shown to the technician as is. */
function text(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return s && s.length <= max ? s : undefined;
}

function int(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
}

function port(v: unknown): number | undefined {
  const n = int(v);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}

/** Channel counts: a real recorder has at most a few hundred. */
function count(v: unknown): number | undefined {
  const n = int(v);
  return n !== undefined && n <= 4096 ? n : undefined;
}
