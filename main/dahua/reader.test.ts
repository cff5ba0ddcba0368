import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { CredentialGate } from '../core/credential-gate';
import { readNvrCgi } from './cgi';
import { DahuaRpcClient } from './client';
import { startFakeNvr, testPassword, type FakeNvr } from '../../test/support/fake-nvr';
import { readNvr } from './reader';

// Loopback block 127.62.14.0/24 is this file's own. The channel list for the NVR view and `nvr channels` on
// newer firmware, whose RemoteDevice reads are refused (DOMAIN.md: "On some newer models the CGI reads
// configManager…RemoteDeviceInfo/CameraInfo answer 400 while LogicDeviceManager.cgi?action=getCameraAll … work").

let nvr: FakeNvr | undefined;
let server: Server | undefined;
afterEach(async () => {
  await nvr?.stop();
  nvr = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('reading the channels on newer firmware', () => {
  it('over the JSON-RPC: LogicDeviceManager.getCameraAll where the RemoteDevice read is refused; disabled channels listed', async () => {
    nvr = await startFakeNvr({
      address: '127.62.14.1',
      personality: 'ldm',
      unusedSlots: 1,
      cameras: [
        { enable: true, address: '127.62.14.20', port: 37777, username: 'admin', password: testPassword('Old'), protocol: 'Private', name: 'Front' },
        { enable: false, address: '127.62.14.21', port: 80, username: 'onvif', password: testPassword('Old'), protocol: 'Onvif', name: 'Drive' },
      ],
    });
    const client = new DahuaRpcClient({ url: nvr.url, username: 'admin' });
    await client.login('Nvr-pass-1');
    const read = await readNvr(client);
    expect(read.channels.map((c) => [c.channel, c.name, c.protocol, c.username, c.enabled, c.online, c.passwordMasked])).toEqual([
      [1, 'Front', 'private', 'admin', true, true, true],
      [2, 'Drive', 'onvif', 'onvif', false, false, true],
    ]);
    expect(read.notes).toContain('Read through LogicDeviceManager: this firmware refuses the RemoteDevice read.');
    // Only reads: the plain list (passwords masked), never a sealed call or a write.
    expect(nvr.requests.map((r) => r.method)).not.toContain('LogicDeviceManager.secGetCameraAll');
    for (const c of nvr.cameras) expect(nvr.requests.map((r) => r.raw).join('\n')).not.toContain(c.password);
  });

  it('over the CGI: getCameraAll where the RemoteDevice read answers 400', async () => {
    const lines = [
      'camera[0].Channel=0', 'camera[0].UniqueChannel=0', 'camera[0].Enable=true', 'camera[0].DeviceInfo.Address=10.1.1.20', 'camera[0].DeviceInfo.Port=37777',
      'camera[0].DeviceInfo.UserName=admin', 'camera[0].DeviceInfo.Password=******', 'camera[0].DeviceInfo.ProtocolType=Private', 'camera[0].DeviceInfo.VideoInputs[0].Name=Gate',
      'camera[1].Channel=1', 'camera[1].UniqueChannel=1', 'camera[1].Enable=false', 'camera[1].DeviceInfo.Address=10.1.1.21', 'camera[1].DeviceInfo.UserName=admin',
      'camera[2].UniqueChannel=2', 'camera[2].Enable=false', 'camera[2].DeviceInfo.Address=192.168.0.0',
    ].join('\r\n');
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const route = `${u.pathname}?${u.searchParams.get('action')}&${u.searchParams.get('name') ?? ''}`;
      const answers: Record<string, [number, string]> = {
        '/cgi-bin/configManager.cgi?getConfig&RemoteDevice': [400, 'Error\r\nBad Request!\r\n'],
        '/cgi-bin/LogicDeviceManager.cgi?getCameraAll&': [200, lines],
        '/cgi-bin/LogicDeviceManager.cgi?getCameraState&': [200, 'states[0].channel=0\r\nstates[0].connectionState=Connected\r\nstates[1].channel=1\r\nstates[1].connectionState=Connected\r\n'],
      };
      const [status, body] = answers[route] ?? [501, 'Error\r\nNot Implemented!\r\n'];
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.62.14.2', r));
    const url = `http://127.62.14.2:${(server.address() as AddressInfo).port}`;
    const clock = new OffsetClock();
    const read = await readNvrCgi({ url, username: 'admin', password: 'Nvr-pass-1', gate: new CredentialGate({ clock }), clock });
    expect(read.channels.map((c) => [c.channel, c.name, c.address, c.enabled, c.online, c.passwordMasked])).toEqual([
      [1, 'Gate', '10.1.1.20', true, true, true],
      [2, '', '10.1.1.21', false, false, false],
    ]);
    expect(read.notes).toContain('Read through LogicDeviceManager: this firmware refuses the RemoteDevice read.');
    expect(seen.some((u) => /pwd|pass/i.test(u))).toBe(false);
  });
});
