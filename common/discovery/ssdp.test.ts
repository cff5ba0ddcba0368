import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildMSearch, dahuaSerial, mxForWindow, MAX_DESCRIPTION_BYTES, parseDescription, parseSsdpHeaders } from './ssdp';

const DESC = `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType><friendlyName>IPC</friendlyName>
<manufacturer>Dahua</manufacturer><modelName>IPC-HDW2431T-AS-S2</modelName><serialNumber>6J0ABCDEFG0001</serialNumber>
<presentationURL>http://127.0.0.5/</presentationURL><UDN>uuid:x</UDN></device></root>`;

describe('M-SEARCH', () => {
  it('sets MX from the listening window, within UPnP 1–5 s', () => {
    expect([500, 1000, 2000, 3000, 5000, 30_000].map(mxForWindow)).toEqual([1, 1, 1, 2, 4, 5]);
    expect(buildMSearch('upnp:rootdevice', 2, 41900)).toBe('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:41900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: upnp:rootdevice\r\n\r\n');
  });
});

describe('SSDP answers', () => {
  it('reads LOCATION, USN and the Dahua serial', () => {
    const r = parseSsdpHeaders({
      LOCATION: 'http://127.0.0.5:49152/upnp_device_desc.xml',
      USN: 'uuid:c4b6f2a0-3cef-8c01-0203-device_3_0-6J0ABCDEFG0001::upnp:rootdevice',
      ST: 'upnp:rootdevice',
      SERVER: 'Linux/3.10, UPnP/1.0, Dahua Upnp SDK/1.0',
    });
    expect(r).toMatchObject({ ok: true, value: { serial: '6J0ABCDEFG0001', uuid: 'c4b6f2a0-3cef-8c01-0203-device_3_0-6j0abcdefg0001' } });
  });
  it('finds the serial with or without a service suffix, and not in ordinary USNs', () => {
    expect(dahuaSerial('uuid:abc-device_3_0-7M0XYZ12345')).toEqual({ serial: '7M0XYZ12345' });
    expect(dahuaSerial('uuid:2f402f80-da50-11e1-9b23-001788255acc::upnp:rootdevice')).toEqual({});
  });
  it('drops answers without a usable http LOCATION', () => {
    for (const h of [{ USN: 'uuid:x' }, { LOCATION: 'ftp://1.2.3.4/x', USN: 'uuid:x' }, { LOCATION: 'not a url', USN: 'uuid:x' }, { LOCATION: 'http://1.2.3.4/' }, { LOCATION: 'http://a/' + 'x'.repeat(2000), USN: 'u' }]) {
      expect(parseSsdpHeaders(h).ok, JSON.stringify(h).slice(0, 60)).toBe(false);
    }
  });
  it('never throws on arbitrary headers (fuzz)', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('LOCATION', 'USN', 'ST', 'SERVER', 'X'), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), (h) => void parseSsdpHeaders(h)));
  });
});

describe('UPnP descriptions', () => {
  it('reads manufacturer, model, serial and presentation URL', () => {
    expect(parseDescription(DESC)).toEqual({
      ok: true,
      value: { deviceType: 'urn:schemas-upnp-org:device:Basic:1', friendlyName: 'IPC', manufacturer: 'Dahua', modelName: 'IPC-HDW2431T-AS-S2', serialNumber: '6J0ABCDEFG0001', presentationURL: 'http://127.0.0.5/', udn: 'uuid:x' },
    });
  });
  it('refuses oversized documents, entities and non-UPnP XML', () => {
    expect(parseDescription('<root><device>' + 'a'.repeat(MAX_DESCRIPTION_BYTES) + '</device></root>')).toMatchObject({ ok: false, reason: expect.stringMatching(/oversized/) });
    expect(parseDescription('<!DOCTYPE x [<!ENTITY e "e">]><root><device><manufacturer>&e;</manufacturer></device></root>')).toMatchObject({ ok: false });
    expect(parseDescription('<html/>')).toMatchObject({ ok: false });
    // A nested element where text belongs is ignored, not trusted.
    expect(parseDescription('<root><device><manufacturer><b>x</b></manufacturer></device></root>')).toEqual({ ok: true, value: {} });
  });
  it('never throws on arbitrary or mutated documents (fuzz)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 3000 }), (s) => void parseDescription(s)));
    fc.assert(
      fc.property(fc.nat({ max: DESC.length }), fc.string({ maxLength: 30 }), (at, junk) => {
        const r = parseDescription(DESC.slice(0, at) + junk + DESC.slice(at));
        if (r.ok) for (const v of Object.values(r.value)) expect(typeof v).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
