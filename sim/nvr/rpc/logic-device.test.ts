import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../identities';
import { startSite, type Site } from '../../site';
import { rpcOf } from '../rpc-addon';
import { CODES } from '../rpc';
import { seal, sealedCall, session, type Json } from './raw-client';

// Loopback block 127.71.1.0/24 is this file's own.
const PW = SITE_CREDENTIALS.camera.password;
const uuid = (n: number) => `uuid:System_CONFIG_NETCAMERA_INFO_${n}`;

describe("newer firmware ('logic-device-manager'): the camera list, sealed", () => {
  let site: Site;
  let call: (method: string, params?: unknown) => Promise<Json>;
  beforeEach(async () => {
    site = await startSite({ block: '127.71.1', cameras: 2, behindNvr: 0, nvrRpc: { firmware: 'logic-device-manager' } });
    call = await session(rpcOf(site).url, 'admin', SITE_CREDENTIALS.nvr.password);
  });
  afterEach(async () => {
    await site?.stop();
  });
  const readAll = async (cipher: 'RPAC-256' | 'AES-128' = 'RPAC-256') => (await sealedCall(call, 'LogicDeviceManager.secGetCameraAll', null, cipher)).answer.camera as Json[];

  it('getEncryptInfo hands out a 2048-bit RSA key and both ciphers', async () => {
    // Shape: DahuaConsole dahua.py get_encrypt_info (asymmetric, cipher[], AESPadding[], pub "N:…,E:…");
    // minhluuquang/dahua-NVR-ios-app SecurityRPC.swift EncryptInfo (asymmetric, cipher, pub).
    const info = (await call('Security.getEncryptInfo')).params;
    expect(info).toMatchObject({ asymmetric: 'RSA', cipher: ['AES', 'RPAC'], AESPadding: expect.any(Array) });
    expect(info.pub).toMatch(/^N:[0-9A-F]{512},E:010001$/);
  });

  it('getCameraAll answers the list plain, with no password in it', async () => {
    // Shape: minhluuquang/dahua-NVR-ios-app RPCCameraModels.swift RPCCameraInfo/RPCDeviceInfo (no Password field).
    const r = await call('LogicDeviceManager.getCameraAll');
    expect(r.params.camera).toHaveLength(2);
    expect(r.params.camera[0]).toMatchObject({ UniqueChannel: 0, DeviceID: uuid(0), Type: 'Remote', Enable: true, DeviceInfo: { Address: site.cameras[0]!.address, UserName: 'admin' } });
    expect(JSON.stringify(r)).not.toContain(PW);
    expect(r.params.camera[0].DeviceInfo).not.toHaveProperty('Password');
  });

  it('secGetCameraAll takes the sealed null and answers {camera:[…]} sealed, with stored passwords, in either cipher', async () => {
    // Shape: a public Python NVR tool (DOMAIN.md "a Python NVR tool": secure_request('LogicDeviceManager.secGetCameraAll', None)
    // with AES-128, reading ['params']['camera'], filtering Type == 'Remote', keying by UniqueChannel);
    // minhluuquang/dahua-NVR-ios-app RPCCameraModels.swift for the fields, RPAC-256.
    for (const cipher of ['AES-128', 'RPAC-256'] as const) {
      const cams = await readAll(cipher);
      expect(cams.map((c) => c['UniqueChannel'])).toEqual([0, 1]);
      expect(cams[1]).toMatchObject({ Channel: 0, DeviceID: uuid(1), Type: 'Remote', Enable: true, VideoStream: 'Main' });
      expect(cams[1]!['DeviceInfo']).toMatchObject({
        Address: site.cameras[1]!.address, Port: site.port, HttpPort: site.port, RtspPort: 554, UserName: 'admin', Password: PW, ProtocolType: 'Onvif',
        DeviceType: site.cameras[1]!.identity.model, SerialNo: site.cameras[1]!.identity.serialNumber, VideoInputChannels: 1, VideoInputs: [expect.objectContaining({ Name: expect.any(String) })],
      });
    }
    // Anything but the sealed null is refused.
    expect((await sealedCall(call, 'LogicDeviceManager.secGetCameraAll', {})).raw.error.code).toBe(CODES.invalidRequest);
    expect((await call('LogicDeviceManager.secGetCameraAll', null)).error.code).toBe(CODES.invalidRequest);
  });

  it('secSetCamera {cameras:[cam]}: the whole object as read, one field changed, answered per camera', async () => {
    // Request: the Python NVR tool's toggle (the whole camera from secGetCameraAll, VideoInputChannels set to null,
    // one field changed, {'cameras': [cam]}); answer: minhluuquang/dahua-NVR-ios-app CameraRPC.swift
    // SecSetCameraResult [{UniqueChannel, failedCode}].
    const rpc = rpcOf(site);
    const NEW = 'Sealed-new-pass-2';
    site.cameras[0]!.users.setPassword('admin', NEW);
    const cam = (await readAll())[0]!;
    const sent = { ...cam, DeviceInfo: { ...cam['DeviceInfo'], VideoInputChannels: null, Password: NEW } };
    const before = rpc.requests().length;
    const { answer } = await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [sent] }, 'AES-128');
    expect(answer).toEqual([{ UniqueChannel: 0, failedCode: 0 }]);
    expect(rpc.stored(0)).toMatchObject({ enable: true, username: 'admin', password: NEW });
    expect(rpc.stored(1).password).toBe(PW);
    // VideoInputChannels: null keeps what the NVR knows; every other field is as read.
    const after = (await readAll())[0]!;
    expect(after).toEqual({ ...cam, DeviceInfo: { ...cam['DeviceInfo'], Password: NEW } });
    // The NVR's log: one sealed secSetCamera carrying only channel 0, and no password in any plain request.
    const set = rpc.requests().slice(before).filter((r) => r.method === 'LogicDeviceManager.secSetCamera');
    expect(set).toEqual([expect.objectContaining({ sealed: true, uniqueChannels: [0] })]);
    expect(rpc.requests().filter((r) => !r.sealed && (r.raw.includes(NEW) || r.raw.includes(PW)))).toEqual([]);
    // The NVR really signs in with what it stored.
    const failed = site.cameras[0]!.stats().failedAuths;
    await rpc.pollNow();
    expect(rpc.stored(0).state).toBe('Connected');
    expect(site.cameras[0]!.stats().failedAuths).toBe(failed);
  });

  it('a camera object missing fields loses them: no Password destroys it, no Address loses the camera; Name is cut to 31', async () => {
    const rpc = rpcOf(site);
    const [cam0, cam1] = await readAll();
    const { Password: _p, HttpPort: _h, ...info0 } = cam0!['DeviceInfo'] as Json;
    const { Address: _a, ...info1 } = cam1!['DeviceInfo'] as Json;
    const longName = 'Front door camera by the garage!'; // 32 characters
    const { answer } = await sealedCall(call, 'LogicDeviceManager.secSetCamera', {
      cameras: [{ ...cam0, DeviceInfo: { ...info0, Name: longName } }, { ...cam1, DeviceInfo: info1 }],
    });
    expect(answer).toEqual([{ UniqueChannel: 0, failedCode: 0 }, { UniqueChannel: 1, failedCode: 0 }]);
    const [after0, after1] = await readAll();
    expect(after0!['DeviceInfo']).toMatchObject({ Password: '', HttpPort: 0, Name: longName.slice(0, 31) });
    expect(after1!['DeviceInfo']).toMatchObject({ Address: '', Password: PW });
    expect(rpc.stats().destroyedPasswords).toBe(1);
    // The NVR now signs in to camera 0 with an empty password (refused: the camera's counter) and cannot find camera 1.
    const failed = site.cameras.map((c) => c.stats().failedAuths);
    await rpc.pollNow();
    expect([rpc.stored(0).state, rpc.stored(1).state]).toEqual(['Disconnected', 'Disconnected']);
    expect(rpc.stored(0).refusedLogins).toBe(1);
    expect(site.cameras.map((c) => c.stats().failedAuths)).toEqual([failed[0]! + 1, failed[1]]);
  });

  it('refuses inside the answer a camera it does not have or whose DeviceID is not its own; refuses the shape no client uses', async () => {
    const rpc = rpcOf(site);
    const [cam0] = await readAll();
    const { answer } = await sealedCall(call, 'LogicDeviceManager.secSetCamera', {
      cameras: [{ ...cam0, UniqueChannel: 7, DeviceID: uuid(7) }, { ...cam0, DeviceID: uuid(1), DeviceInfo: { ...(cam0!['DeviceInfo'] as Json), Password: 'Moved-pass-1' } }],
    });
    expect(answer.map((a: Json) => a['UniqueChannel'])).toEqual([7, 0]);
    expect(answer.every((a: Json) => a['failedCode'] !== 0)).toBe(true);
    expect(rpc.stored(0).password).toBe(PW);
    // {channel, DeviceInfo} for a slot (issue 17: what the app sent and the old simulator took): refused whole.
    const old = await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ channel: 0, DeviceInfo: { ...(cam0!['DeviceInfo'] as Json), Password: 'Old-shape-1' } }] });
    expect(old.raw.error.code).toBe(CODES.invalidRequest);
    expect(rpc.stored(0).password).toBe(PW);
  });

  it('no plain path takes a password: RemoteDevice reads are masked and a setConfig that changes one is refused whole', async () => {
    const rpc = rpcOf(site);
    const table = (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Json;
    expect(table[uuid(0)].Password).toBe('******');
    const before = rpc.stats();
    // Written back as read (the mask), with a pause: refused whole, the Enable beside it included.
    const pause = { ...table, [uuid(0)]: { ...table[uuid(0)], Enable: false } };
    expect((await call('configManager.setConfig', { name: 'RemoteDevice', table: pause, options: [] })).error.code).toBe(CODES.invalidRequest);
    const changed = { ...table, [uuid(0)]: { ...table[uuid(0)], Password: 'Plain-new-pass-1' } };
    expect((await call('configManager.setConfig', { name: 'RemoteDevice', table: changed, options: [] })).error.code).toBe(CODES.invalidRequest);
    expect(rpc.stored(0)).toMatchObject({ enable: true, password: PW });
    expect(rpc.stats()).toMatchObject({ plainPasswordRefusals: before.plainPasswordRefusals + 2, setConfigs: before.setConfigs });
    // The pause goes through secSetCamera (Enable false on the camera), and back.
    const [cam0] = await readAll();
    await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ ...cam0, Enable: false }] });
    expect(rpc.stored(0).enable).toBe(false);
    expect((await call('LogicDeviceManager.getCameraState', { uniqueChannels: [-1] })).params.states[0]).toMatchObject({ channel: 0, connectionState: 'Unknown' });
    await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [cam0] });
    expect(rpc.stored(0)).toMatchObject({ enable: true, password: PW });
    // The camera's Enable and DeviceInfo.Enable are stored apart and the channel records only while both are
    // true (which one the firmware honours is unknown): a pause of both, undone on one, stays a pause.
    await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ ...cam0, Enable: false, DeviceInfo: { ...(cam0!['DeviceInfo'] as Json), Enable: false } }] });
    const paused = (await readAll())[0]!;
    expect([paused['Enable'], (paused['DeviceInfo'] as Json)['Enable']]).toEqual([false, false]);
    await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ ...paused, Enable: true }] });
    expect(rpc.stored(0).enable).toBe(false);
    await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [cam0] });
    expect(rpc.stored(0).enable).toBe(true);
  });
});

describe('the seal: garbage envelopes are refusals, never crashes', () => {
  let site: Site;
  beforeEach(async () => {
    site = await startSite({ block: '127.71.1', cameras: 1, behindNvr: 0, nvrRpc: { firmware: 'logic-device-manager' } });
  });
  afterEach(async () => {
    await site?.stop();
  });

  it('answers every garbage envelope with a JSON-RPC error and stores nothing', async () => {
    const { generateKeyPairSync, publicEncrypt, constants, createPublicKey } = await import('node:crypto');
    const rpc = rpcOf(site);
    const call = await session(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    const { pub } = (await call('Security.getEncryptInfo')).params;
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const otherPub = `N:${Buffer.from(other.n!, 'base64url').toString('hex')},E:${Buffer.from(other.e!, 'base64url').toString('hex')}`;
    const cam = { UniqueChannel: 0, DeviceID: uuid(0), Enable: true, DeviceInfo: { Password: 'Garbage-pass-3' } };
    const body = { cameras: [cam] };
    const good = seal(pub, body, 'RPAC-256').params;
    // The right key under 00 01 FF… 00 key: a well-formed PKCS#1 block, but a signature one, not an encryption one.
    const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(256 - 3 - 32, 0xff), Buffer.from([0]), Buffer.from('01234567890123456789012345678901')]);
    const n = Buffer.from(pub.slice(2, pub.indexOf(',')), 'hex').toString('base64url');
    const type1Salt = publicEncrypt({ key: createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' }), padding: constants.RSA_NO_PADDING }, em).toString('hex');
    const cases: [string, unknown][] = [
      ['no params', null],
      ['bad hex salt', { ...good, salt: 'zz' + good.salt.slice(2) }],
      ['short salt', { ...good, salt: good.salt.slice(0, 64) }],
      ['salt of another key', { ...good, salt: seal(otherPub, body, 'RPAC-256').params.salt }],
      ['salt padded as a signature (block type 1), not for encryption', { ...good, salt: type1Salt }],
      ['wrong cipher', { ...good, cipher: 'DES' }],
      ['cipher of the other key length', { ...good, cipher: 'AES-128' }],
      ['content not base64', { ...good, content: '!!!!' }],
      ['content not whole blocks', { ...good, content: Buffer.from('abc').toString('base64') }],
      ['content not JSON', seal(pub, null, 'RPAC-256', { plain: Buffer.from('not json at all') }).params],
      ['no cameras', seal(pub, { cameras: [] }, 'RPAC-256').params],
      ['camera without UniqueChannel', seal(pub, { cameras: [{ DeviceInfo: {} }] }, 'RPAC-256').params],
      ['negative UniqueChannel', seal(pub, { cameras: [{ ...cam, UniqueChannel: -1 }] }, 'AES-128').params],
      ['a bare array', seal(pub, [cam], 'AES-128').params],
    ];
    const refusals = rpc.stats().secSetCameraRefusals;
    for (const [what, params] of cases) {
      const r = await call('LogicDeviceManager.secSetCamera', params);
      expect(r, what).toMatchObject({ result: false, error: { code: CODES.invalidRequest } });
    }
    expect(rpc.stats().secSetCameraRefusals).toBe(refusals + cases.length);
    expect(rpc.stored(0).password).toBe(PW);
    // Still serving.
    expect((await call('magicBox.getSerialNo')).result).toBe(true);
  });
});
