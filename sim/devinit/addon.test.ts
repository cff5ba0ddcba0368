import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { outside, pubOf, rpcLogin, sealFor } from './test-wire';
import { until } from '../../test/support/until';
import { frame } from '../discovery/dhip-responder';
import { SITE_CREDENTIALS } from '../identities';
import { cameraLogin } from '../nvr/camera-login';
import { rpcOf } from '../nvr/rpc-addon';
import { startSite, type Site } from '../site';
import { DEMO_FRESH_CAMERA, devInitOf } from './addon';

// Socket test: run inside `unshare -n` (scripts/sandbox.sh). Blocks 127.71.2–5.0/24; DHIP on 43760.
const NEW = 'Site-pass-2024';
const DHIP_PORT = 43760;

let site: Site | undefined;
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await site?.stop();
  site = undefined;
});

async function initialise(url: string) {
  await outside(url, 'DevInit.setProtocolAgree', { ProtocolEnable: true }, { session: 0 });
  const r = await outside(url, 'DevInit.account', sealFor(await pubOf(url), { name: 'admin', pwd: NEW, CellPhone: '', Mail: 'owner@example.com' }));
  expect(r.body).toMatchObject({ result: true });
}

/** The Init a device answers a unicast DHIP search with. */
async function dhipInit(address: string): Promise<{ Init: number; HttpPort: number }> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const got: { Init: number; HttpPort: number }[] = [];
  s.on('message', (m) => got.push((JSON.parse(m.toString('utf8', 32, 32 + m.readUInt32LE(16))) as { params: { deviceInfo: { Init: number; HttpPort: number } } }).params.deviceInfo));
  s.send(frame('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n', 5), DHIP_PORT, address);
  return until(() => got[0], `a DHIP answer from ${address}`);
}

describe('factory-fresh cameras in the simulated site', () => {
  it('a site has factory-fresh cameras only where asked (the demo asks for camera 6); an unknown camera is refused', async () => {
    site = await startSite({ block: '127.71.2', cameras: 8, behindNvr: 0 });
    expect(site.devInit).toEqual({});
    await site.stop();
    site = await startSite({ block: '127.71.2', cameras: 8, behindNvr: 0, factoryFresh: { [DEMO_FRESH_CAMERA]: {} } });
    expect(Object.keys(site.devInit ?? {})).toEqual(['6']);
    await expect(startSite({ block: '127.71.2', cameras: 2, factoryFresh: { '5': {} } })).rejects.toThrow(/no camera 5/);
  });

  it('no usable ONVIF account and an offline channel the NVR does not sign in to, until the account; then admin with the new password', async () => {
    site = await startSite({ block: '127.71.3', cameras: 3, behindNvr: 0, factoryFresh: { '1': {} } });
    const cam = site.cameras[1]!;
    const rpc = rpcOf(site);
    expect(await cameraLogin(cam.xaddr, 'admin', SITE_CREDENTIALS.camera.password)).toBe('refused');
    const refusedBefore = cam.stats().failedAuths;
    await rpc.pollNow();
    expect(rpc.channels[1]!.state).toBe('Disconnected');
    expect(rpc.channels[0]!.state).toBe('Connected');
    // The recorder did not spend the fresh camera's failure counter.
    expect(cam.stats().failedAuths).toBe(refusedBefore);

    await initialise(devInitOf(site, 1).url);
    expect(cam.users.checkPassword('admin', NEW)).toBe(true);
    expect(await cameraLogin(cam.xaddr, 'admin', NEW)).toBe('ok');
    // The NVR reconnects with what it stores (the old camera's password): refused until the loop is closed.
    await rpc.pollNow();
    expect(rpc.channels[1]).toMatchObject({ state: 'Disconnected', lastLogin: 'refused' });
    rpc.channels[1]!.password = NEW;
    await rpc.pollNow();
    expect(rpc.channels[1]!.state).toBe('Connected');
  });

  it('answers DHIP with Init 1 until initialised and 2 after, its reset capability in bits 6–7 and its web port', async () => {
    site = await startSite({
      block: '127.71.4', cameras: 3, behindNvr: 0, factoryFresh: { '1': {}, '2': { resetSupport: 'not-supported' } },
      // Every camera answers the prober (some firmware answers the group instead: not what this test is about).
      discovery: { wsdPort: 43761, ssdpPort: 43762, ssdpHttpPort: 49260, dhipPort: DHIP_PORT, maxDelayMs: 0, devices: { '0': { dhip: { replyTo: 'prober' } }, '2': { dhip: { replyTo: 'prober' } } } },
    });
    const fresh = devInitOf(site, 1);
    expect(await dhipInit(site.cameras[1]!.address)).toEqual(expect.objectContaining({ Init: 0x81, HttpPort: fresh.port }));
    expect((await dhipInit(site.cameras[2]!.address)).Init).toBe(0x41);
    expect((await dhipInit(site.cameras[0]!.address)).Init).toBe(0x82);
    await initialise(fresh.url);
    expect((await dhipInit(site.cameras[1]!.address)).Init).toBe(0x82);
  });
});

describe('the NVR and a factory-fresh camera it records', () => {
  // DOMAIN.md "Initialising a new Dahua device": before an account exists every sign-in is refused as "not
  // initialised" (268632086); whether that counts toward the lock is not documented, so here the NVR does not reach
  // the camera at all until it has a password, and from then on every refusal counts (the risky guess punished).
  it('the NVR\'s first round, which leaves as the site starts, never reaches the fresh camera: nothing counted against it', async () => {
    site = await startSite({ block: '127.71.5', cameras: 2, behindNvr: 0, nvrPollMs: 60_000, factoryFresh: { '0': {} } });
    const rpc = rpcOf(site);
    await rpc.pollNow(); // waits out the round that started with the site
    expect(rpc.stored(0)).toMatchObject({ state: 'Disconnected', refusedLogins: 0 });
    expect(site.cameras[0]!.stats().failedAuths).toBe(0);
    // Initialised: the NVR reaches it with what it stores (the old password) and every round is a refusal.
    await initialise(devInitOf(site, 0).url);
    await rpc.pollNow();
    expect(rpc.stored(0)).toMatchObject({ state: 'Disconnected', refusedLogins: 1 });
    expect(site.cameras[0]!.stats().failedAuths).toBe(1);
    // The camera's threshold (5): its one admin account is locked, the web sign-in with the right password too.
    const url = devInitOf(site, 0).url;
    expect((await rpcLogin(url, NEW)).body).toMatchObject({ result: true });
    for (let i = 0; i < 4; i++) await rpc.pollNow();
    expect(site.cameras[0]!.stats().lockedUntil).toBeGreaterThan(site.cameras[0]!.now());
    expect((await rpcLogin(url, NEW)).body).toMatchObject({ result: false, error: { code: 268632081 } });
  });
});
