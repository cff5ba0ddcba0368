import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildProbe, isChipName, MAX_WSD_BYTES, normalizeMac, parseScopes, parseWsdMessage } from './wsd';

const match = (relatesTo: string, extra = '') =>
  `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
  `<SOAP-ENV:Header><wsa:MessageID>uuid:m1</wsa:MessageID><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo></SOAP-ENV:Header>` +
  `<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:abc</wsa:Address></wsa:EndpointReference>` +
  `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes MatchBy="x">onvif://www.onvif.org/hardware/IPC-HDW2431T onvif://www.onvif.org/MAC/3C-EF-8C-01-02-03 onvif://www.onvif.org/name/Dahua%20Cam</d:Scopes>` +
  `<d:XAddrs>http://127.0.0.5/onvif/device_service http://10.1.1.1/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>${extra}</d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

describe('hardware scope', () => {
  it('tells SoC names from models', () => {
    for (const chip of ['HI3518C', 'Hi3516EV300', 'GK7205V200', 'SSC335', 'AK3918', 'FH8852V100', 'T31', 'NT98562']) expect(isChipName(chip), chip).toBe(true);
    for (const model of ['IPC-HDW2431T-AS-S2', 'DHI-NVR4108HS-8P-4KS2', 'DS-2CD2143G0-I', 'IP8M-2496EB', 'T-Series Bullet']) expect(isChipName(model), model).toBe(false);
  });
});

describe('WS-Discovery messages', () => {
  it('builds a Probe for both ONVIF types that our own parser reads back', () => {
    const probe = buildProbe('urn:uuid:1234');
    expect(probe).toContain('dn:NetworkVideoTransmitter tds:Device');
    const parsed = parseWsdMessage(probe);
    expect(parsed).toEqual({ ok: true, value: { kind: 'probe', messageId: 'urn:uuid:1234', types: ['dn:NetworkVideoTransmitter', 'tds:Device'] } });
  });

  it('reads a ProbeMatches with any namespace prefixes', () => {
    const r = parseWsdMessage(Buffer.from(match('urn:uuid:p1')));
    expect(r.ok).toBe(true);
    if (!r.ok || r.value.kind !== 'probe-matches') throw new Error('expected matches');
    expect(r.value.relatesTo).toBe('urn:uuid:p1');
    expect(r.value.matches).toHaveLength(1);
    expect(r.value.matches[0]).toMatchObject({ endpoint: 'urn:uuid:abc', types: ['dn:NetworkVideoTransmitter', 'tds:Device'], xaddrs: ['http://127.0.0.5/onvif/device_service', 'http://10.1.1.1/onvif/device_service'], metadataVersion: 1 });
    expect(parseScopes(r.value.matches[0]!.scopes)).toMatchObject({ hardware: 'IPC-HDW2431T', mac: '3c:ef:8c:01:02:03', name: 'Dahua Cam' });
  });

  it('drops oversized, DOCTYPE, non-SOAP and malformed documents with a reason', () => {
    const cases: [string, RegExp][] = [
      ['x'.repeat(MAX_WSD_BYTES + 1), /oversized/],
      ['<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', /DOCTYPE/],
      ['<html><body>hi</body></html>', /not a SOAP envelope/],
      ['<s:Envelope><s:Body><d:ProbeMatches><d:ProbeMatch><x/></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>', /ProbeMatch/],
      ['<s:Envelope><s:Body><d:Nope/></s:Body></s:Envelope>', /unknown/],
      ['<s:Envelope><s:Body><', /malformed|not a SOAP/],
    ];
    for (const [doc, why] of cases) {
      const r = parseWsdMessage(doc);
      expect(r.ok, doc.slice(0, 40)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(why);
    }
  });

  it('reads Hello and Bye', () => {
    const hello = match('x').replace(/<d:ProbeMatches><d:ProbeMatch>/, '<d:Hello>').replace('</d:ProbeMatch></d:ProbeMatches>', '</d:Hello>');
    const r = parseWsdMessage(hello);
    expect(r.ok && r.value.kind).toBe('hello');
    const bye = '<s:Envelope xmlns:s="x"><s:Body><d:Bye><a:EndpointReference><a:Address>urn:uuid:abc</a:Address></a:EndpointReference></d:Bye></s:Body></s:Envelope>';
    const b = parseWsdMessage(bye);
    expect(b.ok && b.value.kind === 'bye' && b.value.endpoint.endpoint).toBe('urn:uuid:abc');
  });

  it('never throws and never returns junk on arbitrary bytes or mutated documents (fuzz)', () => {
    const base = match('urn:uuid:p1');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 2000 })), (input) => {
        const r = parseWsdMessage(input);
        if (r.ok && r.value.kind === 'probe-matches') for (const m of r.value.matches) expect(typeof m.endpoint).toBe('string');
      }),
    );
    fc.assert(
      fc.property(fc.nat({ max: base.length }), fc.nat({ max: base.length }), fc.string({ maxLength: 40 }), (a, b, junk) => {
        const doc = base.slice(0, Math.min(a, b)) + junk + base.slice(Math.max(a, b));
        const r = parseWsdMessage(doc);
        if (r.ok && r.value.kind === 'probe-matches') {
          for (const m of r.value.matches) {
            expect(m.endpoint.length).toBeGreaterThan(0);
            expect(Array.isArray(m.xaddrs)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('scopes', () => {
  it('never throws and only returns normalised MACs (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 30 }).map((v) => `onvif://www.onvif.org/${v}`)), { maxLength: 20 }), (scopes) => {
        const info = parseScopes(scopes);
        if (info.mac !== undefined) expect(info.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        for (const v of [info.name, info.hardware, info.serial]) if (v !== undefined) expect(v.length).toBeLessThanOrEqual(128);
      }),
    );
  });
});

describe('MAC normalisation', () => {
  it('accepts common spellings and rejects the rest', () => {
    expect(normalizeMac('3C-EF-8C-01-02-03')).toBe('3c:ef:8c:01:02:03');
    expect(normalizeMac('3cef8c010203')).toBe('3c:ef:8c:01:02:03');
    expect(normalizeMac('3c:ef:8c:01:02')).toBeUndefined();
    expect(normalizeMac('zz:ef:8c:01:02:03')).toBeUndefined();
  });
});
