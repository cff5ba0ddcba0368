import { describe, expect, it } from 'vitest';
import { sameNvr, type NvrIdentity } from './identity';

const ref = (o: Partial<NvrIdentity>): NvrIdentity => ({ label: 'NVR', ...o });

describe('sameNvr', () => {
  it.each<[string, NvrIdentity, NvrIdentity, boolean]>([
    ['a MAC row id and the serial row id after a restart, same serial', ref({ deviceId: 'mac:3c:ef', serial: '7M0X' }), ref({ deviceId: 'sn:7M0X', serial: '7m0x ' }), true],
    ['the same MAC spelled with dashes and capitals', ref({ mac: '3C-EF-8C-00-00-01' }), ref({ mac: '3c:ef:8c:00:00:01', deviceId: 'other' }), true],
    ['urn:uuid and uuid forms of one endpoint', ref({ endpointUuid: 'urn:uuid:ABC' }), ref({ endpointUuid: 'uuid:abc' }), true],
    ['two serials that differ, even on one address (a swapped NVR)', ref({ serial: 'A1', address: '10.0.0.5' }), ref({ serial: 'B2', address: '10.0.0.5' }), false],
    ['a case with only an address and a row on that address', ref({ address: '10.0.0.5' }), ref({ address: '10.0.0.5', serial: 'A1' }), true],
    ['the same row id when nothing else is known', ref({ deviceId: 'ip:10.0.0.5#1' }), ref({ deviceId: 'ip:10.0.0.5#1' }), true],
    ['two names typed by hand, same words', ref({ label: 'Shop NVR' }), ref({ label: ' shop nvr' }), true],
    ['a typed name and an inventory row', ref({ label: 'Shop NVR' }), ref({ label: 'Shop NVR', deviceId: 'sn:X', serial: 'X' }), false],
    ['different addresses, nothing else', ref({ address: '10.0.0.5' }), ref({ address: '10.0.0.6' }), false],
  ])('%s', (_name, a, b, want) => {
    expect(sameNvr(a, b)).toBe(want);
    expect(sameNvr(b, a)).toBe(want);
  });
});
