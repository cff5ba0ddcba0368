import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import type { Diagnostic } from '../../common/contract/devices';
import { encodeDhip } from '../../common/discovery/dhip';
import { Discovery } from './discovery';
import { broadcastOf } from './dhip-client';
import { until as poll } from '../../test/support/until';

const until = <T>(f: () => T | undefined | null | false, what: string, ms = 3000) => poll(f, what, ms);

// Socket tests: run inside `unshare -n`. Block 127.36.0.0/24, ports 4371x.
const WSD_PORT = 43712;
const SSDP_PORT = 43713;
const DHIP_PORT = 43714;
const GROUP = '239.255.255.251';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function engine() {
  const diags: Diagnostic[] = [];
  const e = new Discovery({ interfaces: [{ address: '127.0.0.1', prefix: 8 }], clock: new OffsetClock(), wsdPort: WSD_PORT, ssdpPort: SSDP_PORT, dhipPort: DHIP_PORT, probeClock: false, hostTimeoutMs: 400, onDiagnostic: (d) => diags.push(d) });
  cleanups.push(() => e.stop());
  return { e, diags };
}

async function udp(port: number, address?: string, group = false): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => s.bind(port, address, () => r()));
  if (group) s.addMembership(GROUP, '127.0.0.1');
  s.setMulticastInterface('127.0.0.1');
  cleanups.push(() => void s.close());
  return s;
}

const answer = (serial: string, ip: string, extra: Record<string, unknown> = {}) =>
  encodeDhip(JSON.stringify({ mac: `3c:ef:8c:00:36:${serial.slice(-2)}`, method: 'client.notifyDevInfo', params: { deviceInfo: { DeviceClass: 'IPC', DeviceType: 'IPC-HDW2431T', SerialNo: serial, IPv4Address: { IPAddress: ip }, Init: 2, ...extra } } }), 1);

/** A raw DHIP device at `address`: hears searches on the group port, answers with `reply`. */
async function rawDevice(address: string, reply: (send: (b: Uint8Array, to?: 'prober' | 'group') => void) => void) {
  const hub = await udp(DHIP_PORT, undefined, true);
  const me = await udp(0, address);
  const searches: number[] = [];
  hub.on('message', (m, rinfo) => {
    if (!m.toString('utf8', 32).includes('DHDiscover.search')) return;
    searches.push(performance.now());
    reply((b, to = 'prober') => me.send(b, to === 'group' ? DHIP_PORT : rinfo.port, to === 'group' ? GROUP : rinfo.address));
  });
  return { searches };
}

describe('DHIP in discovery', () => {
  it('computes the broadcast of an adapter (loopback stays on loopback)', () => {
    expect(broadcastOf({ address: '127.0.0.1', prefix: 8 })).toBe('127.255.255.255');
    expect(broadcastOf({ address: '192.168.1.20', prefix: 24 })).toBe('192.168.1.255');
    expect(broadcastOf({ address: '10.0.0.1', prefix: 32 })).toBeUndefined();
  });

  it('hears answers on the prober port and on the group; invalid headers are diagnostics, never rows; repeats are one row', async () => {
    const dev = await rawDevice('127.36.0.5', (send) => {
      send(answer('6J0DHIP000005', '127.36.0.5'));
      send(encodeDhip('{"method":"client.notifyDevInfo"', 1)); // truncated JSON
      send(new TextEncoder().encode(JSON.stringify({ method: 'client.notifyDevInfo', params: { deviceInfo: { SerialNo: 'BARE' } } })));
    });
    await rawDevice('127.36.0.6', (send) => send(answer('6J0DHIP000006', '127.36.0.6', { DeviceClass: 'NVR', RemoteVideoInputChannels: 16, Init: 1 }), 'group'));
    const { e, diags } = engine();
    await e.start();
    const rows = await e.scan(1200);
    // The search went out more than once inside the window (0 s, then at a third and two thirds).
    // Three sends, each to the group and to the adapter's broadcast.
    expect(dev.searches).toHaveLength(6);
    const cam = rows.find((d) => d.serial === '6J0DHIP000005');
    expect(cam).toMatchObject({ kind: 'camera', protocols: ['dhip'], mac: '3c:ef:8c:00:36:05', model: 'IPC-HDW2431T', dhip: { init: 'initialised', deviceClass: 'IPC' }, flags: [] });
    expect(rows.find((d) => d.serial === '6J0DHIP000006')).toMatchObject({ kind: 'nvr', dhip: { init: 'not-initialised', remoteChannels: 16 } });
    expect(rows.filter((d) => d.addresses.includes('127.36.0.5'))).toHaveLength(1);
    expect(rows.some((d) => d.serial === 'BARE')).toBe(false);
    expect(diags.filter((d) => d.protocol === 'dhip' && d.reason === 'malformed' && d.action === 'dropped').length).toBeGreaterThanOrEqual(2);
  });

  it('flags an IPAddress that is not the sender, like a rogue XAddr', async () => {
    await rawDevice('127.36.0.7', (send) => send(answer('6J0DHIP000007', '192.168.1.108')));
    const { e, diags } = engine();
    await e.start();
    const rows = await e.scan(800);
    const row = rows.find((d) => d.serial === '6J0DHIP000007');
    expect(row?.addresses).toEqual(['127.36.0.7']);
    expect(row?.flags).toContain('DHIP IPAddress 192.168.1.108 differs from responder 127.36.0.7');
    expect(diags.some((d) => d.protocol === 'dhip' && d.reason === 'host-mismatch' && d.action === 'flagged')).toBe(true);
  });

  it('asks one host by unicast during a manual add (a device not initialised answers only DHIP)', async () => {
    const me = await udp(DHIP_PORT, '127.36.0.9');
    me.on('message', (m, rinfo) => {
      if (m.toString('utf8', 32).includes('DHDiscover.search')) me.send(answer('6J0DHIP000009', '127.36.0.9', { Init: 1 }), rinfo.port, rinfo.address);
    });
    const { e } = engine();
    await e.start();
    const row = await e.addManual('127.36.0.9', 1);
    expect(row).toMatchObject({ serial: '6J0DHIP000009', dhip: { init: 'not-initialised' } });
    await until(() => e.list().some((d) => d.serial === '6J0DHIP000009'), 'row listed');
  });
});

describe('DHIP across scans', () => {
  it('a DHIP-only device answering every scan stays online, however close the scans', async () => {
    await rawDevice('127.36.0.11', (send) => send(answer('6J0DHIP000011', '127.36.0.11')));
    const { e } = engine();
    await e.start();
    for (let i = 0; i < 3; i++) await e.scan(500);
    expect(e.list().find((d) => d.serial === '6J0DHIP000011')).toMatchObject({ online: true });
  });
});

describe('DHIP unicast', () => {
  it('a host where nothing listens on the DHIP port answers "unreachable" at once, not after the timeout', async () => {
    const { DhipClient } = await import('./dhip-client');
    const diags: unknown[] = [];
    const c = new DhipClient({ adapter: { address: '127.0.0.1', prefix: 8 }, clock: new OffsetClock(), port: DHIP_PORT, sink: { observe: () => undefined, bye: () => undefined, diagnostic: (d) => diags.push(d) } });
    await c.start();
    cleanups.push(() => c.stop());
    const t0 = performance.now();
    expect(await c.probeHost('127.36.0.99', 5000)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});
