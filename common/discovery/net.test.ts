import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inNetwork, intToIp, ipToInt, isIpv4, parseHostTarget, parseRange } from './net';

describe('IPv4 ranges', () => {
  it('expands a /30 without network and broadcast addresses', () => {
    const r = parseRange('127.9.9.0/30');
    expect(r.ok && r.cidr.hosts()).toEqual(['127.9.9.1', '127.9.9.2']);
  });
  it('accepts a single address and an a-b range', () => {
    const one = parseRange('10.0.0.7');
    expect(one.ok && one.cidr.hosts()).toEqual(['10.0.0.7']);
    const ab = parseRange('10.0.0.250-10.0.1.1');
    expect(ab.ok && ab.cidr.hosts()).toEqual(['10.0.0.250', '10.0.0.251', '10.0.0.252', '10.0.0.253', '10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  });
  it('refuses anything larger than a /16, and garbage', () => {
    expect(parseRange('10.0.0.0/16').ok).toBe(true);
    for (const bad of ['10.0.0.0/15', '10.0.0.0/8', '0.0.0.0/0', '10.0.0.1-10.2.0.0', '10.0.0.256/24', '10.0.0.0/33', '10.0.0', 'nvr.local', '10.0.0.9-10.0.0.1']) {
      expect(parseRange(bad).ok, bad).toBe(false);
    }
  });
  it('round-trips addresses and never yields more than 65,536 hosts (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (n, prefix) => {
        const ip = intToIp(n);
        expect(isIpv4(ip)).toBe(true);
        expect(ipToInt(ip)).toBe(n);
        const r = parseRange(`${ip}/${prefix}`);
        if (prefix < 16) expect(r.ok).toBe(false);
        else {
          expect(r.ok).toBe(true);
          if (r.ok) {
            expect(r.cidr.size).toBeLessThanOrEqual(65536);
            expect(inNetwork(r.cidr.base, { address: ip, prefix })).toBe(true);
          }
        }
      }),
    );
  });
  it('never throws on arbitrary input (fuzz)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => void parseRange(s)));
  });
});

describe('manual targets', () => {
  it('accepts IPv4 or host name with an optional port', () => {
    expect(parseHostTarget('192.168.1.108')).toEqual({ ok: true, target: { host: '192.168.1.108' } });
    expect(parseHostTarget('nvr.local:8080')).toEqual({ ok: true, target: { host: 'nvr.local', port: 8080 } });
  });
  it('rejects schemes, paths, bad ports and bad addresses', () => {
    for (const bad of ['http://1.2.3.4', '1.2.3.4/onvif', '1.2.3.4:0', '1.2.3.4:70000', '1.2.3', '999.1.1.1', '-bad-.local', '', 'a b']) {
      expect(parseHostTarget(bad).ok, bad).toBe(false);
    }
  });
  it('never throws (fuzz)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseHostTarget(s)));
  });
});
