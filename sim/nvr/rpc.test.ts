/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON answers, checked field by field */
import { constants, createCipheriv, createDecipheriv, createHash, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** The caller's side of the secSetCamera envelope, written here from DOMAIN.md (not main/'s sealer). */
function publicKeyOf(pub: string) {
  const parts = Object.fromEntries(pub.split(',').map((p) => p.split(':') as [string, string]));
  const b64u = (h: string) => Buffer.from(h, 'hex').toString('base64url');
  return createPublicKey({ key: { kty: 'RSA', n: b64u(parts['N']!), e: b64u(parts['E']!) }, format: 'jwk' });
}

function sealRaw(pub: string, body: unknown, cipher: 'RPAC-256' | 'AES-128', o: { key?: string; plain?: Buffer } = {}) {
  const publicKey = publicKeyOf(pub);
  const key = o.key ?? (cipher === 'AES-128' ? '0123456789012345' : '01234567890123456789012345678901');
  const salt = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(key)).toString('hex');
  const plain = o.plain ?? Buffer.from(JSON.stringify(body));
  const padded = Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]);
  const [algorithm, iv] = cipher === 'AES-128' ? (['aes-128-ecb', null] as const) : (['aes-256-cbc', Buffer.from('0000000000000000')] as const);
  const c = createCipheriv(algorithm, Buffer.from(key), iv);
  c.setAutoPadding(false);
  const open = (content: string) => {
    const d = createDecipheriv(algorithm, Buffer.from(key), iv);
    d.setAutoPadding(false);
    return JSON.parse(Buffer.concat([d.update(Buffer.from(content, 'base64')), d.final()]).toString('utf8').replace(/\0+$/, '')) as unknown;
  };
  return { salt, cipher, content: Buffer.concat([c.update(padded), c.final()]).toString('base64'), open };
}

describe("simulated NVR firmware that takes passwords only through secSetCamera ('encrypted-only')", () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.61.11', cameras: 2, behindNvr: 0, nvrRpc: { remoteDeviceWrite: 'encrypted-only' } });
  });
  afterAll(async () => {
    await site?.stop();
  });
  const session = async () => {
    const rpc = rpcOf(site);
    const ok = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    let id = 100;
    return (method: string, params: unknown = null) => post(rpc.url, '/RPC2', { method, params, id: id++, session: ok.session });
  };
  const uuid = (n: number) => `uuid:System_CONFIG_NETCAMERA_INFO_${n}`;

  it('refuses a plain write that changes a password, takes one that only pauses, and takes passwords sealed for its key', async () => {
    const rpc = rpcOf(site);
    const call = await session();
    const table = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Record<string, any>;
    const before = rpc.stats();

    const withPassword = { ...table, [uuid(0)]: { ...table[uuid(0)], Enable: false, Password: 'Plain-new-pass-1' } };
    const refused = await call('configManager.setConfig', { name: 'RemoteDevice', table: withPassword, options: [] });
    expect(refused).toMatchObject({ result: false, error: { code: CODES.invalidRequest } });
    // Nothing of a refused write lands, not even the Enable beside the password.
    expect(rpc.channels[0]).toMatchObject({ enable: true, password: SITE_CREDENTIALS.camera.password });

    const pause = { ...table, [uuid(0)]: { ...table[uuid(0)], Enable: false } };
    expect((await call('configManager.setConfig', { name: 'RemoteDevice', table: pause, options: [] })).result).toBe(true);
    expect(rpc.channels[0]!.enable).toBe(false);

    const info = (await call('Security.getEncryptInfo')).params;
    expect(info).toMatchObject({ asymmetric: 'RSA', cipher: ['RPAC', 'AES'], AESPadding: expect.any(Array) });
    expect(info.pub).toMatch(/^N:[0-9A-F]{512},E:[0-9A-F]+$/);

    // The camera's password changes, then the NVR's stored one (with Enable back), sealed.
    const NEW = 'Sealed-new-pass-2';
    site.cameras[0]!.users.setPassword('admin', NEW);
    const failedAuths = site.cameras[0]!.stats().failedAuths;
    const env = sealRaw(info.pub, { cameras: [{ channel: 0, DeviceInfo: { ...table[uuid(0)], Enable: true, Password: NEW } }, { channel: 1, DeviceInfo: { ...table[uuid(1)], Password: undefined } }] }, 'RPAC-256');
    const answer = await call('LogicDeviceManager.secSetCamera', { salt: env.salt, cipher: env.cipher, content: env.content });
    expect(answer.result).toBe(true);
    expect(env.open(answer.params.content)).toEqual({ result: true });
    expect(rpc.channels[0]).toMatchObject({ enable: true, password: NEW });
    // A slot sent without a password keeps the stored one.
    expect(rpc.channels[1]!.password).toBe(SITE_CREDENTIALS.camera.password);
    // The NVR really signs in to the camera with what secSetCamera stored.
    await rpc.pollNow();
    expect(rpc.channels[0]!.state).toBe('Connected');
    expect(site.cameras[0]!.stats().failedAuths).toBe(failedAuths);

    // AES-128-ECB too; the counters say what happened.
    const back = sealRaw(info.pub, { cameras: [{ channel: 0, DeviceInfo: { Password: SITE_CREDENTIALS.camera.password } }] }, 'AES-128');
    expect((await call('LogicDeviceManager.secSetCamera', { salt: back.salt, cipher: back.cipher, content: back.content })).result).toBe(true);
    site.cameras[0]!.users.setPassword('admin', SITE_CREDENTIALS.camera.password);
    expect(rpc.channels[0]!.password).toBe(SITE_CREDENTIALS.camera.password);
    expect(rpc.stats()).toMatchObject({ secSetCameras: before.secSetCameras + 2, plainPasswordRefusals: before.plainPasswordRefusals + 1, setConfigs: before.setConfigs + 1 });
  });

  it('answers every garbage envelope with a JSON-RPC error and stores nothing', async () => {
    const rpc = rpcOf(site);
    const call = await session();
    const { pub } = (await call('Security.getEncryptInfo')).params;
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const otherPub = `N:${Buffer.from(other.n!, 'base64url').toString('hex')},E:${Buffer.from(other.e!, 'base64url').toString('hex')}`;
    const body = { cameras: [{ channel: 0, DeviceInfo: { Password: 'Garbage-pass-3' } }] };
    const good = sealRaw(pub, body, 'RPAC-256');
    // The right key under 00 01 FF… 00 key: a well-formed PKCS#1 block, but not an encryption one.
    const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(256 - 3 - 32, 0xff), Buffer.from([0]), Buffer.from('01234567890123456789012345678901')]);
    const type1Salt = publicEncrypt({ key: publicKeyOf(pub), padding: constants.RSA_NO_PADDING }, em).toString('hex');
    const cases: [string, unknown][] = [
      ['no params', null],
      ['bad hex salt', { ...good, salt: 'zz' + good.salt.slice(2) }],
      ['short salt', { ...good, salt: good.salt.slice(0, 64) }],
      ['salt of another key', { ...good, salt: sealRaw(otherPub, body, 'RPAC-256').salt }],
      ['salt padded as a signature (block type 1), not for encryption', { ...good, salt: type1Salt }],
      ['wrong cipher', { ...good, cipher: 'DES' }],
      ['cipher of the other key length', { ...good, cipher: 'AES-128' }],
      ['content not base64', { ...good, content: '!!!!' }],
      ['content not whole blocks', { ...good, content: Buffer.from('abc').toString('base64') }],
      ['content not JSON', sealRaw(pub, null, 'RPAC-256', { plain: Buffer.from('not json at all') })],
      ['no cameras', sealRaw(pub, { cameras: [] }, 'RPAC-256')],
      ['camera without DeviceInfo', sealRaw(pub, { cameras: [{ channel: 0 }] }, 'RPAC-256')],
      ['negative channel', sealRaw(pub, { cameras: [{ channel: -1, DeviceInfo: {} }] }, 'AES-128')],
      ['a bare array', sealRaw(pub, [1, 2], 'AES-128')],
    ];
    const refusals = rpc.stats().secSetCameraRefusals;
    for (const [what, params] of cases) {
      const p = params && typeof params === 'object' && 'open' in params ? { ...(params as Record<string, unknown>), open: undefined } : params;
      const r = await call('LogicDeviceManager.secSetCamera', p);
      expect(r, what).toMatchObject({ result: false, error: { code: CODES.invalidRequest } });
    }
    expect(rpc.stats().secSetCameraRefusals).toBe(refusals + cases.length);
    expect(rpc.channels.map((c) => c.password)).toEqual([SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.camera.password]);
    // Still serving.
    expect((await call('magicBox.getSerialNo')).result).toBe(true);
  });

  it("plain firmware has neither method", async () => {
    const rpc = rpcOf(site);
    rpc.setFaults({ remoteDeviceWrite: 'plain' });
    try {
      const call = await session();
      expect((await call('Security.getEncryptInfo')).error.code).toBe(CODES.methodNotFound);
      expect((await call('LogicDeviceManager.secSetCamera', {})).error.code).toBe(CODES.methodNotFound);
    } finally {
      rpc.setFaults({ remoteDeviceWrite: 'encrypted-only' });
    }
  });
});
