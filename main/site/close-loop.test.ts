import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planSite, type PlanChannel, type PlanDevice } from '../../common/nvr/site-plan';
import { closeLoop, type LoopRecord, type NvrTablePort } from './close-loop';

const OLD = 'Install2019';
const NEW = 'N3w-pass-2026';

interface Camera {
  password: string;
  changedByApp: boolean;
  /** Failed NVR sign-ins after the app changed its password: must stay 0. */
  failuresAfterChange: number;
  /** This camera refuses the change (fixed user, fault…). */
  refuses: boolean;
}

/** An NVR that masks stored passwords on read and signs in to each enabled channel's camera whenever it polls. */
class FakeNvr implements NvrTablePort {
  slots: Record<string, Record<string, unknown>> = {};
  writes = 0;
  maskWrittenBack = false;
  constructor(readonly cameras: Map<string, Camera>) {}
  async readTable() {
    return structuredClone(Object.fromEntries(Object.entries(this.slots).map(([k, s]) => [k, { ...s, Password: '******' }])));
  }
  async writeTable(table: unknown) {
    this.writes++;
    for (const [k, s] of Object.entries(table as Record<string, Record<string, unknown>>)) {
      if (s.Password === '******') this.maskWrittenBack = true;
      this.slots[k] = { ...s, Password: 'Password' in s ? s.Password : this.slots[k]!.Password };
    }
  }
  async channelStates() {
    return new Map(Object.entries(this.slots).map(([k, s]) => [Number(k.split('_').pop()) + 1, s.Enable && this.cameras.get(s.Address as string)?.password === s.Password ? 'Connected' : 'Unconnect']));
  }
  /** What a real recorder does every few seconds: sign in with what it stores. */
  poll() {
    for (const s of Object.values(this.slots)) {
      const cam = this.cameras.get(s.Address as string);
      if (!s.Enable || !cam || s.ProtocolType === 'Private') continue;
      if (cam.password !== s.Password && cam.changedByApp) cam.failuresAfterChange++;
    }
  }
}

const siteArb = fc.array(fc.record({ refuses: fc.boolean(), private: fc.boolean(), twoChannels: fc.boolean(), lateSteps: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 5 });

type Site = typeof siteArb extends fc.Arbitrary<infer T> ? T : never;

async function runSite(site: Site, s: fc.Scheduler, pause: boolean) {
  const cameras = new Map<string, Camera>();
  const channels: PlanChannel[] = [];
  const inventory: PlanDevice[] = [];
  const nvr = new FakeNvr(cameras);
  site.forEach((c, i) => {
    const address = `10.0.0.${i + 1}`;
    cameras.set(address, { password: OLD, changedByApp: false, failuresAfterChange: 0, refuses: c.refuses });
    inventory.push({ id: `cam${i}`, kind: 'camera', addresses: [address], xaddrs: [`http://${address}/onvif/device_service`] });
    for (const _ of c.twoChannels ? [0, 1] : [0]) {
      const n = Object.keys(nvr.slots).length;
      nvr.slots[`uuid:System_CONFIG_NETCAMERA_INFO_${n}`] = { Enable: true, Address: address, Port: 80, UserName: 'admin', Password: OLD, ProtocolType: c.private ? 'Private' : 'Onvif', Name: `ch${n}` };
      channels.push({ channel: n + 1, address, port: 80, protocol: c.private ? 'private' : 'onvif', username: 'admin', online: true });
    }
  });
  // An unused, disabled slot with a masked password: it must keep its stored value.
  nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_99'] = { Enable: false, Address: '192.168.0.0', UserName: 'admin', Password: 'keep-me' };

  // The NVR polls at random points of the run (bounded).
  let polls = 0;
  const pollLoop = async (): Promise<void> => {
    while (polls++ < 60) {
      await s.schedule(Promise.resolve(), 'nvr poll');
      nvr.poll();
    }
  };
  void pollLoop();

  let now = 0;
  const records: LoopRecord[] = [];
  const results = await s.waitFor(
    closeLoop({
      plan: planSite(channels, inventory),
      nvr: {
        readTable: () => s.schedule(nvr.readTable(), 'read'),
        writeTable: (t) => s.schedule(Promise.resolve()).then(() => nvr.writeTable(t)),
        channelStates: () => s.schedule(nvr.channelStates(), 'states'),
      },
      changeCamera: async (row) => {
        const cam = cameras.get(row.channel.address)!;
        const spec = site[Number(row.deviceId!.slice(3))]!;
        await s.schedule(Promise.resolve(), 'SetUser');
        if (cam.refuses) return { holdsNewPassword: false, detail: 'refused' };
        // Applies late: the old password keeps working for a few steps.
        for (let i = 0; i < spec.lateSteps; i++) await s.schedule(Promise.resolve(), 'late apply');
        cam.password = NEW;
        cam.changedByApp = true;
        await s.schedule(Promise.resolve(), 'verify');
        return { holdsNewPassword: true, detail: 'updated' };
      },
      newPassword: NEW,
      pauseChannels: pause,
      waitMs: 9_000,
      pollMs: 3_000,
      now: () => now,
      sleep: async (ms) => {
        await s.schedule(Promise.resolve(), 'sleep');
        now += ms;
      },
      record: async (r) => void records.push(r),
    }),
  );
  return { cameras, nvr, results, records };
}

describe('closing the loop on the NVR', () => {
  it('property: over random sites and interleavings, no camera sees a failed NVR sign-in after the app changed it', async () => {
    await fc.assert(
      fc.asyncProperty(siteArb, fc.scheduler(), async (site, s) => {
        const { cameras, nvr, results } = await runSite(site, s, true);
        for (const cam of cameras.values()) expect(cam.failuresAfterChange).toBe(0);
        // Nothing half-written: no mask stored, no channel left paused, the unused slot's password kept.
        expect(nvr.maskWrittenBack).toBe(false);
        for (const [k, slot] of Object.entries(nvr.slots)) if (!k.endsWith('_99')) expect(slot.Enable).toBe(true);
        expect(nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_99']!.Password).toBe('keep-me');
        // Each ONVIF channel whose camera took the change records with it; refused ones keep the old stored password.
        for (const r of results) {
          const slot = nvr.slots[`uuid:System_CONFIG_NETCAMERA_INFO_${r.channel - 1}`]!;
          const cam = cameras.get(slot.Address as string)!;
          if (slot.ProtocolType === 'Private') continue;
          if (cam.refuses) {
            expect(r.outcome).toBe('skipped');
            expect(slot.Password).toBe(OLD);
          } else {
            expect(r.outcome).toBe('recording');
            expect(slot.Password).toBe(NEW);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('without pausing the channels, the same property fails: the window the pause closes is real', async () => {
    const out = await fc.check(
      fc.asyncProperty(siteArb, fc.scheduler(), async (site, s) => {
        const { cameras } = await runSite(site, s, false);
        for (const cam of cameras.values()) expect(cam.failuresAfterChange).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(out.failed).toBe(true);
  });

  it('resumes after a crash without sending any NVR write twice', async () => {
    const s0 = fc.sample(fc.scheduler(), 1)[0]!;
    const site = [{ refuses: false, private: false, twoChannels: true, lateSteps: 1 }, { refuses: true, private: false, twoChannels: false, lateSteps: 0 }];
    const first = await runSite(site, s0, true);
    const writesBefore = first.nvr.writes;
    expect(writesBefore).toBe(4); // pause + store, pause + restore
    // Replay the same run from its complete journal: every write was answered, so none is sent again.
    const proven: string[] = [];
    const again = await closeLoop({
      plan: planSite(
        Object.entries(first.nvr.slots).filter(([k]) => !k.endsWith('_99')).map(([k, s]) => ({ channel: Number(k.split('_').pop()) + 1, address: s.Address as string, port: 80, protocol: 'onvif', username: 'admin', online: true })),
        [...first.cameras.keys()].map((a, i) => ({ id: `cam${i}`, kind: 'camera' as const, addresses: [a], xaddrs: [`http://${a}/onvif/device_service`] })),
      ),
      nvr: first.nvr,
      changeCamera: () => Promise.reject(new Error('a resumed run must not change a camera the journal says is done')),
      newPassword: NEW,
      now: () => 0,
      sleep: async () => undefined,
      record: async () => undefined,
      prior: first.records,
      onCameraProven: (row) => proven.push(row.channel.address),
    });
    expect(first.nvr.writes).toBe(writesBefore);
    expect(again.find((r) => r.channel === 1)?.outcome).toBe('recording');
    // The camera verified before the crash still counts as proven (the board's picture signs in with it);
    // the one that refused does not.
    expect(proven).toEqual([[...first.cameras.keys()][0]]);
  });

  it('a store sent but unanswered before a crash: the Enable marker shows it landed, so it is not sent again', async () => {
    const cameras = new Map<string, Camera>([['10.0.0.1', { password: NEW, changedByApp: true, failuresAfterChange: 0, refuses: false }]]);
    const nvr = new FakeNvr(cameras);
    nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_0'] = { Enable: true, Address: '10.0.0.1', Port: 80, UserName: 'admin', Password: NEW, ProtocolType: 'Onvif' };
    const camera = '10.0.0.1|80|admin';
    const prior: LoopRecord[] = [
      { t: 'nvr-write', step: 'pause', camera, channels: [1] },
      { t: 'nvr-written', step: 'pause', camera, ok: true },
      { t: 'camera-done', camera, holdsNewPassword: true },
      { t: 'nvr-write', step: 'store', camera, channels: [1] },
    ];
    const plan = planSite([{ channel: 1, address: '10.0.0.1', port: 80, protocol: 'onvif', username: 'admin', online: true }], [{ id: 'c', kind: 'camera', addresses: ['10.0.0.1'], xaddrs: ['http://10.0.0.1/onvif'] }]);
    const base = { plan, nvr, newPassword: NEW, now: () => 0, sleep: async () => undefined, record: async () => undefined, changeCamera: () => Promise.reject(new Error('no')) };
    const res = await closeLoop({ ...base, prior });
    expect(nvr.writes).toBe(0);
    expect(res[0]!.outcome).toBe('recording');
    // Had it not landed (channel still paused), it is sent once.
    nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_0']!.Enable = false;
    nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_0']!.Password = OLD;
    const res2 = await closeLoop({ ...base, prior });
    expect(nvr.writes).toBe(1);
    expect(res2[0]!.outcome).toBe('recording');
  });

  it('an NVR that refuses the table write: that channel says so, the camera row stays truthful', async () => {
    const cameras = new Map<string, Camera>([['10.0.0.1', { password: OLD, changedByApp: false, failuresAfterChange: 0, refuses: false }]]);
    const nvr = new FakeNvr(cameras);
    nvr.slots['uuid:System_CONFIG_NETCAMERA_INFO_0'] = { Enable: true, Address: '10.0.0.1', Port: 80, UserName: 'admin', Password: OLD, ProtocolType: 'Onvif' };
    const plan = planSite([{ channel: 1, address: '10.0.0.1', port: 80, protocol: 'onvif', username: 'admin', online: true }], [{ id: 'c', kind: 'camera', addresses: ['10.0.0.1'], xaddrs: ['http://10.0.0.1/onvif'] }]);
    const res = await closeLoop({
      plan,
      nvr: { ...nvr, readTable: () => nvr.readTable(), channelStates: () => nvr.channelStates(), writeTable: async () => { throw new Error('error 268632065'); } },
      changeCamera: async () => ((cameras.get('10.0.0.1')!.password = NEW), { holdsNewPassword: true, detail: 'updated' }),
      newPassword: NEW,
      now: () => 0,
      sleep: async () => undefined,
      record: async () => undefined,
    });
    expect(res[0]).toMatchObject({ outcome: 'nvr-refused' });
    expect(res[0]!.detail).toMatch(/did not take the change/);
  });
});
