/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON answers, checked field by field */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../identities';
import { startSite, type Site } from '../site';
import { rpcOf } from './rpc-addon';
import { CODES } from './rpc';

// Loopback blocks 127.61.9.0/24 (and .10, .11) are this file's own. A raw JSON client, written here
// from DOMAIN.md, so the simulator is checked without the app's client.
const md5 = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

async function post(url: string, path: string, body: unknown): Promise<Record<string, any>> {
  const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(body), redirect: 'manual' });
  return (await res.json()) as Record<string, any>;
}

async function login(url: string, user: string, password: string): Promise<Record<string, any>> {
  const first = await post(url, '/RPC2_Login', { method: 'global.login', params: { userName: user, password: '', clientType: 'Web3.0', loginType: 'Direct' }, id: 1 });
  expect(first.error.code).toBe(CODES.challenge);
  const { realm, random, encryption } = first.params;
  expect(encryption).toBe('Default');
  const hash = md5(`${user}:${random}:${md5(`${user}:${realm}:${password}`)}`);
  return post(url, '/RPC2_Login', {
    method: 'global.login',
    params: { userName: user, password: hash, clientType: 'Web3.0', loginType: 'Direct', authorityType: encryption, passwordType: 'Default' },
    id: 2,
    session: first.session,
  });
}

describe('simulated NVR web JSON-RPC', () => {
  let site: Site;
  let t = 0;
  const clock = () => Date.now() + t;
  beforeAll(async () => {
    site = await startSite({ block: '127.61.9', cameras: 4, clock });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('signs in with the Default hash and reads identity, both tables and camera state', async () => {
    const rpc = rpcOf(site);
    const ok = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    expect(ok).toMatchObject({ result: true, params: { keepAliveInterval: 60 } });
    let id = 10;
    const call = (method: string, params: unknown = null) => post(rpc.url, '/RPC2', { method, params, id: id++, session: ok.session });
    expect((await call('magicBox.getSerialNo')).params.sn).toBe(site.nvr.identity.serialNumber);
    const table = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Record<string, any>;
    expect(Object.keys(table)).toEqual([0, 1, 2, 3, 4].map((n) => `uuid:System_CONFIG_NETCAMERA_INFO_${n}`));
    expect(table['uuid:System_CONFIG_NETCAMERA_INFO_0']).toMatchObject({ Address: site.cameras[0]!.address, ProtocolType: 'Private', Port: 37777, UserName: 'admin', Enable: true });
    expect(table['uuid:System_CONFIG_NETCAMERA_INFO_1']).toMatchObject({ ProtocolType: 'Onvif', Port: site.port });
    expect(table['uuid:System_CONFIG_NETCAMERA_INFO_3']).toMatchObject({ UserName: 'onvif' });
    // The first state read makes the NVR try its cameras (no background round in tests): every camera is connected.
    expect(rpc.channels[0]!.state).toBe('Unknown');
    const authOk = site.cameras[0]!.stats().authOk['digest-MD5'] ?? 0;
    const states = (await call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] })).params.states as { channel: number; connectionState: string }[];
    expect(states.map((s) => s.connectionState)).toEqual(['Connected', 'Connected', 'Connected', 'Connected', 'Connected']);
    expect(site.cameras[0]!.stats().authOk['digest-MD5']).toBe(authOk + 1);
    // A second read within 5 s reports the same round: no new sign-in on the camera.
    await call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] });
    expect(site.cameras[0]!.stats().authOk['digest-MD5']).toBe(authOk + 1);
    expect((await call('no.suchMethod')).error.code).toBe(CODES.methodNotFound);
    expect((await call('global.keepAlive', { timeout: 60 })).result).toBe(true);
    expect((await call('global.logout')).result).toBe(true);
    expect((await call('magicBox.getSerialNo')).error.code).toBe(CODES.invalidSession);
  });

  it('the camera behind the NVR is connected for the NVR but refuses the laptop', async () => {
    const rpc = rpcOf(site);
    await rpc.pollNow();
    const behind = rpc.channels[4]!;
    expect(behind).toMatchObject({ address: '127.61.9.254', state: 'Connected' });
    await expect(fetch(`http://${behind.address}:${behind.port}/`)).rejects.toThrow();
  });

  it('a stale stored password takes the channel offline and spends the camera’s failure counter', async () => {
    const rpc = rpcOf(site);
    const cam = site.cameras[2]!;
    const before = cam.stats().failedAuths;
    cam.users.setPassword('admin', 'Changed-by-someone-1');
    try {
      await rpc.pollNow();
      expect(rpc.channels[2]!.state).toBe('Disconnected');
      expect(cam.stats().failedAuths).toBe(before + 1);
      await rpc.pollNow();
      expect(cam.stats().failedAuths).toBe(before + 2);
      expect(rpc.channels[0]!.state).toBe('Connected');
    } finally {
      cam.users.setPassword('admin', SITE_CREDENTIALS.camera.password);
    }
    await rpc.pollNow();
    expect(rpc.channels[2]!.state).toBe('Connected');
  });

  it('counts wrong passwords down with remainLoginTimes, locks after 5 for 30 minutes, then unlocks', async () => {
    const rpc = rpcOf(site);
    const remain: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await login(rpc.url, 'admin', 'wrong-password-1');
      expect(r.error.code).toBe(CODES.wrongPassword);
      remain.push(r.params.remainLoginTimes);
      if (i === 4) expect(r.params.remainLockSecond).toBe(1800);
    }
    expect(remain).toEqual([4, 3, 2, 1, 0]);
    const locked = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    expect(locked.error.code).toBe(CODES.locked);
    expect(locked.params.remainLockSecond).toBeGreaterThan(1790);
    expect(rpc.stats()).toMatchObject({ loginFailures: 5, lockedRefusals: 1 });
    t += 30 * 60_000 + 1000;
    expect((await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password)).result).toBe(true);
  });

  it('takes the password the reset page sets', async () => {
    const rpc = rpcOf(site);
    site.nvr.users.setPassword('admin', 'Reset2026x');
    try {
      expect((await login(rpc.url, 'admin', 'Reset2026x')).result).toBe(true);
      expect((await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password)).error.code).toBe(CODES.wrongPassword);
    } finally {
      site.nvr.users.setPassword('admin', SITE_CREDENTIALS.nvr.password);
    }
  });
});

describe('simulated NVR faults', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.61.10', cameras: 2, behindNvr: 0, nvrRpc: { slotStyle: 'indexed', maskPasswords: true, extraUnusedSlots: 2 } });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('indexed slots, masked passwords, unused slots; session expiry; refusals before the password', async () => {
    const rpc = rpcOf(site);
    const ok = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    const table = (await post(rpc.url, '/RPC2', { method: 'configManager.getConfig', params: { name: 'RemoteDevice' }, id: 3, session: ok.session })).params.table;
    expect(Array.isArray(table)).toBe(true);
    expect(table).toHaveLength(4);
    expect(table[0].Password).toBe('******');
    expect(table[3]).toMatchObject({ Enable: false, Address: '192.168.0.0' });

    rpc.setFaults({ expireSessionAfterCalls: 1 });
    const s2 = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    expect((await post(rpc.url, '/RPC2', { method: 'magicBox.getSerialNo', id: 4, session: s2.session })).result).toBe(true);
    expect((await post(rpc.url, '/RPC2', { method: 'magicBox.getSerialNo', id: 5, session: s2.session })).error.code).toBe(CODES.invalidSession);
    rpc.setFaults({ expireSessionAfterCalls: 0, notInitialised: true });
    const first = await post(rpc.url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: '' }, id: 1 });
    expect(first.error.code).toBe(CODES.notInitialised);
    rpc.setFaults({ notInitialised: false, blacklisted: true });
    expect((await post(rpc.url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: '' }, id: 1 })).error.code).toBe(CODES.blacklisted);
    rpc.setFaults({ blacklisted: false, httpsRedirect: true });
    const r = await fetch(rpc.url + '/RPC2_Login', { method: 'POST', body: '{}', redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toMatch(/^https:\/\//);
    rpc.setFaults({ httpsRedirect: false, notJson: true });
    expect(await (await fetch(rpc.url + '/RPC2_Login', { method: 'POST', body: '{}' })).text()).toMatch(/<html>/);
    rpc.setFaults({ notJson: false });
    expect(rpc.stats().loginFailures).toBe(0);
  });
});

describe("older firmware ('remote-device-table'): a table write replaces every slot it writes", () => {
  // Shape: DOMAIN.md "Useful methods" (RemoteDevice slots; setConfig takes the whole table, read-modify-write);
  // whether setConfig merges or replaces, and what it does with an omitted, empty or masked Password, is
  // unknown (DOMAIN.md "Unknown, so treat as destructive"): the simulator takes the destructive reading.
  let site: Site;
  beforeEach(async () => {
    site = await startSite({ block: '127.61.11', cameras: 4, behindNvr: 0 });
  });
  afterEach(async () => {
    await site?.stop();
  });
  const uuid = (n: number) => `uuid:System_CONFIG_NETCAMERA_INFO_${n}`;
  const PW = SITE_CREDENTIALS.camera.password;

  it('an omitted, empty or masked Password destroys the stored one; a slot left out becomes unused', async () => {
    const rpc = rpcOf(site);
    const ok = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    const call = (method: string, params: unknown = null) => post(rpc.url, '/RPC2', { method, params, id: 9, session: ok.session });
    const table = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Record<string, any>;
    const { Password: _omitted, ...noPassword } = table[uuid(0)];
    const written = { [uuid(0)]: noPassword, [uuid(1)]: { ...table[uuid(1)], Password: '' }, [uuid(2)]: { ...table[uuid(2)], Password: '******' } };
    expect((await call('configManager.setConfig', { name: 'RemoteDevice', table: written, options: [] })).result).toBe(true);
    expect([0, 1, 2].map((i) => rpc.stored(i).password)).toEqual(['', '', '******']);
    // Slot 3 was left out of the table: unused now.
    expect(rpc.stored(3)).toMatchObject({ enable: false, address: '192.168.0.0', username: 'admin', password: '' });
    expect(rpc.stats()).toMatchObject({ maskWrites: 1, destroyedPasswords: 4 });
    // The NVR keeps signing in with what it stores now: every round a refused sign-in on cameras 0-2.
    const failed = site.cameras.map((c) => c.stats().failedAuths);
    await rpc.pollNow();
    await rpc.pollNow();
    expect(site.cameras.map((c) => c.stats().failedAuths - failed[site.cameras.indexOf(c)]!)).toEqual([2, 2, 2, 0]);
    expect([0, 1, 2, 3].map((i) => rpc.stored(i).refusedLogins)).toEqual([2, 2, 2, 0]);
  });

  it('the whole table written back with the stored passwords changes only what changed', async () => {
    const rpc = rpcOf(site);
    const ok = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    const call = (method: string, params: unknown = null) => post(rpc.url, '/RPC2', { method, params, id: 9, session: ok.session });
    const table = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Record<string, any>;
    const name = 'A name much longer than thirty-one characters';
    const next = { ...table, [uuid(1)]: { ...table[uuid(1)], Password: 'Table-new-pass-1', Name: name } };
    expect((await call('configManager.setConfig', { name: 'RemoteDevice', table: next, options: [] })).result).toBe(true);
    const back = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Record<string, any>;
    expect(back).toEqual({ ...table, [uuid(1)]: { ...table[uuid(1)], Password: 'Table-new-pass-1', Name: name.slice(0, 31) } });
    expect([0, 2, 3].map((i) => rpc.stored(i).password)).toEqual([PW, PW, SITE_CREDENTIALS.cameraOperator.password]);
    // The older firmware has no camera list and no seal.
    for (const m of ['Security.getEncryptInfo', 'LogicDeviceManager.getCameraAll', 'LogicDeviceManager.secGetCameraAll', 'LogicDeviceManager.secSetCamera']) {
      expect((await call(m, {})).error.code, m).toBe(CODES.methodNotFound);
    }
  });

  it('logs every request: method, sealed or not, and the raw body', async () => {
    const rpc = rpcOf(site);
    const before = rpc.requests().length;
    await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    await fetch(`${rpc.url}/cgi-bin/magicBox.cgi?action=getSerialNo`);
    const log = rpc.requests().slice(before);
    expect(log.map((r) => [r.path, r.method, r.sealed])).toEqual([
      ['/RPC2_Login', 'global.login', false],
      ['/RPC2_Login', 'global.login', false],
      ['/cgi-bin/magicBox.cgi', 'getSerialNo', false],
    ]);
    expect(JSON.parse(log[1]!.raw).params.authorityType).toBe('Default');
    // The log is the NVR's: a copy each time.
    log[0]!.raw = 'changed';
    expect(rpc.requests()[before]!.raw).not.toBe('changed');
  });
});
