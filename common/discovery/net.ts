import { z } from 'zod';

/** Dotted-quad IPv4 only: discovery never deals in IPv6 or shorthand forms ("127.1"). */
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function maskToPrefix(mask: string): number {
  let n = ipToInt(mask);
  let bits = 0;
  while (n & 0x80000000) {
    bits++;
    n = (n << 1) >>> 0;
  }
  return bits;
}

/** An adapter's network: the range replies may legitimately come from. */
export interface Ipv4Net {
  address: string;
  prefix: number;
}

export function inNetwork(ip: string, net: Ipv4Net): boolean {
  if (!isIpv4(ip)) return false;
  const mask = prefixToMask(net.prefix);
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(net.address) & mask) >>> 0);
}

/** The largest sweep the app accepts: a /16 is 65,534 hosts, already an hour on a slow LAN. */
export const MIN_SWEEP_PREFIX = 16;

export interface Cidr {
  base: string;
  prefix: number;
  /** Usable host addresses (network and broadcast excluded for prefixes below /31). */
  hosts(): string[];
  size: number;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/** Accepts `a.b.c.d/nn`, a single `a.b.c.d`, or `a.b.c.d-e.f.g.h`, at most a /16's worth of hosts. */
export function parseRange(input: string): CidrResult {
  const s = input.trim();
  const dash = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(s);
  if (dash) {
    const [, a = '', b = ''] = dash;
    if (!isIpv4(a) || !isIpv4(b)) return { ok: false, reason: `not an IPv4 range: ${s.slice(0, 60)}` };
    const lo = ipToInt(a);
    const hi = ipToInt(b);
    if (hi < lo) return { ok: false, reason: 'range end is before its start' };
    const size = hi - lo + 1;
    if (size > 65536) return { ok: false, reason: 'range larger than a /16' };
    return { ok: true, cidr: { base: a, prefix: 32, size, hosts: () => Array.from({ length: size }, (_, i) => intToIp(lo + i)) } };
  }
  const m = /^([\d.]+)(?:\/(\d{1,2}))?$/.exec(s);
  if (!m || !isIpv4(m[1] ?? '')) return { ok: false, reason: `not an IPv4 address or CIDR: ${s.slice(0, 60)}` };
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  if (prefix > 32) return { ok: false, reason: 'prefix must be 0–32' };
  if (prefix < MIN_SWEEP_PREFIX) return { ok: false, reason: `range larger than a /${MIN_SWEEP_PREFIX}` };
  const mask = prefixToMask(prefix);
  const net = (ipToInt(m[1] ?? '') & mask) >>> 0;
  const total = 2 ** (32 - prefix);
  const skipEnds = prefix < 31;
  const first = skipEnds ? net + 1 : net;
  const size = skipEnds ? total - 2 : total;
  return {
    ok: true,
    cidr: { base: intToIp(net), prefix, size, hosts: () => Array.from({ length: size }, (_, i) => intToIp(first + i)) },
  };
}

export const RangeInput = z.string().max(64).refine((s) => parseRange(s).ok, { message: 'an IPv4 address, CIDR or a-b range no larger than a /16' });

/** RFC 1123 host names (what a technician types for a device with a DNS name). */
const HOSTNAME_RE = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export interface HostTarget {
  host: string;
  port?: number;
}

/** `192.168.1.108`, `nvr.local:8080`, `10.0.0.5:80`. No schemes, paths or IPv6. */
export function parseHostTarget(input: string): { ok: true; target: HostTarget } | { ok: false; reason: string } {
  const s = input.trim();
  const m = /^([^:/\s]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return { ok: false, reason: 'expected an IPv4 address or host name, optionally with :port' };
  const host = m[1] ?? '';
  const looksNumeric = /^[\d.]+$/.test(host);
  if (looksNumeric ? !isIpv4(host) : !HOSTNAME_RE.test(host)) return { ok: false, reason: `not a valid IPv4 address or host name: ${host.slice(0, 60)}` };
  if (m[2] === undefined) return { ok: true, target: { host } };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { ok: false, reason: 'port must be 1–65535' };
  return { ok: true, target: { host, port } };
}

export const HostTargetInput = z.string().max(260).refine((s) => parseHostTarget(s).ok, { message: 'an IPv4 address or host name, optionally with :port' });

/** Host part of a URL when it is a plain IPv4 address; undefined for names, IPv6 or garbage. */
export function urlIpv4Host(url: string): string | undefined {
  try {
    const u = new URL(url);
    return isIpv4(u.hostname) ? u.hostname : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host of a URL, `host:port` or bare host, lower case, without brackets or
 * port: one device whatever port or account reaches it (the NVR's web RPC and
 * its ONVIF service are one device; a bare IPv6 address keeps its colons).
 */
export function hostOf(urlOrHost: string): string {
  const s = urlOrHost.trim();
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return new URL(s).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    // not a URL: fall through to host[:port]
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const hostPort = /^([^:]+):\d+$/.exec(s);
  return (hostPort ? hostPort[1]! : s).toLowerCase();
}
