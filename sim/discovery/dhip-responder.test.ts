import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startSite, type Site } from '../site';
import { frame } from './dhip-responder';
import { until } from '../../test/support/until';

// Socket test: run inside `unshare -n`. Block 127.32.5.0/24, DHIP port 43716 (WS-Discovery/SSDP moved too).
const PORT = 43716;
const GROUP = '239.255.255.251';

let site: Site | undefined;
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await site?.stop();
  site = undefined;
});

async function socket(port = 0, address?: string, group = false) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => s.bind(port, address, () => r()));
  if (group) s.addMembership(GROUP, '127.0.0.1');
  s.setMulticastInterface('127.0.0.1');
  sockets.push(s);
  const got: { info: Record<string, unknown>; from: string; id: number }[] = [];
  s.on('message', (m, rinfo) => {
    if (m.length < 32 || m.toString('latin1', 4, 8) !== 'DHIP') return;
    const body = JSON.parse(m.toString('utf8', 32, 32 + m.readUInt32LE(16))) as { method: string; params?: { deviceInfo?: Record<string, unknown> } };
    if (body.method === 'client.notifyDevInfo') got.push({ info: body.params!.deviceInfo!, from: rinfo.address, id: m.readUInt32LE(12) });
  });
  return { s, got };
}

const search = frame('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n', 77);

describe('simulated DHIP', () => {
  it('the NVR and Dahua-like cameras answer, some to the prober and some to the group; a factory-fresh camera is not initialised', async () => {
    site = await startSite({ block: '127.32.5', cameras: 3, seed: 4, factoryFresh: { '1': {} }, discovery: { wsdPort: 43717, ssdpPort: 43718, ssdpHttpPort: 49190, dhipPort: PORT } });
    const prober = await socket(0, '127.0.0.1');
    const group = await socket(PORT, undefined, true);
    prober.s.send(search, PORT, GROUP);
    await until(() => prober.got.length + group.got.filter((g) => g.from.startsWith('127.32.5.')).length >= 4, 'four answers');
    const all = [...prober.got, ...group.got.filter((g) => g.from.startsWith('127.32.5.'))];
    expect(all.every((a) => a.id === 77)).toBe(true);
    expect(prober.got.length).toBeGreaterThan(0);
    expect(group.got.filter((g) => g.from.startsWith('127.32.5.')).length).toBeGreaterThan(0);
    const nvr = all.find((a) => a.from === site!.nvr.address)!.info;
    expect(nvr).toMatchObject({ DeviceClass: 'NVR', RemoteVideoInputChannels: 8, SerialNo: site.nvr.identity.serialNumber, IPv4Address: { IPAddress: site.nvr.address } });
    expect((nvr.Init as number) & 3).toBe(2);
    const last = all.find((a) => a.from === site!.cameras[1]!.address)!.info;
    expect((last.Init as number) & 3).toBe(1);
    expect(all.find((a) => a.from === site!.cameras[0]!.address)!.info).toMatchObject({ DeviceClass: 'IPC', RemoteVideoInputChannels: 0 });
  });

  it('answers a unicast search even with multicast off, and never bare JSON', async () => {
    site = await startSite({ block: '127.32.5', cameras: 1, seed: 4, discovery: { wsdPort: 43717, ssdpPort: 43718, ssdpHttpPort: 49190, dhipPort: PORT, devices: { '0': { multicast: false, dhip: { replyTo: 'prober' } } } } });
    const prober = await socket(0, '127.0.0.1');
    const cam = site.cameras[0]!;
    prober.s.send(Buffer.from('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'), PORT, cam.address);
    prober.s.send(search, PORT, GROUP);
    await until(() => prober.got.some((g) => g.from === site!.nvr.address), 'the NVR answers the multicast search');
    expect(prober.got.some((g) => g.from === cam.address)).toBe(false);
    prober.s.send(search, PORT, cam.address);
    await until(() => prober.got.some((g) => g.from === cam.address), 'the camera answers the unicast search');
  });
});
