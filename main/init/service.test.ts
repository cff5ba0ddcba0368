import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../common/domain/device';
import type { InitRunState } from '../../common/contract/init';
import { devInitOf } from '../../sim/devinit/addon';
import { startSite, type Site } from '../../sim/site';
import { filesUnder } from '../../test/support/files';
import { testContext } from '../../test/support/test-context';
import { until } from '../../test/support/until';
import { readFileSync } from 'node:fs';
import { setupInit } from './service';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { DahuaRpcClient } from '../dahua/client';
import { dahuaChannelStore } from '../dahua/nvr-channels';
import { nvrAction } from '../dahua/session';
import type { InitNvrSession } from './nvr-guard';

// Socket test: run inside `unshare -n` (scripts/sandbox.sh). Blocks 127.74.1.0/24 and 127.74.3.0/24.

const CASE_PASSWORD = 'Case-pass-2024';
const CASE_EMAIL = 'owner@example.com';
const call = { host: 'test' as const };

let site: Site;
beforeAll(async () => {
  site = await startSite({ block: '127.74.1', cameras: 3, behindNvr: 0, factoryFresh: { '1': {}, '2': { resetSupport: 'not-supported', generation: 'older' } } });
});
afterAll(async () => {
  await site?.stop();
});

/** The inventory as discovery would hold it: addresses, ONVIF xaddrs and the DHIP answer (web port, reset bits). */
function inventory(): InventoryDevice[] {
  return site.cameras.map((c, i) => {
    const fresh = site.devInit?.[String(i)];
    return {
      id: `cam-${i}`, kind: 'camera', serial: c.identity.serialNumber, addresses: [c.address], xaddrs: [c.xaddr], protocols: ['dhip'], online: true, firstSeen: 0, lastSeen: 0, flags: [],
      dhip: { init: fresh && !fresh.state().initialised ? 'not-initialised' : 'initialised', httpPort: fresh?.port ?? c.port, resetSupported: fresh?.firmware.resetSupport !== 'not-supported' },
    };
  });
}

let scans = 0;
async function feature(over: { embeddedSim?: boolean; nvr?: InitNvrSession } = {}) {
  const t = testContext();
  t.ctx.options.embeddedSim = over.embeddedSim ?? false;
  const f = await setupInit(t.ctx, {
    ...(over.nvr ? { nvr: over.nvr } : {}),
    casePassword: async (id) => (id === 'case-one' ? CASE_PASSWORD : null),
    caseGet: async () => ({ email: CASE_EMAIL }) as never,
    devicesList: () => inventory(),
    devicesScan: async () => ((scans += 1), { devices: inventory() }),
    engine: { timeoutMs: 2000, retryMs: 5 },
  });
  return { ...t, f };
}

describe('init.* feature', () => {
  it('refuses to start with no NVR session unless the caller says no NVR records these devices: nothing is sent', async () => {
    const { f } = await feature({ nvr: () => undefined });
    const input = { targets: [{ deviceId: 'cam-1' }], caseId: 'case-one' };
    await expect(f.handlers['init.start'](input, call)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/Sign in to the NVR first/) });
    expect(devInitOf(site, 1).state()).toMatchObject({ initialised: false });
    // Saying so passes this check; the next one (the device rule, before anything is sent) then speaks.
    await expect(f.handlers['init.start']({ targets: input.targets, newPassword: 'weak', withoutNvr: true }, call)).rejects.toMatchObject({ code: 'bad-request' });
    expect(devInitOf(site, 1).state()).toMatchObject({ initialised: false });
  });

  it("initialises inventory rows with the open case's password and e-mail; events, status, report; no secret in logs, events or reports", async () => {
    const { f, ctx, events, dataDir } = await feature();
    const before = await f.handlers['init.capability']({ targets: [{ deviceId: 'cam-1' }, { deviceId: 'cam-2' }] }, call);
    expect(before.map((c) => [c.init, c.resetByEmail, c.dhipReset])).toEqual([
      ['not-initialised', 'not-possible', 'supported'],
      ['not-initialised', 'not-possible', 'not-supported'],
    ]);
    const started = await f.handlers['init.start']({ targets: [{ deviceId: 'cam-1' }, { deviceId: 'cam-2' }], caseId: 'case-one' }, call);
    expect(started.resumed).toBe(false);
    const done = await until(() => events.find((e) => e.name === 'init.finished')?.payload as InitRunState | undefined, 'init.finished', 10_000);
    expect(done).toMatchObject({ runId: started.runId, running: false, emailMasked: 'o***@example.com' });
    expect(done.rows.map((r) => [r.deviceId, r.outcome, r.agreement])).toEqual([
      ['cam-1', 'initialised', 'agreed'],
      ['cam-2', 'initialised', 'not-offered'],
    ]);
    expect(events.some((e) => e.name === 'init.progress')).toBe(true);
    // The inventory is asked to look again, so the rows show the devices initialised.
    await until(() => scans === 1, 'an inventory scan after the run');
    // Judged from the devices: they hold the case's password and e-mail; ONVIF signs in with it; the inventory may read it.
    for (const i of [1, 2]) expect(devInitOf(site, i).state()).toMatchObject({ initialised: true, password: CASE_PASSWORD, email: CASE_EMAIL });
    expect(site.cameras[1]!.users.checkPassword('admin', CASE_PASSWORD)).toBe(true);
    expect(ctx.credentials.get(site.cameras[1]!.xaddr)).toEqual({ username: 'admin', password: CASE_PASSWORD });

    const after = await f.handlers['init.capability']({ targets: [{ deviceId: 'cam-1' }, { deviceId: 'cam-2' }, { deviceId: 'cam-0' }] }, call);
    expect(after.map((c) => [c.init, c.resetByEmail, c.emailMasked, c.descript])).toEqual([
      ['initialised', 'possible', 'o***@example.com', 'answered'],
      ['initialised', 'not-possible', 'o***@example.com', 'answered'],
      // A camera without the web wizard (its web port answers 404): DHIP's word for its state; nothing said about the e-mail.
      ['initialised', 'unknown', undefined, 'not-offered'],
    ]);
    const csv = await f.handlers['init.report']({ runId: started.runId, format: 'csv' }, call);
    const json = await f.handlers['init.report']({ format: 'json' }, call);
    expect(csv.content).toMatch(/^device,deviceId,outcome/);
    expect(json.content).toContain('o***@example.com');
    await f.dispose?.();
    ctx.log.close();
    const everything = [JSON.stringify(events), JSON.stringify(after), csv.content, json.content, ...filesUnder(dataDir).map((p) => readFileSync(p, 'utf8'))].join('\n');
    expect(everything).not.toContain(CASE_PASSWORD);
    expect(everything).not.toContain(CASE_EMAIL);
  });

  it('refuses before anything is sent: a weak typed password, an unknown device, a case without a password, the demo beyond loopback', async () => {
    const { f } = await feature({ embeddedSim: true });
    const requests = () => site.devInit!['1']!.stats().requests;
    const before = requests();
    const refused = (input: Parameters<(typeof f.handlers)['init.start']>[0]) => Promise.resolve(f.handlers['init.start'](input, call));
    await expect(refused({ targets: [{ deviceId: 'cam-1' }], newPassword: 'Pass word1' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/No spaces/) });
    await expect(refused({ targets: [{ deviceId: 'cam-9' }], newPassword: 'Site-pass-2024' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(refused({ targets: [{ deviceId: 'cam-1' }], caseId: 'case-two' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(refused({ targets: [{ address: 'http://10.1.2.3' }], newPassword: 'Site-pass-2024' })).rejects.toMatchObject({ code: 'refused', message: expect.stringMatching(/demo/) });
    expect(requests()).toBe(before);
  });
});

describe('init.* with an open NVR session (the composition root hands in main/nvr\'s session)', () => {
  it("the NVR's channel for the camera takes the new password with it; the row says so; the NVR's stored passwords are secrets", async () => {
    const nvrSite = await startSite({ block: '127.74.3', cameras: 2, behindNvr: 0, factoryFresh: { '0': {} } });
    try {
      const rpc = rpcOf(nvrSite);
      const t = testContext();
      const client = new DahuaRpcClient({ url: rpc.url, username: 'admin' });
      const raw = dahuaChannelStore(client);
      const act = <T>(f: () => Promise<T>) => nvrAction({ gate: t.ctx.gate, client, password: SITE_CREDENTIALS.nvr.password, clock: t.ctx.clock }, f);
      const store = { proveWritePath: () => act(() => raw.proveWritePath()), readChannels: () => act(() => raw.readChannels()), writeChannels: (e: Parameters<typeof raw.writeChannels>[0]) => act(() => raw.writeChannels(e)), channelStates: () => act(() => raw.channelStates()) };
      const device = devInitOf(nvrSite, 0);
      const f = await setupInit(t.ctx, { nvr: () => ({ url: rpc.url, store }), engine: { timeoutMs: 2000, retryMs: 5 } });
      await f.handlers['init.start']({ targets: [{ address: device.url }], newPassword: CASE_PASSWORD, email: '' }, call);
      const done = await until(() => t.events.find((e) => e.name === 'init.finished')?.payload as InitRunState | undefined, 'init.finished', 10_000);
      expect(done.rows[0]).toMatchObject({ outcome: 'initialised', nvr: expect.stringMatching(/^channel 1 stores the new password/) });
      expect(rpc.stored(0)).toMatchObject({ enable: true, password: CASE_PASSWORD });
      expect(t.ctx.secrets.scrub(`stored ${SITE_CREDENTIALS.camera.password}`)).not.toContain(SITE_CREDENTIALS.camera.password);
      await f.dispose?.();
      t.ctx.log.close();
    } finally {
      await nvrSite.stop();
    }
  });
});
