import { describe, it, expect } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { Cam, type CamOptions } from 'onvif';
import { OnvifClient } from './client';
import { naiveSyncWithOnvifPackage } from '../../bench/baseline';
import type { SimDevice } from '../../sim/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { simCameras } from '../../test/support/sim-cameras';

/**
 * Why the sync path does not use the npm `onvif` package (0.8.3): each DOMAIN.md bug is shown
 * against the simulator, next to our client handling the same case. If the package is upgraded
 * and a bug goes away, its "demonstrates" test fails, telling us to revisit the decision.
 * Block 127.22.x.0/24.
 */

const ADMIN = { ...SITE_CREDENTIALS.camera };
const sims = simCameras({ block: '127.22.1', seed: 4 });
const device = sims.camera;

function ourClient(d: SimDevice, auth: 'auto' | 'wsse' = 'auto') {
  const c = new OnvifClient({ xaddr: d.xaddr, timeoutMs: 3000, auth });
  sims.cleanup(() => c.close());
  return c;
}

function connectCam(d: { address: string; port: number }, o: Partial<CamOptions> = {}): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam: Cam = new Cam({ hostname: d.address, port: d.port, username: ADMIN.username, password: ADMIN.password, timeout: 3000, ...o }, (err) =>
      err ? reject(err) : resolve(cam),
    );
  });
}

const camGetUsers = (cam: Cam) =>
  new Promise<{ err: Error | null; data: unknown }>((resolve) => cam.getUsers((err, data) => resolve({ err, data })));
const camSetUsers = (cam: Cam, users: { username: string; password: string; userLevel: string }[]) =>
  new Promise<Error | null>((resolve) => cam.setUsers(users, (err) => resolve(err)));

describe('npm onvif 0.8.3 bugs: escaping, the unbound callback, ASCII digests', () => {
  it('setUsers does not XML-escape the password: a "<" breaks the request', async () => {
    const d = await device();
    const cam = await connectCam(d);
    const err = await camSetUsers(cam, [{ username: 'onvif', password: 'Abc<def12', userLevel: 'Operator' }]);
    expect(err).toBeInstanceOf(Error);
    expect(d.users.checkPassword('onvif', 'Abc<def12')).toBe(false);
    // ours
    await ourClient(d).setUser(ADMIN, { username: 'onvif', password: 'Abc<def12', userLevel: 'Operator' });
    expect(d.users.checkPassword('onvif', 'Abc<def12')).toBe(true);
  });

  it("setUsers' unbound callback keeps the old password: its follow-up read fails a login", async () => {
    const d = await device();
    const cam = await connectCam(d);
    const err = await camSetUsers(cam, [{ username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' }]);
    expect(d.users.checkPassword('admin', 'NewPass2020')).toBe(true); // the device did change it
    expect(cam.password).toBe(ADMIN.password); // …but Cam still holds the old one
    expect(err).toBeInstanceOf(Error); // its own follow-up GetUsers was rejected
    expect(d.stats().failedAuths).toBe(1); // and that cost a lockout attempt
    // ours: credentials are per call, nothing stale to carry over
    const d2 = await device();
    const c = ourClient(d2);
    await c.setUser(ADMIN, { username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' });
    expect(await c.getUsers({ username: 'admin', password: 'NewPass2020' })).toHaveLength(2);
    expect(d2.stats().failedAuths).toBe(0);
  });

  it('WS-UsernameToken digest hashes the password as ASCII: non-ASCII passwords fail', async () => {
    const d = await device({ auth: 'wsse-only' });
    d.users.setPassword('admin', 'Pässwörd12');
    const cam = await connectCam(d, { password: 'Pässwörd12' });
    // connect() already spent two refused sign-ins on the media service (GetProfiles and GetVideoSources)
    // and still reported success: it swallows media errors as a 'warning' event.
    expect(d.stats().failedAuths).toBe(2);
    const r = await camGetUsers(cam);
    expect(r.err).toBeInstanceOf(Error);
    expect(d.stats().failedAuths).toBe(3);
    // ours (UTF-8)
    const c = ourClient(d, 'wsse');
    await c.getSystemDateAndTime();
    expect(await c.getUsers({ username: 'admin', password: 'Pässwörd12' })).toHaveLength(2);
    expect(d.stats().failedAuths).toBe(3);
  });
});

describe('npm onvif 0.8.3 bugs: a wrong path, an empty user list', () => {
  it('autoconnect:false without connect() sends device calls to a wrong path', async () => {
    const lines: string[] = [];
    const server = net.createServer((s) => {
      s.once('data', (b: Buffer) => {
        lines.push(b.toString('latin1').split('\r\n')[0]!);
        s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.22.9.1', r));
    sims.cleanup(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const cam = new Cam({ hostname: '127.22.9.1', port, username: 'admin', password: 'x', autoconnect: false, timeout: 3000 });
    const r = await camGetUsers(cam);
    expect(r.err).toBeInstanceOf(Error);
    expect(lines).toEqual(['POST device HTTP/1.1']); // not /onvif/device_service
    // ours posts to the xaddr's path, always
    const d = await device();
    expect(await ourClient(d).getUsers(ADMIN)).toHaveLength(2);
  });

  it('getUsers crashes on an empty user list', async () => {
    const env = (b: string) =>
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>${b}</s:Body></s:Envelope>`;
    let xaddr = '';
    // A device answering only what Cam needs to connect, then an empty user list.
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        const op = /<(?:\w+:)?(GetSystemDateAndTime|GetServices|GetUsers)\b/.exec(b)?.[1];
        const body =
          op === 'GetSystemDateAndTime'
            ? '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute><tt:Second>3</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>1</tt:Month><tt:Day>1</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
            : op === 'GetServices'
              ? `<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/device/wsdl</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr></tds:Service><tds:Service><tds:Namespace>http://www.onvif.org/ver10/events/wsdl</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr></tds:Service></tds:GetServicesResponse>`
              : '<tds:GetUsersResponse/>';
        res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(env(body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.22.9.2', r));
    sims.cleanup(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
    const port = (server.address() as net.AddressInfo).port;
    xaddr = `http://127.22.9.2:${port}/onvif/device_service`;
    const cam = await connectCam({ address: '127.22.9.2', port });
    const r = await camGetUsers(cam);
    expect(r.err?.message).toMatch(/Cannot read properties of undefined/);
    // ours
    const c = new OnvifClient({ xaddr });
    sims.cleanup(() => c.close());
    expect(await c.getUsers(ADMIN)).toEqual([]);
  });
});

describe('npm onvif 0.8.3 bugs: both credential kinds on a Digest retry', () => {
  it('with WS-Security left on, the Digest retry carries both credential kinds', async () => {
    const d = await device({ auth: 'digest-only' });
    const cam = await connectCam(d);
    const r = await camGetUsers(cam);
    expect(r.err).toBeNull();
    expect(d.stats().bothCredentialKinds).toBeGreaterThan(0);
    // ours: one kind per request
    const d2 = await device({ auth: 'digest-only' });
    await ourClient(d2).getUsers(ADMIN);
    expect(d2.stats().bothCredentialKinds).toBe(0);
  });
});

describe('naiveSyncWithOnvifPackage (bench baseline)', () => {
  it('changes the password on a camera, paying one failed login for the package bug', async () => {
    const d = await device();
    await naiveSyncWithOnvifPackage(d.xaddr, 'admin', ADMIN.password, 'Baseline2020');
    expect(d.users.checkPassword('admin', 'Baseline2020')).toBe(true);
    expect(d.stats().failedAuths).toBe(1);
    expect(d.stats().setUserCount).toEqual({ admin: 1 });
  });

  it('fails when SetUser is refused', async () => {
    const d = await device({ fixedAdmin: true });
    await expect(naiveSyncWithOnvifPackage(d.xaddr, 'admin', ADMIN.password, 'Baseline2020')).rejects.toBeInstanceOf(Error);
    expect(d.users.checkPassword('admin', ADMIN.password)).toBe(true);
  });
});

// The simulator's field behaviours (DOMAIN.md), seen by an independent client: the `onvif` package.
describe('simulated field behaviours, seen by the onvif package', () => {
  it('authentication off: any password is accepted', async () => {
    const d = await device({ authOff: true });
    const cam = await connectCam(d, { password: 'not-the-password' });
    const r = await camGetUsers(cam);
    expect(r.err).toBeNull();
    expect(d.stats().failedAuths).toBe(0);
  });

  it('SetUser applied, then the connection dropped: the package sees an error although the password changed', async () => {
    const d = await device({ dropAfterSetUser: true });
    const cam = await connectCam(d);
    const err = await camSetUsers(cam, [{ username: 'admin', password: 'Dropped2026x', userLevel: 'Administrator' }]);
    expect(err).toBeTruthy();
    expect(d.users.checkPassword('admin', 'Dropped2026x')).toBe(true);
  });

  it('late apply: right after SetUser the old password still signs in', async () => {
    const d = await device({ setUserDelayMs: 60_000 });
    const cam = await connectCam(d);
    expect(await camSetUsers(cam, [{ username: 'admin', password: 'Late2026xyz', userLevel: 'Administrator' }])).toBeNull();
    const again = await connectCam(d);
    expect((await camGetUsers(again)).err).toBeNull();
    expect(d.users.checkPassword('admin', ADMIN.password)).toBe(true);
  });
});

// The simulated Media service (profiles, snapshot URI) checked by someone else's client.
describe('simulated media service, seen by the onvif package', () => {
  const camGetProfiles = (cam: Cam) =>
    new Promise<{ err: Error | null; profiles: unknown }>((resolve) => cam.getProfiles((err, profiles) => resolve({ err, profiles })));
  const camGetSnapshotUri = (cam: Cam, profileToken: string) =>
    new Promise<{ err: Error | null; media: unknown }>((resolve) => cam.getSnapshotUri({ profileToken }, (err, media) => resolve({ err, media })));

  it('connect() finds the media service and a default profile; getProfiles and getSnapshotUri answer', async () => {
    const d = await device();
    const cam = await connectCam(d);
    expect((cam as unknown as { activeSource?: { profileToken: string } }).activeSource?.profileToken).toBe('Profile_1');
    const { err, profiles } = await camGetProfiles(cam);
    expect(err).toBeNull();
    const list = profiles as { $: { token: string }; name: string }[];
    expect(list.map((p) => [p.$.token, p.name])).toEqual([['Profile_1', 'MainStream'], ['Profile_2', 'SubStream']]);
    const snap = await camGetSnapshotUri(cam, 'Profile_2');
    expect(snap.err).toBeNull();
    expect((snap.media as { uri: string }).uri).toBe(`http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_2`);
    expect(d.stats().failedAuths).toBe(0);
  });

  it('noSnapshot: getSnapshotUri reports the ActionNotSupported fault', async () => {
    const d = await device({ noSnapshot: true });
    const cam = await connectCam(d);
    const snap = await camGetSnapshotUri(cam, 'Profile_1');
    expect(snap.err).toBeInstanceOf(Error);
    expect(String(snap.err)).toMatch(/not supported/i);
  });
});
