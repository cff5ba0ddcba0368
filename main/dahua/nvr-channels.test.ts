import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DahuaError, DahuaRpcClient } from './client';
import { NvrWriteUnanswered } from './channel-store';
import { startFakeNvr, testPassword, type FakeCamera, type FakeNvr, type FakeNvrOptions } from '../../test/support/fake-nvr';
import { dahuaChannelStore } from './nvr-channels';

// Loopback block 127.62.13.0/24 is this file's own. The port against the fake NVR (test/support/fake-nvr.ts):
// both firmware personalities, the faults, and what reached the NVR, read from the fake's own state and log.

const NVR_PW = 'Nvr-pass-1';
const WRITES = ['LogicDeviceManager.secSetCamera', 'configManager.setConfig'];

const cams = (): FakeCamera[] =>
  ['Front', 'Drive', 'Yard'].map((name, i) => ({ enable: true, address: `127.62.13.${20 + i}`, port: 37777, username: i === 2 ? 'onvif' : 'admin', password: testPassword(`Old${i}`), protocol: i % 2 ? 'Onvif' : 'Private', name }));

let nvr: FakeNvr | undefined;
afterEach(async () => {
  await nvr?.stop();
  nvr = undefined;
});

async function open(o: Partial<FakeNvrOptions> & Pick<FakeNvrOptions, 'personality'>, timeoutMs?: number) {
  nvr = await startFakeNvr({ address: '127.62.13.1', cameras: cams(), unusedSlots: 2, ...o });
  const client = new DahuaRpcClient({ url: nvr.url, username: 'admin', ...(timeoutMs ? { timeoutMs } : {}) });
  await client.login(NVR_PW);
  nvr.requests.length = 0;
  return { nvr, store: dahuaChannelStore(client) };
}

const methods = (n: FakeNvr) => n.requests.map((r) => r.method);
/** No stored or new password anywhere in what crossed the wire unsealed. */
const expectNoPasswordOnWire = (n: FakeNvr, passwords: string[]) => {
  for (const r of n.requests) for (const p of passwords) expect(r.raw, r.method).not.toContain(p);
};

describe('newer firmware (LogicDeviceManager, sealed both ways)', () => {
  it('proves the path with a key fit to seal and the sealed camera list, sending no write', async () => {
    const { nvr, store } = await open({ personality: 'ldm' });
    await expect(store.proveWritePath()).resolves.toEqual({ ok: true, firmware: 'logic-device-manager', sealed: true });
    expect(methods(nvr)).toEqual(['Security.getEncryptInfo', 'LogicDeviceManager.secGetCameraAll']);
  });

  it('reads every configured camera, a disabled one included, with its stored password (unused slots left out)', async () => {
    const { nvr, store } = await open({ personality: 'ldm' });
    nvr.cameras[1]!.enable = false;
    const channels = await store.readChannels();
    expect(channels.map((c) => [c.channel, c.enabled, c.address, c.username, c.protocol, c.name])).toEqual([
      [1, true, '127.62.13.20', 'admin', 'Private', 'Front'],
      [2, false, '127.62.13.21', 'admin', 'Onvif', 'Drive'],
      [3, true, '127.62.13.22', 'onvif', 'Private', 'Yard'],
    ]);
    expect(channels.map((c) => c.password)).toEqual(nvr.cameras.map((c) => c.password));
  });

  it('one secSetCamera carrying only the changed camera, the whole object as read; the sealed answer checked; no password in the clear', async () => {
    const { nvr, store } = await open({ personality: 'ldm' });
    const before = nvr.cameras.map((c) => ({ ...c }));
    const NEW = testPassword('New');
    await expect(store.writeChannels([{ channel: 2, password: NEW }])).resolves.toEqual([{ channel: 2, status: 'taken' }]);
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual(['LogicDeviceManager.secSetCamera']);
    const sent = nvr.sealedWrites[0] as { cameras: Record<string, unknown>[] };
    expect(sent.cameras).toHaveLength(1);
    expect(sent.cameras[0]).toMatchObject({ UniqueChannel: 1, Channel: 1, DeviceID: 'uuid:System_CONFIG_NETCAMERA_INFO_1', Type: 'Remote', Enable: true, VideoStream: 'Main' });
    expect(sent.cameras[0]!['DeviceInfo']).toEqual({ Address: '127.62.13.21', Port: 37777, HttpPort: 80, RtspPort: 554, UserName: 'admin', Password: NEW, ProtocolType: 'Onvif', DeviceType: 'IPC-FAKE', Name: 'Drive', SerialNo: 'SN1', VideoInputChannels: 1, VideoInputs: [{ Enable: true, Name: 'Drive', ServiceType: 'AUTO' }] });
    // The NVR's own state: only channel 2 changed.
    expect(nvr.cameras.map((c) => c.password)).toEqual([before[0]!.password, NEW, before[2]!.password]);
    expectNoPasswordOnWire(nvr, [NEW, ...before.map((c) => c.password)]);
  });

  it('pauses and restores a channel without touching its stored password', async () => {
    const { nvr, store } = await open({ personality: 'ldm' });
    const stored = nvr.cameras[0]!.password;
    await expect(store.writeChannels([{ channel: 1, enable: false }])).resolves.toEqual([{ channel: 1, status: 'taken' }]);
    expect(nvr.cameras[0]).toMatchObject({ enable: false, password: stored });
    expect((await store.readChannels())[0]).toMatchObject({ channel: 1, enabled: false });
    await store.writeChannels([{ channel: 1, enable: true }]);
    expect(nvr.cameras[0]).toMatchObject({ enable: true, password: stored });
  });

  it('a camera the NVR refuses inside its sealed answer is refused, in its words, and stays as it was', async () => {
    const { nvr, store } = await open({ personality: 'ldm', faults: { refuseInside: [1] } });
    const stored = nvr.cameras[0]!.password;
    const out = await store.writeChannels([{ channel: 1, password: testPassword('New') }]);
    expect(out).toEqual([{ channel: 1, status: 'refused', detail: 'the NVR refused this camera (failedCode 1)' }]);
    expect(nvr.cameras[0]!.password).toBe(stored);
  });

  it.each([
    ['says only result:true', 'result-only'],
    ['answers junk inside the seal', 'junk'],
    ['answers without a seal', 'unsealed'],
  ] as const)('an answer that %s proves nothing: NvrWriteUnanswered (the caller reads back)', async (_what, setAnswer) => {
    const { nvr, store } = await open({ personality: 'ldm', faults: { setAnswer } });
    const err = await store.writeChannels([{ channel: 1, enable: false }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NvrWriteUnanswered);
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual(['LogicDeviceManager.secSetCamera']);
  });

  it.each([
    ['dropped', { drop: ['LogicDeviceManager.secSetCamera'] }, undefined],
    ['stalled', { stall: ['LogicDeviceManager.secSetCamera'] }, 500],
  ] as const)('a write whose answer is %s: NvrWriteUnanswered, sent once, never a second way', async (_what, faults, timeoutMs) => {
    const { nvr, store } = await open({ personality: 'ldm', faults }, timeoutMs);
    const NEW = testPassword('New');
    const err = await store.writeChannels([{ channel: 1, password: NEW }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NvrWriteUnanswered);
    expect((err as Error).message).toMatch(/read the channels back/);
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual(['LogicDeviceManager.secSetCamera']);
    expect(nvr.cameras[0]!.password).toBe(NEW); // it landed; only a read-back can tell
  });

  it('a write the NVR refuses outright is a DahuaError, and nothing is tried another way', async () => {
    const { nvr, store } = await open({ personality: 'ldm', faults: { refuse: { 'LogicDeviceManager.secSetCamera': 268894209 } } });
    const stored = nvr.cameras[0]!.password;
    const err = (await store.writeChannels([{ channel: 1, password: testPassword('New') }]).catch((e: unknown) => e)) as DahuaError;
    expect(err).toBeInstanceOf(DahuaError);
    expect(err).not.toBeInstanceOf(NvrWriteUnanswered);
    expect(err.message).toMatch(/secSetCamera, code 268894209: "Refused by the fake"/);
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual(['LogicDeviceManager.secSetCamera']);
    expect(nvr.cameras[0]!.password).toBe(stored);
  });

  it('stored passwords hidden even in the sealed list: not provable, and a write that would send one back is not sent', async () => {
    const { nvr, store } = await open({ personality: 'ldm', faults: { maskSealed: true } });
    const proof = await store.proveWritePath();
    expect(proof).toMatchObject({ ok: false, firmware: 'logic-device-manager', reason: expect.stringMatching(/hides the stored password of channel 1, 2, 3/) });
    const err = (await store.writeChannels([{ channel: 1, enable: false }]).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual([]);
  });

  it('firmware with the plain camera list but no sealed one: not provable', async () => {
    const { nvr, store } = await open({ personality: 'ldm', faults: { refuse: { 'LogicDeviceManager.secGetCameraAll': 268894210 } } });
    expect(await store.proveWritePath()).toMatchObject({ ok: false, firmware: 'logic-device-manager', reason: expect.stringMatching(/no sealed camera list/) });
    // The readable list is still read (passwords absent), for the plan.
    expect((await store.readChannels()).map((c) => [c.channel, c.password])).toEqual([[1, undefined], [2, undefined], [3, undefined]]);
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual([]);
  });

  it('a channel that is not a camera on the list, or twice in one write: nothing is sent', async () => {
    const { nvr, store } = await open({ personality: 'ldm' });
    for (const edits of [[{ channel: 4, enable: false }], [{ channel: 9, enable: false }], [{ channel: 1, enable: false }, { channel: 1, enable: true }], []]) {
      const err = (await store.writeChannels(edits).catch((e: unknown) => e)) as DahuaError;
      expect(err.kind).toBe('not-sent');
    }
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual([]);
  });
});

describe('weak keys: nothing sealed, nothing sent', () => {
  const hex = (b64u: string) => Buffer.from(b64u, 'base64url').toString('hex').toUpperCase();
  const keyOf = (bits: number) => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
    return { n: hex(jwk.n!), e: hex(jwk.e!) };
  };
  const k512 = keyOf(512);
  const k1024 = keyOf(1024);
  const k2048 = keyOf(2048);
  it.each([
    ['a 512-bit key zero-padded to look bigger', `N:${k512.n.padStart(600, '0')},E:${k512.e}`, /RSA key of 512 bits/],
    ['e = 1', `N:${k2048.n},E:01`, /RSA exponent 1;/],
    ['e = 2', `N:${k2048.n},E:02`, /RSA exponent 2;/],
    ['a 1024-bit key', `N:${k1024.n},E:${k1024.e}`, /RSA key of 1024 bits/],
  ])('%s', async (_what, pub, reason) => {
    const { nvr, store } = await open({ personality: 'ldm', pub });
    const proof = await store.proveWritePath();
    expect(proof).toMatchObject({ ok: false, firmware: 'logic-device-manager', reason: expect.stringMatching(reason), nextStep: expect.stringMatching(/firmware/) });
    const err = (await store.writeChannels([{ channel: 1, password: testPassword('New') }]).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(err.message).toMatch(/too weak to protect a password/);
    // Only the key and the plain (masked) list were asked for: no sealed call, no write of any kind.
    expect(new Set(methods(nvr))).toEqual(new Set(['Security.getEncryptInfo', 'LogicDeviceManager.getCameraAll']));
  });
});

describe('a name edit reads back as written, whatever the video input is called (the pause marker rides on it)', () => {
  for (const personality of ['ldm', 'table'] as const) {
    it(personality, async () => {
      const { nvr, store } = await open({ personality });
      nvr.cameras[0]!.inputName = 'Front door (input)';
      expect((await store.readChannels())[0]!.name).toBe('Front');
      await expect(store.writeChannels([{ channel: 1, name: 'PAUSED~Front' }])).resolves.toEqual([{ channel: 1, status: 'taken' }]);
      expect(nvr.cameras[0]!.name).toBe('PAUSED~Front');
      expect((await store.readChannels())[0]!.name).toBe('PAUSED~Front');
    });
  }
});

describe('older firmware (the RemoteDevice table only)', () => {
  it('proves the path, saying the password crosses plain http; sends no write', async () => {
    const { nvr, store } = await open({ personality: 'table' });
    const proof = await store.proveWritePath();
    expect(proof).toMatchObject({ ok: true, firmware: 'remote-device-table', sealed: false, note: expect.stringMatching(/readable, over plain http/) });
    expect(methods(nvr)).toEqual(['Security.getEncryptInfo', 'LogicDeviceManager.getCameraAll', 'configManager.getConfig']);
  });

  for (const slotStyle of ['indexed', 'uuid'] as const) {
    it(`writes the whole table back as read, only the edited fields changed (${slotStyle} slots)`, async () => {
      const { nvr, store } = await open({ personality: 'table', slotStyle });
      const before = nvr.cameras.map((c) => ({ ...c }));
      nvr.cameras[2]!.enable = false;
      expect((await store.readChannels()).map((c) => [c.channel, c.enabled])).toEqual([[1, true], [2, true], [3, false]]);
      const NEW = testPassword('New');
      await expect(store.writeChannels([{ channel: 3, password: NEW, enable: true }])).resolves.toEqual([{ channel: 3, status: 'taken' }]);
      expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual(['configManager.setConfig']);
      // The fake stores every slot as written: the other channels kept their passwords because they were sent back as read.
      expect(nvr.cameras.map((c) => [c.password, c.enable])).toEqual([[before[0]!.password, true], [before[1]!.password, true], [NEW, true]]);
    });
  }

  it('a table that masks passwords: not provable, and no write is sent', async () => {
    const { nvr, store } = await open({ personality: 'table', faults: { maskTable: true } });
    expect(await store.proveWritePath()).toMatchObject({ ok: false, firmware: 'remote-device-table', reason: expect.stringMatching(/hides the stored password of channels 1, 2, 3/) });
    const err = (await store.writeChannels([{ channel: 1, password: testPassword('New') }]).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('not-sent');
    expect(methods(nvr).filter((m) => WRITES.includes(m))).toEqual([]);
  });

  it('a dropped answer: NvrWriteUnanswered, sent once; an explicit refusal: a DahuaError', async () => {
    const dropped = await open({ personality: 'table', faults: { drop: ['configManager.setConfig'] } });
    await expect(dropped.store.writeChannels([{ channel: 1, enable: false }])).rejects.toBeInstanceOf(NvrWriteUnanswered);
    expect(methods(dropped.nvr).filter((m) => WRITES.includes(m))).toEqual(['configManager.setConfig']);
    await dropped.nvr.stop();
    const refused = await open({ personality: 'table', faults: { refuse: { 'configManager.setConfig': 268894209 } } });
    const err = await refused.store.writeChannels([{ channel: 1, enable: false }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DahuaError);
    expect(err).not.toBeInstanceOf(NvrWriteUnanswered);
    expect(refused.nvr.cameras[0]!.enable).toBe(true);
  });

  it('channel states per 1-based channel, as the NVR spells them', async () => {
    const { nvr, store } = await open({ personality: 'table' });
    nvr.cameras[1]!.enable = false;
    expect([...(await store.channelStates())]).toEqual([[1, 'Connected'], [2, 'Unknown'], [3, 'Connected']]);
  });
});
