import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { SITE_CREDENTIALS } from '../../sim/identities';
import type { NvrRpcFaultOptions } from '../../sim/nvr/rpc';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { NvrWriteUnanswered, type NvrChannelStore } from './channel-store';
import { DahuaError, DahuaRpcClient } from './client';
import { dahuaChannelStore } from './nvr-channels';
import { nvrAction } from './session';

// Loopback block 127.62.15.0/24 is this file's own. The channel-store port against the simulated NVR
// (sim/nvr, written apart from this client from DOMAIN.md and the public reference clients), judged by the
// NVR's own state (stored(), stats(), its request log) and the cameras' own counters.

const NVR_PW = SITE_CREDENTIALS.nvr.password;
const OLD = SITE_CREDENTIALS.camera.password;
const NEW = 'Port-new-pass-7';
const WRITES = ['LogicDeviceManager.secSetCamera', 'configManager.setConfig'];
const SEALED = ['LogicDeviceManager.secSetCamera', 'LogicDeviceManager.secGetCameraAll'];

let site: Site | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

async function open(faults: NvrRpcFaultOptions, timeoutMs?: number) {
  site = await startSite({ block: '127.62.15', cameras: 3, behindNvr: 0, nvrRpc: faults });
  const rpc = rpcOf(site);
  const clock = new OffsetClock();
  const client = new DahuaRpcClient({ url: rpc.url, username: 'admin', ...(timeoutMs ? { timeoutMs } : {}) });
  const gate = new CredentialGate({ clock });
  const store = dahuaChannelStore(client);
  /** One action on the store, as the caller wraps it (the credential gate, one sign-in). */
  const act = <T>(f: (s: NvrChannelStore) => Promise<T>) => nvrAction({ gate, client, password: NVR_PW, clock }, () => f(store));
  await act(async () => undefined);
  const mark = rpc.requests().length;
  const since = () => rpc.requests().slice(mark);
  const methods = () => since().map((r) => r.method);
  return { site, rpc, act, since, methods };
}

describe.each(['logic-device-manager', 'remote-device-table'] as const)('the port on %s firmware', (firmware) => {
  const sealed = firmware === 'logic-device-manager';

  it('proves the write path without writing', async () => {
    const { act, methods } = await open({ firmware });
    const proof = await act((s) => s.proveWritePath());
    if (sealed) expect(proof).toEqual({ ok: true, firmware, sealed: true });
    else expect(proof).toMatchObject({ ok: true, firmware, sealed: false, note: expect.stringMatching(/readable, over plain http/) });
    expect(methods().filter((m) => WRITES.includes(m))).toEqual([]);
  });

  it('pause, change the camera, store: the NVR records with the new password, the other channels keep theirs, no camera refuses the NVR', async () => {
    const { site, rpc, act, since } = await open({ firmware });
    expect(await act((s) => s.writeChannels([{ channel: 1, enable: false }]))).toEqual([{ channel: 1, status: 'taken' }]);
    expect(rpc.stored(0)).toMatchObject({ enable: false, password: OLD });
    site.cameras[0]!.users.setPassword('admin', NEW);
    expect(await act((s) => s.writeChannels([{ channel: 1, password: NEW, enable: true }]))).toEqual([{ channel: 1, status: 'taken' }]);
    await rpc.pollNow();
    expect(rpc.stored(0)).toMatchObject({ enable: true, password: NEW, state: 'Connected', refusedLogins: 0 });
    expect([rpc.stored(1).password, rpc.stored(2).password]).toEqual([OLD, OLD]);
    expect(await act((s) => s.channelStates())).toEqual(new Map([[1, 'Connected'], [2, 'Connected'], [3, 'Connected']]));
    expect(rpc.stats()).toMatchObject({ destroyedPasswords: 0, maskWrites: 0, plainPasswordRefusals: 0 });
    const writes = since().filter((r) => WRITES.includes(r.method));
    if (sealed) {
      // One secSetCamera per write, each carrying only that camera; no password in any plain request.
      expect(writes.map((r) => [r.method, r.sealed, r.uniqueChannels])).toEqual([
        ['LogicDeviceManager.secSetCamera', true, [0]],
        ['LogicDeviceManager.secSetCamera', true, [0]],
      ]);
      for (const r of rpc.requests()) for (const p of [NEW, OLD, SITE_CREDENTIALS.cameraOperator.password]) expect(r.raw, r.method).not.toContain(p);
    } else {
      expect(writes.map((r) => r.method)).toEqual(['configManager.setConfig', 'configManager.setConfig']);
    }
  });

  it('a channel disabled on the NVR is read as a channel, marked disabled', async () => {
    const { rpc, act } = await open({ firmware });
    rpc.channels[1]!.enable = false;
    const channels = await act((s) => s.readChannels());
    expect(channels.map((c) => [c.channel, c.enabled, c.address])).toEqual([
      [1, true, rpc.channels[0]!.address],
      [2, false, rpc.channels[1]!.address],
      [3, true, rpc.channels[2]!.address],
    ]);
    expect(channels.map((c) => c.password)).toEqual([OLD, OLD, OLD]);
  });

  it('a store the NVR refuses is a DahuaError, the stored password stays, and nothing is sent another way', async () => {
    const { rpc, act, methods } = await open({ firmware, refuseStore: true });
    const err = await act((s) => s.writeChannels([{ channel: 1, password: NEW }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DahuaError);
    expect(err).not.toBeInstanceOf(NvrWriteUnanswered);
    expect(rpc.stored(0).password).toBe(OLD);
    expect(methods().filter((m) => WRITES.includes(m))).toEqual([sealed ? 'LogicDeviceManager.secSetCamera' : 'configManager.setConfig']);
  });

  it('a pause the NVR refuses is a DahuaError, and the channel stays enabled', async () => {
    const { rpc, act } = await open({ firmware, refusePause: true });
    await expect(act((s) => s.writeChannels([{ channel: 2, enable: false }]))).rejects.toBeInstanceOf(DahuaError);
    expect(rpc.stored(1).enable).toBe(true);
  });

  it.each([
    ['dropped', (m: string) => ({ dropAnswer: [m] }), undefined],
    ['stalled', (m: string) => ({ stallAnswer: [m] }), 1000],
  ] as const)('a write whose answer is %s: NvrWriteUnanswered, sent once, and it landed (only a read-back tells)', async (_what, fault, timeoutMs) => {
    const method = sealed ? 'LogicDeviceManager.secSetCamera' : 'configManager.setConfig';
    const { rpc, act, methods } = await open({ firmware, ...fault(method) }, timeoutMs);
    const err = await act((s) => s.writeChannels([{ channel: 1, password: NEW }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NvrWriteUnanswered);
    expect(methods().filter((m) => WRITES.includes(m))).toEqual([method]);
    expect(rpc.stored(0).password).toBe(NEW);
    rpc.setFaults({ dropAnswer: [], stallAnswer: [] });
    expect((await act((s) => s.readChannels()))[0]!.password).toBe(NEW);
  });
});

describe('newer firmware: what the sealed answers say', () => {
  it('a camera refused inside the sealed answer is refused, in the NVR\'s words', async () => {
    const { rpc, act } = await open({ firmware: 'logic-device-manager', cameraRefusals: { 0: 268632064 } });
    expect(await act((s) => s.writeChannels([{ channel: 1, password: NEW }]))).toEqual([{ channel: 1, status: 'refused', detail: 'the NVR refused this camera (failedCode 268632064)' }]);
    expect(rpc.stored(0).password).toBe(OLD);
  });

  it('a secSetCamera answer in a shape no client expects ({"result":true}) proves nothing', async () => {
    const { act } = await open({ firmware: 'logic-device-manager', wrongShape: ['LogicDeviceManager.secSetCamera'] });
    await expect(act((s) => s.writeChannels([{ channel: 1, enable: false }]))).rejects.toBeInstanceOf(NvrWriteUnanswered);
  });

  it('a camera list in the wrong shape: not provable, and nothing is written', async () => {
    const { act, methods } = await open({ firmware: 'logic-device-manager', wrongShape: ['LogicDeviceManager.secGetCameraAll'] });
    expect(await act((s) => s.proveWritePath())).toMatchObject({ ok: false, firmware: 'logic-device-manager', reason: expect.stringMatching(/sealed camera list could not be read/) });
    const err = (await act((s) => s.writeChannels([{ channel: 1, password: NEW }])).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(methods().filter((m) => WRITES.includes(m))).toEqual([]);
  });

  it("the camera's own Enable and DeviceInfo's are switched together (the channel records only while both are on)", async () => {
    const { rpc, act } = await open({ firmware: 'logic-device-manager' });
    await act((s) => s.writeChannels([{ channel: 3, enable: false }]));
    expect(rpc.channels[2]!.enable).toBe(false);
    expect(rpc.channels[2]!.camera?.['Enable']).toBe(false);
    await act((s) => s.writeChannels([{ channel: 3, enable: true }]));
    expect(rpc.stored(2).enable).toBe(true);
  });
});

describe.each(['rsa-512-padded', 'e1', 'e2', 'e3', 'rsa-1024'] as const)('a weak key (%s): nothing sealed, nothing sent', (key) => {
  it('the path is not provable, a write is not sent, and no sealed request ever reaches the NVR', async () => {
    const { rpc, act, methods } = await open({ firmware: 'logic-device-manager', key });
    const proof = await act((s) => s.proveWritePath());
    expect(proof).toMatchObject({ ok: false, reason: expect.stringMatching(/too weak to protect a password/), nextStep: expect.stringMatching(/firmware/) });
    const err = (await act((s) => s.writeChannels([{ channel: 1, password: NEW }])).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(rpc.stats().sealedWithWeakKey).toBe(0);
    expect(methods().filter((m) => [...WRITES, ...SEALED].includes(m))).toEqual([]);
    for (const r of rpc.requests()) expect(r.raw).not.toContain(NEW);
    expect(rpc.stored(0).password).toBe(OLD);
  });
});

describe('older firmware that masks stored passwords', () => {
  it('is not provable, and no table write is sent (it would overwrite every stored password)', async () => {
    const { rpc, act } = await open({ firmware: 'remote-device-table', maskPasswords: true });
    expect(await act((s) => s.proveWritePath())).toMatchObject({ ok: false, firmware: 'remote-device-table', reason: expect.stringMatching(/hides the stored password of channels 1, 2, 3/) });
    const err = (await act((s) => s.writeChannels([{ channel: 1, enable: false }])).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(rpc.stats()).toMatchObject({ setConfigs: 0, destroyedPasswords: 0 });
    // The channels are still listed for the plan, passwords unknown.
    expect((await act((s) => s.readChannels())).map((c) => [c.channel, c.password])).toEqual([[1, undefined], [2, undefined], [3, undefined]]);
  });
});
