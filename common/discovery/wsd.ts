import { XMLParser } from 'fast-xml-parser';
import { obj } from '../json';

/** Namespaces of WS-Discovery as ONVIF devices speak it (2005/04 draft, WS-Addressing 2004/08). */
export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
} as const;

export const WSD_PORT = 3702;
export const WSD_GROUP = '239.255.255.250';
/** A ProbeMatches for one device is ~1–2 KiB; anything near a datagram's maximum is abuse. */
export const MAX_WSD_BYTES = 32 * 1024;

const PROBE_ACTION = `${NS.wsd}/Probe`;

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The Probe we multicast: both Types, so NVRs that only advertise tds:Device answer too. */
export function buildProbe(messageId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${PROBE_ACTION}</a:Action>` +
    `<a:MessageID>${xmlEscape(messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${NS.wsa}/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
    `<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types></d:Probe></s:Body></s:Envelope>`
  );
}

export interface WsdEndpoint {
  endpoint: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  metadataVersion?: number;
}

export type WsdMessage =
  | { kind: 'probe-matches'; messageId?: string; relatesTo?: string; matches: WsdEndpoint[] }
  | { kind: 'hello'; messageId?: string; endpoint: WsdEndpoint }
  | { kind: 'bye'; messageId?: string; endpoint: WsdEndpoint }
  | { kind: 'probe'; messageId?: string; types: string[] };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  // Entities are the classic XML bomb; devices never need them.
  processEntities: false,
  ignoreDeclaration: true,
  isArray: (name) => name === 'ProbeMatch',
});

// Hand-written guards rather than zod schemas here: this runs for every datagram
// (a thousand in half a second at a large site) and zod's generic walk tripled
// the cost. Same rules: anything not exactly the expected shape is dropped.
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

function words(v: unknown): string[] {
  const t = text(v);
  return t ? t.split(/\s+/).filter(Boolean).slice(0, 64) : [];
}

function toEndpoint(raw: unknown): ParseResult<WsdEndpoint> {
  const e = obj(raw);
  const ref = obj(e?.EndpointReference);
  const endpoint = text(ref?.Address);
  if (!e || !endpoint || endpoint.length > 256) return { ok: false, reason: 'missing or oversized endpoint address' };
  for (const f of ['Types', 'Scopes', 'XAddrs', 'MetadataVersion']) {
    if (e[f] !== undefined && text(e[f]) === undefined) return { ok: false, reason: `malformed ${f}` };
  }
  const mvText = text(e.MetadataVersion);
  const mv = mvText ? Number(mvText) : undefined;
  return {
    ok: true,
    value: {
      endpoint,
      types: words(e.Types),
      scopes: words(e.Scopes).filter((s) => s.length <= 512),
      xaddrs: words(e.XAddrs).filter((s) => s.length <= 512),
      ...(mv !== undefined && Number.isFinite(mv) ? { metadataVersion: mv } : {}),
    },
  };
}

/** Parses one datagram. Never throws: every reason to drop it comes back as a string. */
export function parseWsdMessage(data: string | Uint8Array): ParseResult<WsdMessage> {
  const size = typeof data === 'string' ? data.length : data.byteLength;
  if (size > MAX_WSD_BYTES) return { ok: false, reason: `oversized datagram (${size} bytes)` };
  const xml = typeof data === 'string' ? data : decoder.decode(data);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'DOCTYPE/ENTITY not allowed' };
  // A cheap well-formedness gate instead of the parser's full validator (which
  // doubled the per-datagram cost): the structural checks below are what keep
  // a lenient parse of broken XML from becoming a row.
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<[A-Za-z_]/.test(xml) || !/>\s*$/.test(xml)) return { ok: false, reason: 'malformed XML: not a single XML document' };
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return { ok: false, reason: `malformed XML: ${String(err instanceof Error ? err.message : err).slice(0, 120)}` };
  }
  const env = obj(obj(doc)?.Envelope);
  const body = obj(env?.Body);
  if (!env || !body) return { ok: false, reason: 'not a SOAP envelope' };
  const header = env.Header === undefined || env.Header === '' ? {} : obj(env.Header);
  if (!header) return { ok: false, reason: 'malformed SOAP header' };
  const messageId = text(header.MessageID) || undefined;
  if ('ProbeMatches' in body) {
    const pm = body.ProbeMatches === '' ? {} : obj(body.ProbeMatches);
    const list = pm?.ProbeMatch ?? [];
    if (!pm || !Array.isArray(list) || list.length > 256) return { ok: false, reason: 'malformed ProbeMatches' };
    const matches: WsdEndpoint[] = [];
    for (const raw of list) {
      const ep = toEndpoint(raw);
      if (!ep.ok) return { ok: false, reason: `malformed ProbeMatch: ${ep.reason}` };
      matches.push(ep.value);
    }
    return { ok: true, value: { kind: 'probe-matches', messageId, relatesTo: text(header.RelatesTo) || undefined, matches } };
  }
  for (const kind of ['Hello', 'Bye'] as const) {
    if (kind in body) {
      const ep = toEndpoint(body[kind]);
      if (!ep.ok) return { ok: false, reason: `malformed ${kind}: ${ep.reason}` };
      return { ok: true, value: { kind: kind === 'Hello' ? 'hello' : 'bye', messageId, endpoint: ep.value } };
    }
  }
  if ('Probe' in body) return { ok: true, value: { kind: 'probe', messageId, types: words(obj(body.Probe)?.Types) } };
  return { ok: false, reason: 'unknown WS-Discovery message' };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** What ONVIF scopes tell us (`onvif://www.onvif.org/<key>/<value>`); vendors add MAC/serial as extras. */
export interface ScopeInfo {
  name?: string;
  hardware?: string;
  mac?: string;
  serial?: string;
  types: string[];
  location?: string;
  manufacturer?: string;
}

export function parseScopes(scopes: string[]): ScopeInfo {
  const info: ScopeInfo = { types: [] };
  for (const s of scopes) {
    const m = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.+)$/i.exec(s);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    let value: string;
    try {
      value = decodeURIComponent(m[2] ?? '');
    } catch {
      value = m[2] ?? '';
    }
    value = value.slice(0, 128);
    if (key === 'name') info.name ??= value;
    else if (key === 'hardware') info.hardware ??= value;
    else if (key === 'mac' || key === 'macaddress') info.mac ??= normalizeMac(value);
    else if (key === 'serial' || key === 'serialnumber' || key === 'sn') info.serial ??= value;
    else if (key === 'type') info.types.push(value);
    else if (key === 'location') info.location ??= value;
    else if (key === 'manufacturer' || key === 'mfr') info.manufacturer ??= value;
  }
  return info;
}

/**
 * SoC names some firmwares put in the `hardware` scope (HiSilicon Hi3518C,
 * Goke GK7205, SigmaStar SSC335, Anyka AK3918, Fullhan FH8852, Novatek NT98562,
 * Ingenic T31): a chip, not the model a technician looks for.
 */
export function isChipName(s: string): boolean {
  return /^(hi\d{4}|gk\d{4}|ssc\d{3}|ak\d{4}|fh\d{4}|nt9\d{4}|t\d{2}[a-z]?|msc\d{3})[a-z0-9]*$/i.test(s.trim().replace(/[\s_-]?v\d+$/i, ''));
}

/** `AA-BB-CC-DD-EE-FF`, `aabbccddeeff` → `aa:bb:cc:dd:ee:ff`; anything else → undefined. */
export function normalizeMac(input: string): string | undefined {
  const hex = input.replace(/[^0-9a-f]/gi, '');
  if (hex.length !== 12 || /[^0-9a-f:.-]/i.test(input.replace(/[0-9a-f]/gi, ''))) return undefined;
  return hex.toLowerCase().match(/../g)?.join(':');
}
