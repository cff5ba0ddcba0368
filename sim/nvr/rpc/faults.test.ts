import { afterEach, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../identities';
import { startSite, type Site } from '../../site';
import { CODES, type NvrRpcFaultOptions } from '../rpc';
import { rpcOf } from '../rpc-addon';
import { login, post, sealedCall, session, type Json } from './raw-client';

// Loopback block 127.71.3.0/24 is this file's own. Each fault is data on the NVR (NvrRpcFaults), set per test.
const PW = SITE_CREDENTIALS.camera.password;
const NEW = 'Fault-new-pass-1';
const uuid = (n: number) => `uuid:System_CONFIG_NETCAMERA_INFO_${n}`;
let site: Site | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

async function nvrWith(faults: NvrRpcFaultOptions) {
  site = await startSite({ block: '127.71.3', cameras: 2, behindNvr: 0, nvrRpc: faults });
  const rpc = rpcOf(site);
  const call = await session(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
  const cameras = async () => (await sealedCall(call, 'LogicDeviceManager.secGetCameraAll', null)).answer.camera as Json[];
  const table = async () => (await call('configManager.getConfig', { name: 'RemoteDevice' })).params.table as Json;
  const setTable = (t: Json) => call('configManager.setConfig', { name: 'RemoteDevice', table: t, options: [] });
  return { rpc, call, cameras, table, setTable };
}

const withPassword = (cam: Json, password: string) => ({ ...cam, DeviceInfo: { ...cam['DeviceInfo'], Password: password } });

describe('write refusals', () => {
  it('refuse the store: any write that changes a stored password is refused whole; others land', async () => {
    const { rpc, call, cameras, table, setTable } = await nvrWith({ firmware: 'logic-device-manager', refuseStore: true });
    const [cam0, cam1] = await cameras();
    const both = await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0!, NEW), { ...cam1, Enable: false }] });
    expect(both.raw.error.code).toBe(CODES.invalidParam);
    expect([rpc.stored(0), rpc.stored(1)]).toMatchObject([{ password: PW }, { enable: true }]);
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ ...cam1, Enable: false }] })).answer).toEqual([{ UniqueChannel: 1, failedCode: 0 }]);
    expect(rpc.stored(1).enable).toBe(false);
    // On the older firmware too, through setConfig.
    rpc.setFaults({ firmware: 'remote-device-table' });
    const t = await table();
    expect((await setTable({ ...t, [uuid(0)]: { ...t[uuid(0)], Password: NEW } })).error.code).toBe(CODES.invalidParam);
    expect(rpc.stored(0).password).toBe(PW);
    expect(rpc.stats().storeRefusals).toBe(2);
  });

  it('refuse the pause: a write that disables a channel is refused whole; a password change lands', async () => {
    const { rpc, call, cameras, table, setTable } = await nvrWith({ firmware: 'logic-device-manager', refusePause: true });
    const [cam0] = await cameras();
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [{ ...withPassword(cam0!, NEW), Enable: false }] })).raw.error.code).toBe(CODES.invalidParam);
    expect(rpc.stored(0)).toMatchObject({ enable: true, password: PW });
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0!, NEW)] })).answer).toEqual([{ UniqueChannel: 0, failedCode: 0 }]);
    expect(rpc.stored(0).password).toBe(NEW);
    rpc.setFaults({ firmware: 'remote-device-table' });
    const t = await table();
    expect((await setTable({ ...t, [uuid(1)]: { ...t[uuid(1)], Enable: false } })).error.code).toBe(CODES.invalidParam);
    expect(rpc.stored(1).enable).toBe(true);
    expect(rpc.stats().pauseRefusals).toBe(2);
  });

  it('refusals per camera inside the sealed answer: that camera stays as it was, the others land', async () => {
    // The answer's shape: minhluuquang/dahua-NVR-ios-app CameraRPC.swift SecSetCameraResult [{UniqueChannel, failedCode}].
    const { rpc, call, cameras } = await nvrWith({ firmware: 'logic-device-manager', cameraRefusals: { 1: 268632064 } });
    const [cam0, cam1] = await cameras();
    const { raw, answer } = await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0!, NEW), withPassword(cam1!, NEW)] });
    expect(raw.result).toBe(true);
    expect(answer).toEqual([{ UniqueChannel: 0, failedCode: 0 }, { UniqueChannel: 1, failedCode: 268632064 }]);
    expect([rpc.stored(0).password, rpc.stored(1).password]).toEqual([NEW, PW]);
    expect(rpc.stats().cameraRefusals).toBe(1);
  });
});

describe('answers that never come, or come in the wrong shape', () => {
  it('apply and drop the connection: the write lands, the answer never arrives', async () => {
    const { rpc, call, cameras } = await nvrWith({ firmware: 'logic-device-manager', dropAnswer: ['LogicDeviceManager.secSetCamera'] });
    const [cam0] = await cameras();
    await expect(sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0!, NEW)] })).rejects.toThrow();
    expect(rpc.stored(0).password).toBe(NEW);
  });

  it('apply and stall: the write lands and no answer ever comes', async () => {
    const { rpc, table } = await nvrWith({ stallAnswer: ['configManager.setConfig'] });
    const t = await table();
    const { second } = await login(rpc.url, 'admin', SITE_CREDENTIALS.nvr.password);
    const abort = new AbortController();
    const body = { method: 'configManager.setConfig', params: { name: 'RemoteDevice', table: { ...t, [uuid(0)]: { ...t[uuid(0)], Password: NEW } } }, id: 7, session: second.session };
    const pending = fetch(`${rpc.url}/RPC2`, { method: 'POST', signal: abort.signal, body: JSON.stringify(body) });
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    await expect.poll(() => rpc.stored(0).password).toBe(NEW);
    // The write has landed and nothing came back; a client would wait here (aborted, not waited out).
    expect(settled).toBe(false);
    abort.abort();
    await expect(pending).rejects.toThrow();
  });

  it('a wrong-shape answer: secGetCameraAll without `camera`, secSetCamera without the per-camera list (the write lands)', async () => {
    const { rpc, call } = await nvrWith({ firmware: 'logic-device-manager', wrongShape: ['LogicDeviceManager.secGetCameraAll', 'LogicDeviceManager.secSetCamera'] });
    const all = (await sealedCall(call, 'LogicDeviceManager.secGetCameraAll', null)).answer as Json;
    expect(all).not.toHaveProperty('camera');
    const cam0 = (all['cameras'] as Json[])[0]!;
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0, NEW)] })).answer).toEqual({ result: true });
    expect(rpc.stored(0).password).toBe(NEW);
  });
});

describe('weak keys: what the NVR hands out, and what a client that seals with one gives away', () => {
  it('each weak key looks like what it is not, and every sealed request made under one is counted', async () => {
    const { rpc, call } = await nvrWith({ firmware: 'logic-device-manager' });
    const pubOf = async () => (await call('Security.getEncryptInfo')).params.pub as string;
    const shapes: [NvrRpcFaultOptions['key'], RegExp][] = [
      ['rsa-2048', /^N:[1-9A-F][0-9A-F]{511},E:010001$/],
      ['rsa-1024', /^N:[1-9A-F][0-9A-F]{255},E:010001$/],
      // 512 bits written as 2048: 384 leading zero digits.
      ['rsa-512-padded', /^N:0{384}[1-9A-F][0-9A-F]{127},E:010001$/],
      ['e1', /^N:[0-9A-F]{512},E:01$/],
      ['e2', /^N:[0-9A-F]{512},E:02$/],
      ['e3', /^N:[0-9A-F]{512},E:03$/],
    ];
    for (const [key, shape] of shapes) {
      rpc.setFaults({ key });
      expect(await pubOf(), key).toMatch(shape);
    }
    expect(rpc.stats().sealedWithWeakKey).toBe(0);
    // e=1 is no encryption: the NVR (like anyone on the wire) reads what was sealed, so the write lands.
    rpc.setFaults({ key: 'e1' });
    const e1 = await sealedCall(call, 'LogicDeviceManager.secGetCameraAll', null, 'AES-128');
    const cam0 = e1.answer.camera[0] as Json;
    const onWire = JSON.parse(rpc.requests().at(-1)!.raw).params.salt as string;
    expect(Buffer.from(onWire, 'hex').subarray(-16).toString()).toBe('0123456789012345'); // the AES key, in the clear
    // The 512-bit key sealed at its real size opens; e=2 opens for no one.
    rpc.setFaults({ key: 'rsa-512-padded' });
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0, NEW)] })).answer).toEqual([{ UniqueChannel: 0, failedCode: 0 }]);
    rpc.setFaults({ key: 'e2' });
    expect((await sealedCall(call, 'LogicDeviceManager.secSetCamera', { cameras: [withPassword(cam0, PW)] })).raw.error.code).toBe(CODES.invalidRequest);
    expect(rpc.stored(0).password).toBe(NEW);
    expect(rpc.stats().sealedWithWeakKey).toBe(3);
    expect(rpc.requests().filter((r) => r.sealed).map((r) => r.weakKey)).toEqual([true, true, true]);
  });

  it('the older firmware has no getEncryptInfo to hand a key out with', async () => {
    const { call } = await nvrWith({ key: 'e1' });
    expect((await call('Security.getEncryptInfo')).error.code).toBe(CODES.methodNotFound);
    expect((await post(rpcOf(site!).url, '/RPC2', { method: 'Security.getEncryptInfo', id: 1, session: 'nope' })).error.code).toBe(CODES.invalidSession);
  });
});
