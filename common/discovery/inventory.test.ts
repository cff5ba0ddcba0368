import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classify, Inventory, type Observation } from './inventory';

const at = 1_700_000_000_000;

describe('inventory merging', () => {
  it('names a bare uuid: endpoint once (no uuid:uuid:) and an SSDP-only row by its UDN', () => {
    const inv = new Inventory();
    expect(inv.observe({ protocol: 'ws-discovery', address: '10.0.0.9', at, endpointUuid: 'uuid:0B1C' }).changed[0]!.id).toBe('uuid:0b1c');
    expect(inv.observe({ protocol: 'ws-discovery', address: '10.0.0.9', at, endpointUuid: 'urn:uuid:0b1c' }).changed[0]!.id).toBe('uuid:0b1c');
    expect(inv.list()).toHaveLength(1);
    expect(inv.observe({ protocol: 'ssdp', address: '10.0.0.10', at, udn: 'uuid:2f402f80-da50' }).changed[0]!.id).toBe('udn:2f402f80-da50');
  });

  it('folds a DHIP answer into the ONVIF row by MAC, keeps GetDeviceInformation firmware, takes DeviceType over a scope guess', () => {
    const inv = new Inventory();
    inv.observe({ protocol: 'ws-discovery', address: '10.0.0.4', at, endpointUuid: 'urn:uuid:n1', mac: '3c:ef:8c:00:00:04', model: 'NVR', types: ['dn:NetworkVideoTransmitter'] });
    inv.observe({ protocol: 'manual', address: '10.0.0.4', at, firmware: '4.001.0000000.2.R, Build Date 2021-07-19' });
    inv.observe({ protocol: 'dhip', address: '10.0.0.4', at, mac: '3C:EF:8C:00:00:04', serial: '7M0X', model: 'DHI-NVR4108HS-8P-4KS2', firmware: '4.001.0000000.2.R', types: ['NVR', 'recorder'], dhip: { init: 'initialised', remoteChannels: 8 } });
    expect(inv.list()).toHaveLength(1);
    expect(inv.list()[0]).toMatchObject({ kind: 'nvr', serial: '7M0X', model: 'DHI-NVR4108HS-8P-4KS2', firmware: '4.001.0000000.2.R, Build Date 2021-07-19', protocols: ['ws-discovery', 'manual', 'dhip'], dhip: { init: 'initialised', remoteChannels: 8 } });
  });

  it('folds WS-Discovery, SSDP and a sweep of one device into one row', () => {
    const inv = new Inventory();
    inv.observe({ protocol: 'ws-discovery', address: '127.0.1.11', at, endpointUuid: 'urn:uuid:AAA', mac: '3c:ef:8c:00:00:01', model: 'IPC-HDW2431T', xaddrs: ['http://127.0.1.11/onvif/device_service'], types: ['dn:NetworkVideoTransmitter'] });
    inv.observe({ protocol: 'ssdp', address: '127.0.1.11', at: at + 1, serial: '6J0SERIAL0001' });
    inv.observe({ protocol: 'sweep', address: '127.0.1.11', at: at + 2, clockSkewMs: 1500 });
    const rows = inv.list();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'camera', serial: '6J0SERIAL0001', mac: '3c:ef:8c:00:00:01', endpointUuid: 'urn:uuid:AAA', protocols: ['ws-discovery', 'ssdp', 'sweep'], clockSkewMs: 1500, online: true });
  });

  it('merges two rows when a sighting links them, and reports the folded id', () => {
    const inv = new Inventory();
    const a = inv.observe({ protocol: 'ssdp', address: '10.0.0.2', at, serial: 'S1' }).changed[0]!.id;
    inv.observe({ protocol: 'ws-discovery', address: '10.0.0.3', at, endpointUuid: 'urn:uuid:e1' });
    const change = inv.observe({ protocol: 'manual', address: '10.0.0.2', at, serial: 'S1', endpointUuid: 'urn:uuid:e1' });
    expect(inv.list()).toHaveLength(1);
    expect(change.changed[0]!.id).toBe(a);
    expect(change.removed).toHaveLength(1);
    expect(inv.list()[0]!.addresses.sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('flags conflicting identities instead of silently merging them', () => {
    const inv = new Inventory();
    inv.observe({ protocol: 'ws-discovery', address: '10.0.0.2', at, endpointUuid: 'urn:uuid:e1', serial: 'S1' });
    const change = inv.observe({ protocol: 'ws-discovery', address: '10.0.0.9', at, endpointUuid: 'urn:uuid:e1', serial: 'S2' });
    expect(change.conflicts.join()).toMatch(/conflicting serial/);
    expect(inv.list()[0]!.flags.join()).toMatch(/conflicting serial/);
  });

  it('keeps a device that moved address unrelated to one that now holds its old address', () => {
    const inv = new Inventory();
    inv.observe({ protocol: 'ssdp', address: '10.0.0.2', at, serial: 'S1' });
    inv.observe({ protocol: 'ssdp', address: '10.0.0.2', at, serial: 'S2' });
    expect(inv.list()).toHaveLength(2);
  });

  it('marks rows offline and keeps them', () => {
    const inv = new Inventory();
    inv.observe({ protocol: 'ws-discovery', address: '10.0.0.2', at, endpointUuid: 'urn:uuid:e1' });
    const row = inv.findByEndpoint('URN:UUID:E1');
    expect(row).toBeDefined();
    expect(inv.setOffline((d) => d.id === row!.id)).toHaveLength(1);
    expect(inv.list()[0]!.online).toBe(false);
    inv.observe({ protocol: 'ws-discovery', address: '10.0.0.2', at: at + 5, endpointUuid: 'urn:uuid:e1' });
    expect(inv.list()[0]!.online).toBe(true);
  });

  it('classifies recorders by model name even when they claim to be transmitters', () => {
    expect(classify({ model: 'DHI-NVR4108HS-8P-4KS2' }, ['dn:NetworkVideoTransmitter'])).toBe('nvr');
    expect(classify({ model: 'IPC-HFW2431S' }, [])).toBe('camera');
    expect(classify({ model: 'XVR5108HS' }, [])).toBe('nvr');
    expect(classify({}, ['urn:schemas-upnp-org:device:Basic:1'])).toBe('other');
  });

  it('one row per identity whatever the order of sightings (property)', () => {
    const obs = fc.record({
      protocol: fc.constantFrom('ws-discovery', 'ssdp', 'sweep', 'manual') as fc.Arbitrary<Observation['protocol']>,
      dev: fc.integer({ min: 0, max: 5 }),
      withSerial: fc.boolean(),
      withUuid: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(obs, { maxLength: 60 }), (list) => {
        const inv = new Inventory();
        for (const o of list) {
          if (!o.withSerial && !o.withUuid) continue;
          inv.observe({ protocol: o.protocol, address: `10.0.0.${o.dev + 1}`, at, ...(o.withSerial ? { serial: `S${o.dev}` } : {}), ...(o.withUuid ? { endpointUuid: `urn:uuid:${o.dev}` } : {}) });
        }
        const devs = new Set(list.filter((o) => o.withSerial || o.withUuid).map((o) => o.dev));
        expect(inv.list()).toHaveLength(devs.size);
        const ids = inv.list().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
      }),
    );
  });
});

describe('stable device identity', () => {
  it('a row first seen by MAC or UUID takes its serial id once the serial arrives, and says which id it replaced', () => {
    const inv = new Inventory();
    const first = inv.observe({ protocol: 'ws-discovery', address: '10.0.0.4', at, endpointUuid: 'urn:uuid:n1', mac: '3c:ef:8c:00:00:04', model: 'NVR4108' });
    expect(first.changed[0]!.id).toBe('mac:3c:ef:8c:00:00:04');
    const later = inv.observe({ protocol: 'dhip', address: '10.0.0.4', at, mac: '3C:EF:8C:00:00:04', serial: '7m0x' });
    expect(later.changed[0]!.id).toBe('sn:7M0X');
    expect(later.removed).toEqual(['mac:3c:ef:8c:00:00:04']);
    expect(inv.list().map((d) => d.id)).toEqual(['sn:7M0X']);
    expect(inv.get('sn:7M0X')?.endpointUuid).toBe('urn:uuid:n1');
    // Later sightings by either identity land on the same row, with no further change of id.
    expect(inv.observe({ protocol: 'ws-discovery', address: '10.0.0.4', at, endpointUuid: 'uuid:N1' }).removed).toEqual([]);
    expect(inv.list()).toHaveLength(1);
  });

  it('the same device gets the same id whichever protocol answers first (as after a restart)', () => {
    const sightings: Observation[] = [
      { protocol: 'ws-discovery', address: '10.0.0.4', at, endpointUuid: 'urn:uuid:n1', mac: '3c:ef:8c:00:00:04' },
      { protocol: 'dhip', address: '10.0.0.4', at, mac: '3c:ef:8c:00:00:04', serial: '7M0X' },
      { protocol: 'ssdp', address: '10.0.0.4', at, udn: 'uuid:u1', serial: '7M0X' },
    ];
    const ids = [sightings, [...sightings].reverse(), [sightings[2]!, sightings[0]!, sightings[1]!]].map((order) => {
      const inv = new Inventory();
      for (const o of order) inv.observe(o);
      return inv.list().map((d) => d.id);
    });
    expect(ids).toEqual([['sn:7M0X'], ['sn:7M0X'], ['sn:7M0X']]);
  });
});
