import dgram from 'node:dgram';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { makeIdentity } from '../identities';
import { startSite, type Site } from '../site';
import { until as poll } from '../../test/support/until';
import { startSsdpResponders } from './ssdp-responder';
import { bindUdp } from './udp';

/** This file's patience: 3 s. */
const until = <T>(f: () => T | undefined | null | false, what: string, ms = 3000) => poll(f, what, ms);

// Socket test: run inside `unshare -n`. Block 127.32.1.0/24, discovery ports 4370x / 4190x.
const WSD_PORT = 43703;
const SSDP_PORT = 41903;
const GROUP = '239.255.255.250';

let site: Site | undefined;
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await site?.stop();
  site = undefined;
});

async function client(port: number): Promise<{ s: dgram.Socket; got: { text: string; from: string; at: number }[] }> {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await bindUdp(s, port);
  s.addMembership(GROUP, '127.0.0.1');
  s.setMulticastInterface('127.0.0.1');
  sockets.push(s);
  const got: { text: string; from: string; at: number }[] = [];
  s.on('message', (m, rinfo) => got.push({ text: m.toString(), from: rinfo.address, at: Date.now() }));
  return { s, got };
}


const probe = (id: string) =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:MessageID>${id}</a:MessageID></s:Header><s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`;

describe('simulated discovery', () => {
  it('says Hello, answers probes from each device address after 0–500 ms, stays silent when multicast is off, says Bye on stop', async () => {
    const listener = await client(WSD_PORT);
    site = await startSite({ block: '127.32.1', cameras: 3, discovery: { wsdPort: WSD_PORT, ssdpPort: SSDP_PORT, ssdpHttpPort: 49153, devices: { '1': { multicast: false } } } });
    await until(() => listener.got.filter((g) => g.text.includes('Hello>')).length === 3, 'three Hellos');
    const prober = dgram.createSocket('udp4');
    sockets.push(prober);
    const answers: { text: string; from: string; at: number }[] = [];
    prober.on('message', (m, rinfo) => answers.push({ text: m.toString(), from: rinfo.address, at: Date.now() }));
    await bindUdp(prober, 0, '127.0.0.1');
    prober.setMulticastInterface('127.0.0.1');
    const sentAt = Date.now();
    prober.send(probe('urn:uuid:probe-1'), WSD_PORT, GROUP);
    await until(() => answers.length === 3, 'three ProbeMatches');
    expect(answers.map((a) => a.from).sort()).toEqual(['127.32.1.10', '127.32.1.11', '127.32.1.13']);
    for (const a of answers) {
      expect(a.text).toContain('<a:RelatesTo>urn:uuid:probe-1</a:RelatesTo>');
      expect(a.at - sentAt).toBeLessThan(1500);
    }
    const cam = site.cameras[0]!;
    expect(answers.find((a) => a.from === cam.address)!.text).toContain(cam.identity.endpointUuid);
    expect(answers.find((a) => a.from === cam.address)!.text).toContain(cam.xaddr);
    await cam.stop();
    await until(() => listener.got.some((g) => g.text.includes('Bye>') && g.text.includes(cam.identity.endpointUuid)), 'Bye');
  });

  it('answers M-SEARCH Dahua-style and serves the description from the device address', async () => {
    site = await startSite({ block: '127.32.2', cameras: 1, discovery: { wsdPort: WSD_PORT + 10, ssdpPort: SSDP_PORT, ssdpHttpPort: 49154 } });
    const s = dgram.createSocket('udp4');
    sockets.push(s);
    const answers: { text: string; from: string }[] = [];
    s.on('message', (m, rinfo) => answers.push({ text: m.toString(), from: rinfo.address }));
    await bindUdp(s, 0, '127.0.0.1');
    s.setMulticastInterface('127.0.0.1');
    s.send('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n', SSDP_PORT, GROUP);
    await until(() => answers.length === 2, 'two SSDP answers');
    const nvr = answers.find((a) => a.from === '127.32.2.10')!;
    expect(nvr.text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(nvr.text).toContain('SERVER: Linux/3.10, UPnP/1.0, Dahua Upnp SDK/1.0');
    expect(nvr.text).toContain(`device_3_0-${site.nvr.identity.serialNumber}::upnp:rootdevice`);
    const location = /LOCATION: (\S+)/.exec(nvr.text)![1]!;
    expect(new URL(location).hostname).toBe('127.32.2.10');
    const body = await new Promise<string>((resolve, reject) =>
      http.get(location, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject),
    );
    expect(body).toContain(`<serialNumber>${site.nvr.identity.serialNumber}</serialNumber>`);
    expect(body).toContain(`<modelName>${site.nvr.identity.model}</modelName>`);
  });

  // A bind that fails (the port held by a socket without SO_REUSEADDR) used to leave the start waiting for ever:
  // the test hung its full 20 s with nothing said. Now it says why, and frees the address it had taken.
  it('a start whose SSDP port is taken fails with EADDRINUSE, and frees the description server it had opened', async () => {
    const holder = dgram.createSocket({ type: 'udp4' });
    sockets.push(holder);
    await bindUdp(holder, SSDP_PORT + 2);
    const device = { identity: makeIdentity('camera', 1), address: '127.32.3.10', xaddr: '' };
    await expect(startSsdpResponders([device], { port: SSDP_PORT + 2, httpPort: 49155 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(49155, device.address, resolve));
    await new Promise((r) => server.close(r));
  });
});
