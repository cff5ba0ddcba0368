import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { ParseResult } from './wsd';

export const SSDP_PORT = 1900;
/** @public UPnP's multicast group: the discovery split (in flight) sends its own M-SEARCH here. */
export const SSDP_GROUP = '239.255.255.250';
/** UPnP descriptions of cameras are a few KiB; a megabyte is already hostile. */
export const MAX_DESCRIPTION_BYTES = 256 * 1024;

export interface SsdpAnswer {
  location: string;
  usn: string;
  st?: string;
  server?: string;
  /** The UDN's uuid (stable per device). */
  uuid?: string;
  /** Serial carried in a Dahua-style USN (`uuid:…device_3_0-<serial>`). */
  serial?: string;
}

const Header = z.string().max(1024);
const Headers = z.object({ LOCATION: Header, USN: Header, ST: Header.optional(), SERVER: Header.optional() });

/** MX (1–5 s, UPnP) that lets a spec-following device answer inside our listening window. */
export function mxForWindow(windowMs: number): number {
  return Math.max(1, Math.min(5, Math.floor(windowMs / 1000) - 1));
}

export function buildMSearch(st: string, mx: number, port = SSDP_PORT): string {
  return ['M-SEARCH * HTTP/1.1', `HOST: ${SSDP_GROUP}:${port}`, 'MAN: "ssdp:discover"', `MX: ${mx}`, `ST: ${st}`, '', ''].join('\r\n');
}

/** Validates an M-SEARCH answer's headers (as node-ssdp hands them over, upper-cased). */
export function parseSsdpHeaders(headers: Record<string, unknown>): ParseResult<SsdpAnswer> {
  const h = Headers.safeParse(headers);
  if (!h.success) return { ok: false, reason: 'SSDP answer without a valid LOCATION or USN' };
  const location = h.data.LOCATION.trim();
  try {
    const u = new URL(location);
    if (u.protocol !== 'http:') return { ok: false, reason: `LOCATION is not http: ${location.slice(0, 80)}` };
  } catch {
    return { ok: false, reason: `LOCATION is not a URL: ${location.slice(0, 80)}` };
  }
  const usn = h.data.USN.trim();
  const uuid = /^uuid:([^:]+)/i.exec(usn)?.[1];
  return {
    ok: true,
    value: {
      location,
      usn,
      ...(h.data.ST ? { st: h.data.ST.trim() } : {}),
      ...(h.data.SERVER ? { server: h.data.SERVER.trim() } : {}),
      ...(uuid ? { uuid: uuid.toLowerCase() } : {}),
      ...dahuaSerial(usn),
    },
  };
}

/** Dahua-family devices put the serial at the end of the UDN: `uuid:…device_3_0-<serial>[::…]`. */
export function dahuaSerial(usn: string): { serial?: string } {
  const m = /device_\d+_\d+-([A-Za-z0-9]{6,40})(?:::|$)/.exec(usn);
  return m?.[1] ? { serial: m[1] } : {};
}

export interface UpnpDescription {
  manufacturer?: string;
  modelName?: string;
  modelNumber?: string;
  serialNumber?: string;
  friendlyName?: string;
  presentationURL?: string;
  udn?: string;
  deviceType?: string;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  ignoreDeclaration: true,
});

const Field = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim().slice(0, 256))
  .optional()
  .catch(undefined);

const DeviceXml = z.object({
  manufacturer: Field,
  modelName: Field,
  modelNumber: Field,
  serialNumber: Field,
  friendlyName: Field,
  presentationURL: Field,
  UDN: Field,
  deviceType: Field,
});

/** Parses a UPnP device description (root/device). Never throws. */
export function parseDescription(xml: string): ParseResult<UpnpDescription> {
  if (xml.length > MAX_DESCRIPTION_BYTES) return { ok: false, reason: `oversized description (${xml.length} bytes)` };
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'DOCTYPE/ENTITY not allowed' };
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (err) {
    return { ok: false, reason: `malformed XML: ${String(err instanceof Error ? err.message : err).slice(0, 120)}` };
  }
  const root = z.object({ root: z.object({ device: z.unknown() }) }).safeParse(doc);
  if (!root.success) return { ok: false, reason: 'not a UPnP device description' };
  const d = DeviceXml.safeParse(root.data.root.device);
  if (!d.success) return { ok: false, reason: 'malformed device element' };
  const out: UpnpDescription = {};
  const v = d.data;
  if (v.manufacturer) out.manufacturer = v.manufacturer;
  if (v.modelName) out.modelName = v.modelName;
  if (v.modelNumber) out.modelNumber = v.modelNumber;
  if (v.serialNumber) out.serialNumber = v.serialNumber;
  if (v.friendlyName) out.friendlyName = v.friendlyName;
  if (v.presentationURL) out.presentationURL = v.presentationURL;
  if (v.UDN) out.udn = v.UDN;
  if (v.deviceType) out.deviceType = v.deviceType;
  return { ok: true, value: out };
}
