import dgram from 'node:dgram';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import type { Diagnostic } from '../../common/contract/devices';
import type { InventoryDevice } from '../../common/domain/device';
import { Discovery, type DiscoveryOptions } from './discovery';
import { until as poll } from '../../test/support/until';

/** This file's patience: 3 s. */
const until = <T>(f: () => T | undefined | null | false, what: string, ms = 3000) => poll(f, what, ms);

// Socket tests: run inside `unshare -n` (see DEVELOPERS.md). Block 127.31.0.0/24, ports 437xx.
const WSD_PORT = 43702;
const SSDP_PORT = 41900;
const GROUP = '239.255.255.250';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


function engine(extra: Partial<DiscoveryOptions> = {}) {
  const diags: Diagnostic[] = [];
  const e = new Discovery({
    interfaces: [{ address: '127.0.0.1', prefix: 8 }],
    clock: new OffsetClock(),
    wsdPort: WSD_PORT,
    ssdpPort: SSDP_PORT,
    probeClock: false,
    hostTimeoutMs: 500,
    onDiagnostic: (d) => diags.push(d),
    ...extra,
  });
  cleanups.push(() => e.stop());
  return { e, diags };
}

async function udp(address: string, port = 0, group = false): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: group });
  await new Promise<void>((r) => s.bind(port, group ? undefined : address, () => r()));
  if (group) s.addMembership(GROUP, '127.0.0.1');
  s.setMulticastInterface('127.0.0.1');
  cleanups.push(() => {
    s.close();
  });
  return s;
}

const env = (header: string, body: string) =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
const ep = (uuid: string, xaddr: string) =>
  `<a:EndpointReference><a:Address>${uuid}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/hardware/IPC-X onvif://www.onvif.org/MAC/3c:ef:8c:00:00:0${uuid.slice(-1)}</d:Scopes><d:XAddrs>${xaddr}</d:XAddrs>`;

/** A raw device: hears probes on the group, answers from `address` with whatever `reply` builds. */
async function rawDevice(address: string, reply: (messageId: string) => string | Buffer | undefined) {
  const hub = await udp('0.0.0.0', WSD_PORT, true);
  const me = await udp(address);
  hub.on('message', (m, rinfo) => {
    const id = /MessageID>([^<]+)</.exec(m.toString())?.[1];
    if (!id || !m.toString().includes('Probe>')) return;
    const r = reply(id);
    if (r) me.send(typeof r === 'string' ? Buffer.from(r) : r, rinfo.port, rinfo.address);
  });
  return me;
}

const row = (e: Discovery, f: (d: InventoryDevice) => boolean) => e.list().find(f);

describe('WS-Discovery against hostile and honest devices', () => {
  it('accepts matches to our probe, drops unsolicited, malformed and oversized answers with reasons', async () => {
    await rawDevice('127.31.0.5', (id) => env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:good1', 'http://127.31.0.5/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`));
    await rawDevice('127.31.0.6', () => env('<a:RelatesTo>urn:uuid:not-ours</a:RelatesTo>', `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:evil6', 'http://127.31.0.6/x')}</d:ProbeMatch></d:ProbeMatches>`));
    await rawDevice('127.31.0.7', () => '<s:Envelope><s:Body><d:ProbeMatches><d:Probe');
    await rawDevice('127.31.0.8', (id) => Buffer.alloc(40_000, `<a:RelatesTo>${id}</a:RelatesTo>`));
    const { e, diags } = engine({ listen: false });
    await e.start();
    const scan = e.scan(800);
    const good = await until(() => row(e, (d) => d.endpointUuid === 'urn:uuid:good1'), 'the honest device');
    expect(good).toMatchObject({ addresses: ['127.31.0.5'], xaddrs: ['http://127.31.0.5/onvif/device_service'], mac: '3c:ef:8c:00:00:01', model: 'IPC-X', kind: 'camera', online: true });
    await scan;
    expect(e.list()).toHaveLength(1);
    const reasons = diags.map((d) => `${d.source.split(':')[0]} ${d.reason}`);
    expect(reasons).toContain('127.31.0.6 unsolicited');
    expect(reasons).toContain('127.31.0.7 malformed');
    expect(reasons).toContain('127.31.0.8 oversized');
  });

  it('keeps streaming honest answers while a device sprays junk, with diagnostics rate-limited', async () => {
    const junk = await udp('127.31.0.40');
    const { e, diags } = engine({ listen: false });
    await e.start();
    await rawDevice('127.31.0.41', (id) => env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:calm41', 'http://127.31.0.41/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`));
    const port = (e as unknown as { listeners: { wsd: { probeSocket: dgram.Socket } }[] }).listeners[0]!.wsd.probeSocket.address().port;
    for (let i = 0; i < 2000; i++) junk.send(`<junk ${i}`, port, '127.0.0.1');
    await e.scan(800);
    expect(row(e, (d) => d.endpointUuid === 'urn:uuid:calm41')).toBeDefined();
    expect(diags.length).toBeLessThanOrEqual(51);
    expect(diags.filter((d) => d.source.startsWith('127.31.0.40')).length).toBeGreaterThan(10);
  });

  it('flags XAddrs that point elsewhere and drops senders outside the adapter network', async () => {
    await rawDevice('127.31.0.9', (id) => env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:lie9', 'http://127.31.0.99/onvif/device_service http://8.8.8.8/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`));
    const { e, diags } = engine({ listen: false });
    await e.start();
    await e.scan(700);
    const d = row(e, (x) => x.endpointUuid === 'urn:uuid:lie9');
    expect(d?.xaddrs).toEqual([]);
    expect(d?.flags.join(' | ')).toMatch(/differs from responder.*outside the adapter/);
    expect(diags.map((x) => x.reason)).toEqual(expect.arrayContaining(['host-mismatch', 'off-network']));

    const { e: narrow, diags: nd } = engine({ listen: false, interfaces: [{ address: '127.0.0.1', prefix: 24 }] });
    await narrow.start();
    await narrow.scan(700);
    expect(narrow.list()).toHaveLength(0);
    expect(nd.some((x) => x.reason === 'off-network' && x.action === 'dropped' && x.source.startsWith('127.31.0.9'))).toBe(true);
  });

  it('marks a device that stops answering offline after two missed scans, and online again when it returns', async () => {
    let answering = true;
    await rawDevice('127.31.0.30', (id) => (answering ? env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:quiet30', 'http://127.31.0.30/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`) : undefined));
    const { e } = engine({ listen: false });
    await e.start();
    const state = () => row(e, (d) => d.endpointUuid === 'urn:uuid:quiet30')?.online;
    await e.scan(500);
    expect(state()).toBe(true);
    answering = false;
    await e.scan(500);
    expect(state()).toBe(true); // one lost datagram is not a departure
    await e.scan(500);
    expect(state()).toBe(false);
    expect(e.list()).toHaveLength(1);
    answering = true;
    await e.scan(500);
    expect(state()).toBe(true);
  });

  it('lists a device on Hello and marks it offline on its Bye, ignoring a spoofed Bye', async () => {
    const { e, diags } = engine({ listen: true });
    await e.start();
    const dev = await udp('127.31.0.10');
    const spoofer = await udp('127.31.0.11');
    const send = (s: dgram.Socket, xml: string) => new Promise<void>((r) => s.send(Buffer.from(xml), WSD_PORT, GROUP, () => r()));
    await send(dev, env('<a:MessageID>urn:uuid:h1</a:MessageID>', `<d:Hello>${ep('urn:uuid:hb1', 'http://127.31.0.10/onvif/device_service')}</d:Hello>`));
    await until(() => row(e, (d) => d.endpointUuid === 'urn:uuid:hb1' && d.online), 'Hello');
    const bye = env('', '<d:Bye><a:EndpointReference><a:Address>urn:uuid:hb1</a:Address></a:EndpointReference></d:Bye>');
    await send(spoofer, bye);
    await until(() => diags.find((d) => d.reason === 'host-mismatch'), 'spoofed Bye diagnostic');
    expect(row(e, (d) => d.endpointUuid === 'urn:uuid:hb1')?.online).toBe(true);
    await send(dev, bye);
    await until(() => row(e, (d) => d.endpointUuid === 'urn:uuid:hb1' && !d.online), 'Bye → offline');
    expect(e.list()).toHaveLength(1);
  });
});

async function httpServer(address: string, port: number, handler: http.RequestListener) {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(port, address, () => r()));
  cleanups.push(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))));
  return s;
}

const DESC = (serial: string) =>
  `<?xml version="1.0"?><root><device><manufacturer>Dahua</manufacturer><modelName>DHI-NVR4108HS</modelName><serialNumber>${serial}</serialNumber><presentationURL>/</presentationURL></device></root>`;

describe('SSDP with hostile descriptions', () => {
  it('reads honest descriptions and drops mismatched hosts, off-host redirects, endless and oversized bodies', async () => {
    const hub = await udp('0.0.0.0', SSDP_PORT, true);
    const specs: Record<string, { location: string; usnSerial: string }> = {
      '127.31.0.20': { location: 'http://127.31.0.20:49152/desc.xml', usnSerial: '7M0GOOD00001' },
      '127.31.0.21': { location: 'http://127.31.0.99:49152/desc.xml', usnSerial: '7M0LIES00002' },
      '127.31.0.22': { location: 'http://127.31.0.22:49152/desc.xml', usnSerial: '7M0REDIR0003' },
      '127.31.0.23': { location: 'http://127.31.0.23:49152/desc.xml', usnSerial: '7M0SLOW00004' },
      '127.31.0.24': { location: 'http://127.31.0.24:49152/desc.xml', usnSerial: '7M0HUGE00005' },
    };
    const socks = new Map<string, dgram.Socket>();
    for (const a of Object.keys(specs)) socks.set(a, await udp(a));
    hub.on('message', (m, rinfo) => {
      if (!m.toString().startsWith('M-SEARCH') || !m.toString().includes('ST: ssdp:all')) return;
      for (const [a, s] of Object.entries(specs)) {
        const msg = `HTTP/1.1 200 OK\r\nLOCATION: ${s.location}\r\nUSN: uuid:x-device_3_0-${s.usnSerial}\r\nST: upnp:rootdevice\r\nSERVER: Dahua Upnp SDK\r\n\r\n`;
        socks.get(a)!.send(Buffer.from(msg), rinfo.port, rinfo.address);
      }
    });
    await httpServer('127.31.0.20', 49152, (_q, r) => r.end(DESC('7M0GOOD00001')));
    await httpServer('127.31.0.22', 49152, (_q, r) => r.writeHead(302, { location: 'http://127.31.0.77:49152/desc.xml' }).end());
    await httpServer('127.31.0.23', 49152, (_q, r) => {
      r.writeHead(200);
      const t = setInterval(() => r.write('<a>'), 50);
      r.on('close', () => clearInterval(t));
    });
    await httpServer('127.31.0.24', 49152, (_q, r) => {
      r.writeHead(200);
      r.end(Buffer.alloc(400 * 1024, 'a'));
    });
    const changes: InventoryDevice[][] = [];
    // A 1 s description deadline: the endless body must be cut there, not stall the scan.
    const { e, diags } = engine({ listen: false, descriptionTimeoutMs: 1000, onChange: (d) => changes.push(d) });
    await e.start();
    await e.scan(1600);
    const good = row(e, (d) => d.serial === '7M0GOOD00001');
    expect(good).toMatchObject({ manufacturer: 'Dahua', model: 'DHI-NVR4108HS', kind: 'nvr', presentationUrl: 'http://127.31.0.20:49152/' });
    expect(row(e, (d) => d.serial === '7M0LIES00002')).toBeUndefined();
    // Answers whose description failed still list the device (the USN gave its serial)…
    expect(row(e, (d) => d.serial === '7M0REDIR0003')).toBeDefined();
    const by = (a: string) => diags.filter((d) => d.source.includes(a)).map((d) => d.reason);
    expect(by('127.31.0.21')).toContain('host-mismatch');
    expect(by('127.31.0.22')).toContain('redirect-off-host');
    expect(by('127.31.0.23')).toContain('timeout');
    expect(by('127.31.0.24')).toContain('oversized');
    // …and the honest device reached the stream before the slow one was given up on.
    expect(changes.flat().some((d) => d.serial === '7M0GOOD00001')).toBe(true);
  });
});

const TIME_RESPONSE = (d: Date) =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime>` +
  `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
  `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>`;

describe('unicast: sweep and manual add', () => {
  it('sweeps a range, finding ONVIF devices that ignore multicast, with their clock skew', async () => {
    await httpServer('127.31.1.7', 8899, (_q, r) => r.end(TIME_RESPONSE(new Date(Date.now() + 3_600_000))));
    await httpServer('127.31.1.9', 8899, (_q, r) => r.writeHead(404).end());
    const states: string[] = [];
    const { e } = engine({ listen: false, onvifPorts: [8899], onScanState: (s) => states.push(s.state) });
    const r = await e.sweep('127.31.1.0/28');
    expect(r).toEqual({ probed: 14, found: 2 });
    const onvif = row(e, (d) => d.addresses.includes('127.31.1.7'))!;
    expect(onvif.xaddrs).toEqual(['http://127.31.1.7:8899/onvif/device_service']);
    expect(onvif.clockSkewMs! / 1000).toBeGreaterThan(3595);
    expect(onvif.clockSkewMs! / 1000).toBeLessThan(3605);
    expect(row(e, (d) => d.addresses.includes('127.31.1.9'))?.flags).toContain('answers HTTP but not ONVIF');
    expect(states).toEqual(expect.arrayContaining(['sweeping', 'idle']));
  });

  it('adds a device by IP:port and reports a dead address as unreachable', async () => {
    await httpServer('127.31.1.20', 8000, (_q, r) => r.end(TIME_RESPONSE(new Date())));
    const { e, diags } = engine({ listen: false });
    const d = await e.addManual('127.31.1.20', 8000);
    expect(d).toMatchObject({ protocols: ['manual'], addresses: ['127.31.1.20'] });
    expect(await e.addManual('127.31.1.21', 8000)).toBeUndefined();
    await httpServer('127.0.0.1', 43799, (_q, r) => r.end(TIME_RESPONSE(new Date())));
    expect(await e.addManual('localhost', 43799)).toMatchObject({ addresses: ['127.0.0.1'] });
    // (No unresolvable-name case: resolving one would query a DNS server off this machine.)
    expect(diags.find((d) => d.source === '127.31.1.21:8000')).toMatchObject({ reason: 'unreachable' });
  });
});

describe('one inventory, written by one owner', () => {
  it('keeps every row (first sighting included) when the adapters change, without replaying them', async () => {
    await rawDevice('127.31.0.50', (id) => env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:keep5', 'http://127.31.0.50/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`));
    const batches: InventoryDevice[][] = [];
    const { e } = engine({ listen: false, onChange: (d) => batches.push(d) });
    await e.start();
    await e.scan(600);
    const before = e.list();
    expect(before.some((d) => d.endpointUuid === 'urn:uuid:keep5')).toBe(true);
    const emitted = batches.length;
    await e.setAdapters([{ address: '127.0.0.1', prefix: 8 }]);
    await e.setAdapters([]);
    expect(batches.length).toBe(emitted);
    expect(e.list()).toEqual(before);
  });

  it('flags a routed manual add through a change event, and hands out copies, never live rows', async () => {
    await httpServer('127.31.1.30', 8000, (_q, r) => r.end(TIME_RESPONSE(new Date())));
    const changed: InventoryDevice[] = [];
    const { e } = engine({ listen: false, interfaces: [{ address: '127.0.0.1', prefix: 24 }], onChange: (d) => changed.push(...d) });
    const routed = "outside the chosen adapters' networks (routed)";
    const d = await e.addManual('127.31.1.30', 8000);
    expect(d?.flags).toContain(routed);
    expect(changed.filter((x) => x.addresses.includes('127.31.1.30')).at(-1)?.flags).toContain(routed);
    d!.flags.push('scribbled by a caller');
    e.list().find((x) => x.id === d!.id)!.flags.push('scribbled by a reader');
    expect(e.list().find((x) => x.id === d!.id)?.flags).toEqual([routed]);
  });
});

describe('probes repeated inside the window', () => {
  it('recovers a lost WS-Discovery answer with a fresh probe, and folds identical repeats into one sighting', async () => {
    const ids: string[] = [];
    await rawDevice('127.31.0.60', (id) => {
      ids.push(id);
      // The answer to the first probe is lost (as on Wi-Fi); later ones arrive.
      return ids.length === 1 ? undefined : env(`<a:RelatesTo>${id}</a:RelatesTo>`, `<d:ProbeMatches><d:ProbeMatch>${ep('urn:uuid:lost6', 'http://127.31.0.60/onvif/device_service')}</d:ProbeMatch></d:ProbeMatches>`);
    });
    const changed: InventoryDevice[] = [];
    const { e } = engine({ listen: false, onChange: (d) => changed.push(...d) });
    await e.start();
    await e.scan(900);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(row(e, (d) => d.endpointUuid === 'urn:uuid:lost6')).toBeDefined();
    expect(changed.filter((d) => d.endpointUuid === 'urn:uuid:lost6')).toHaveLength(1);
  });
});
