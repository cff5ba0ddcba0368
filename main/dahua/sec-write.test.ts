import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { DEFAULT_RPC_FAULTS } from '../../sim/nvr/rpc';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { encryptInfo, makeRsa, openEnvelope, sealReply } from '../../sim/nvr/sec-camera';
import { startSite, type Site } from '../../sim/site';
import { DahuaError, DahuaRpcClient } from './client';
import { rewriteSlots, updateStoredPasswords } from './remote-device-update';
import { chooseMode, openWithKey, seal } from './sec-envelope';
import { writeTableSealed } from './sec-write';
import { dahuaTablePort } from './table-port';

// Loopback block 127.62.8.0/24 is this file's own. The fallback decision table of writeTable against
// the simulated NVR: which answers to plain setConfig lead to secSetCamera, and which never may.
const SET = 'configManager.setConfig';
const INFO = 'Security.getEncryptInfo';
const SEC = 'LogicDeviceManager.secSetCamera';
const OLD = SITE_CREDENTIALS.camera.password;

describe('writeTable falls back to secSetCamera only on a refusal', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.8', cameras: 2, behindNvr: 0, nvrRpc: { remoteDeviceWrite: 'encrypted-only' } });
  });
  afterAll(async () => {
    await site?.stop();
  });
  beforeEach(() => {
    const rpc = rpcOf(site);
    rpc.setFaults({ ...DEFAULT_RPC_FAULTS, remoteDeviceWrite: 'encrypted-only' });
    for (const c of rpc.channels) Object.assign(c, { enable: true, password: OLD });
    for (const cam of site.cameras) cam.users.setPassword('admin', OLD);
  });

  /** A signed-in port and the methods it sent (what onRequest may log: names only). */
  const open = async (timeoutMs?: number) => {
    const methods: string[] = [];
    const client = new DahuaRpcClient({ url: rpcOf(site).url, username: 'admin', ...(timeoutMs ? { timeoutMs } : {}), onRequest: (m) => methods.push(m) });
    await client.login(SITE_CREDENTIALS.nvr.password);
    const port = dahuaTablePort(client);
    const table = await port.readTable();
    methods.length = 0;
    return { port, client, methods, table };
  };
  const newPasswordFor = (table: unknown, password: string) => updateStoredPasswords(table, [{ address: site.cameras[0]!.address, username: 'admin' }], password).table;

  for (const faults of [{ slotStyle: 'uuid' as const }, { slotStyle: 'indexed' as const, maskPasswords: true }]) {
    it(`a password write the NVR refuses goes sealed, and the NVR signs in with what it stored (${JSON.stringify(faults)})`, async () => {
      const rpc = rpcOf(site);
      rpc.setFaults(faults);
      const NEW = 'Sealed-client-pass-1';
      const { port, methods, table } = await open();
      site.cameras[0]!.users.setPassword('admin', NEW);
      const failed = site.cameras[0]!.stats().failedAuths;
      const before = rpc.stats();
      await port.writeTable(newPasswordFor(table, NEW));
      expect(methods).toEqual([SET, INFO, SEC]);
      expect(rpc.stats()).toMatchObject({ plainPasswordRefusals: before.plainPasswordRefusals + 1, secSetCameras: before.secSetCameras + 1, maskWrites: before.maskWrites });
      // Only the matching slot changed; a slot sent with its password masked-out kept the stored one.
      expect(rpc.channels.map((c) => c.password)).toEqual([NEW, OLD]);
      await rpc.pollNow();
      expect(rpc.channels.map((c) => c.state)).toEqual(['Connected', 'Connected']);
      expect(site.cameras[0]!.stats().failedAuths).toBe(failed);
    });
  }

  it('a write without a password change stays plain (a pause works on any firmware)', async () => {
    const { port, methods, table } = await open();
    await port.writeTable(rewriteSlots(table, (_s, ch) => ch === 1, (s) => ({ ...s, Enable: false })).table);
    expect(methods).toEqual([SET]);
    expect(rpcOf(site).channels[0]!.enable).toBe(false);
  });

  it('a dropped connection, a timeout or a lost session: the fate is unknown, so nothing is sent a second way', async () => {
    const rpc = rpcOf(site);
    // Plain firmware that carries the write out and drops the connection: it landed, though the client cannot know.
    const sealed = rpc.stats().secSetCameras;
    rpc.setFaults({ remoteDeviceWrite: 'plain', dropAnswer: [SET] });
    let s = await open();
    await expect(s.port.writeTable(newPasswordFor(s.table, 'Dropped-pass-2'))).rejects.toMatchObject({ kind: 'unreachable' });
    expect(s.methods).toEqual([SET]);
    expect(rpc.channels[0]!.password).toBe('Dropped-pass-2');

    rpc.setFaults({ remoteDeviceWrite: 'encrypted-only', dropAnswer: [], stallAnswer: [SET] });
    s = await open(400);
    await expect(s.port.writeTable(newPasswordFor(s.table, 'Stalled-pass-3'))).rejects.toMatchObject({ kind: 'unreachable' });
    expect(s.methods).toEqual([SET]);

    rpc.setFaults({ stallAnswer: [] });
    s = await open();
    rpc.setFaults({ expireSessionAfterCalls: 1, expireSessionTimes: 1 });
    await expect(s.port.writeTable(newPasswordFor(s.table, 'Expired-pass-4'))).rejects.toMatchObject({ kind: 'session-expired' });
    expect(s.methods).toEqual([SET]);
    expect(rpc.stats().secSetCameras).toBe(sealed);
  });

  it('firmware without getEncryptInfo: the original setConfig refusal, nothing stored', async () => {
    const rpc = rpcOf(site);
    for (const faults of [{ remoteDeviceWrite: 'plain' as const, refuseSetConfig: true }, { missingMethods: [INFO] }]) {
      rpc.setFaults(faults);
      const { port, methods, table } = await open();
      const err = await port.writeTable(newPasswordFor(table, 'Never-stored-5')).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DahuaError);
      expect((err as DahuaError).kind).toBe('invalid-request');
      expect((err as DahuaError).message).toMatch(/configManager\.setConfig, code 268894209/);
      expect(methods).toEqual([SET, INFO]);
      expect(rpc.channels[0]!.password).toBe(OLD);
    }
  });

  it('secSetCamera refused: that refusal, nothing stored', async () => {
    const rpc = rpcOf(site);
    rpc.setFaults({ missingMethods: [SEC] });
    const { port, methods, table } = await open();
    await expect(port.writeTable(newPasswordFor(table, 'Never-stored-6'))).rejects.toThrow(/secSetCamera/);
    expect(methods).toEqual([SET, INFO, SEC]);
    expect(rpc.channels[0]!.password).toBe(OLD);
  });
});

describe('the envelope between the client and the simulated NVR', () => {
  const rsa = makeRsa();

  it('the simulator opens what the client sealed, and the client opens the sealed answer (both ciphers)', () => {
    const params = { cameras: [{ channel: 4, DeviceInfo: { Address: '10.0.0.5', Password: 'Näw-pass1"\\' } }] };
    for (const ciphers of [['RPAC'], ['AES']]) {
      const env = seal(params, { ...encryptInfo(rsa), cipher: ciphers });
      const opened = openEnvelope(rsa, { salt: env.salt, cipher: env.cipher, content: env.content });
      expect(opened.cipher).toBe(env.cipher);
      expect(opened.body).toEqual(params);
      expect(openWithKey(sealReply({ result: true, n: 1 }, opened.key, opened.cipher), env.key, chooseMode(ciphers))).toEqual({ result: true, n: 1 });
    }
  });

  /** A client that answers like a sealed-answer firmware: secSetCamera says yes outside, `inner` inside. */
  const fake = (inner: (key: Buffer, cipher: 'RPAC-256' | 'AES-128') => string) =>
    ({
      call: async (method: string, params: Record<string, unknown>) => {
        if (method === INFO) return encryptInfo(rsa);
        const o = openEnvelope(rsa, params);
        return { content: inner(o.key, o.cipher) };
      },
    }) as unknown as DahuaRpcClient;
  const refusal = new DahuaError({ kind: 'invalid-request' }, SET);
  const table = { 'uuid:System_CONFIG_NETCAMERA_INFO_0': { Address: '10.0.0.5', Password: 'x' } };

  it('a no inside the sealed answer is a refusal; an answer the client cannot open is not', async () => {
    await expect(writeTableSealed(fake((k, c) => sealReply({ result: false }, k, c)), table, refusal)).rejects.toThrow(/secSetCamera, in its encrypted answer/);
    await expect(writeTableSealed(fake((k, c) => sealReply({ result: true }, k, c)), table, refusal)).resolves.toBeUndefined();
    await expect(writeTableSealed(fake(() => Buffer.from('not sixteen').toString('base64')), table, refusal)).resolves.toBeUndefined();
    // A table with no slot this app can name: the original refusal, nothing sealed.
    await expect(writeTableSealed(fake(() => ''), { odd: {} }, refusal)).rejects.toBe(refusal);
  });
});
