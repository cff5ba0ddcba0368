// Close-the-loop against an in-memory site (test/support/fake-site.ts): each fault on its own, then the
// invariant as a property over fault mixes with a crash and a resume. The same property against the
// simulated NVR (both firmware personalities) is loop.sim.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPausedByApp, PAUSE_MARK } from '../../common/nvr/pause-marker';
import type { SyncTarget } from '../../common/sync/target';
import { CrashSwitch, FakeCamera, FakeCameras, FakeNvr, LOCK_AT } from '../../test/support/fake-site';
import { priorOf, type LoopRecord } from './loop-journal';
import { closeLoop, type CloseLoopResult } from './close-loop';
import { planLoop } from './plan';

const OLD = 'Install2019';
const OPERATOR = 'Operator2019';
const NEW = 'N3w-pass-2026';

interface CameraSpec {
  channels: number;
  /** The account the NVR signs in with (the form chooses admin). */
  account?: 'admin' | 'onvif';
  chosen?: boolean;
  /** Disabled on the NVR by the customer before the run. */
  disabled?: boolean;
  fixed?: boolean;
}

function makeSite(specs: CameraSpec[]) {
  const crash = new CrashSwitch();
  const cameras = new Map<string, FakeCamera>();
  const nvr = new FakeNvr(cameras, crash);
  const targets: SyncTarget[] = [];
  let channel = 0;
  specs.forEach((s, i) => {
    const host = `10.0.0.${i + 1}`;
    const cam = new FakeCamera(host);
    cam.accounts.set('admin', OLD);
    cam.accounts.set('onvif', OPERATOR);
    if (s.fixed) cam.fixed.add(s.account ?? 'admin');
    cameras.set(host, cam);
    const account = s.account ?? 'admin';
    for (let k = 0; k < s.channels; k++) {
      channel++;
      nvr.slots.set(channel, { channel, enabled: !s.disabled, address: host, port: 80, username: account, protocol: 'Onvif', name: `Camera ${i + 1}${k ? ` lens ${k + 1}` : ''}`, password: cam.accounts.get(account) });
    }
    if (s.chosen !== false) targets.push({ xaddr: `http://${host}/onvif/device_service`, username: 'admin' });
  });
  const cams = new FakeCameras(cameras, nvr, crash, { current: [OLD], next: NEW });
  return { crash, cameras, nvr, cams, targets };
}
type FakeSite = ReturnType<typeof makeSite>;

/** One run of the loop as a host runs it: prove, read, plan, close the loop. */
async function runLoop(site: FakeSite, o: { journal?: LoopRecord[]; diskFullAfter?: number; camerasOnly?: boolean; signal?: AbortSignal } = {}): Promise<CloseLoopResult & { planned: ReturnType<typeof planLoop> }> {
  const journal = o.journal ?? [];
  const prior = priorOf({ records: [...journal], ended: false, badLines: 0 });
  let now = 0;
  const proof = await site.nvr.proveWritePath();
  const planned = planLoop({ channels: await site.nvr.readChannels(), states: await site.nvr.channelStates(), targets: site.targets, proof, camerasOnly: o.camerasOnly });
  const result = await closeLoop({
    plan: planned,
    store: site.nvr,
    cameras: site.cams,
    clock: { now: () => now, sleep: async (ms) => void ((now += ms), site.nvr.poll()) },
    newPassword: NEW,
    prior,
    append: async (r) => {
      if (o.diskFullAfter !== undefined && journal.length >= o.diskFullAfter) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      journal.push(r);
    },
    secret: () => {},
    waitMs: 30_000,
    pollMs: 1000,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { ...result, planned };
}

/** The invariant of issue 17, read from the devices: every channel enabled as the customer had it, unmarked, storing what its camera accepts. */
function invariant(site: FakeSite, disabledBefore: ReadonlySet<number>): string[] {
  const broken: string[] = [];
  for (const s of site.nvr.slots.values()) {
    const cam = site.cameras.get(s.address)!;
    if (isPausedByApp(s) || s.name.startsWith(PAUSE_MARK)) broken.push(`channel ${s.channel} left paused`);
    else if (s.enabled === disabledBefore.has(s.channel)) broken.push(`channel ${s.channel} enabled=${s.enabled}`);
    else if (s.enabled && cam.accounts.get(s.username) !== s.password) broken.push(`channel ${s.channel} stores a password its camera does not hold`);
  }
  for (const cam of site.cameras.values()) if (cam.refusals >= LOCK_AT) broken.push(`camera ${cam.host} reached its lock threshold`);
  return broken;
}

const outcomes = (r: CloseLoopResult) => r.results.map((x) => x.outcome);

describe('close the loop (in-memory site): the order, and writes the NVR refuses or never answers', () => {
  it('changes each chosen camera between a pause and the store, one camera at a time; every channel records and the NVR is never refused', async () => {
    const site = makeSite([{ channels: 2 }, { channels: 1, account: 'onvif' }, { channels: 1, chosen: false }]);
    let mostPaused = 0;
    const write = site.nvr.writeChannels.bind(site.nvr);
    site.nvr.writeChannels = async (edits) => {
      const out = await write(edits);
      mostPaused = Math.max(mostPaused, new Set([...site.nvr.slots.values()].filter(isPausedByApp).map((s) => s.address)).size);
      return out;
    };
    const r = await runLoop(site);
    expect(outcomes(r)).toEqual(['recording', 'recording', 'recording', 'not-reachable-from-laptop']);
    expect(r.ok).toBe(true);
    expect(r.violations).toEqual([]);
    // The NVR's own account on camera 2 ("onvif") changed too, starting from the password the NVR stores for it.
    expect(r.planned.rows[2]).toMatchObject({ nvrAccountAdded: true, channel: { username: 'onvif' } });
    expect(site.cameras.get('10.0.0.2')!.accounts.get('onvif')).toBe(NEW);
    expect(site.cameras.get('10.0.0.2')!.accounts.get('admin')).toBe(NEW);
    expect([...site.nvr.slots.values()].map((s) => s.password)).toEqual([NEW, NEW, NEW, OLD]);
    expect(mostPaused).toBe(1);
    expect([...site.cameras.values()].map((c) => c.refusals)).toEqual([0, 0, 0]);
    expect(invariant(site, new Set())).toEqual([]);
  });

  it('the NVR refuses the store: the camera goes back on the password the NVR stores (verified), the channel records, rolled-back with the next step', async () => {
    const site = makeSite([{ channels: 1 }]);
    site.nvr.faults.refuseStore = true;
    const r = await runLoop(site);
    expect(r.results[0]).toMatchObject({ outcome: 'rolled-back', enabled: true, nextStep: expect.stringMatching(/Remote Device page/) });
    expect(site.cameras.get('10.0.0.1')!.accounts.get('admin')).toBe(OLD);
    expect(site.cams.rollbacks).toBe(1);
    expect(r.ok).toBe(false);
    expect(invariant(site, new Set())).toEqual([]);
  });

  it('the NVR refuses the pause: the camera is not changed and keeps recording', async () => {
    const site = makeSite([{ channels: 1 }]);
    site.nvr.faults.refusePause = true;
    const r = await runLoop(site);
    expect(r.results[0]).toMatchObject({ outcome: 'nvr-refused', detail: expect.stringMatching(/did not pause/) });
    expect(site.cameras.get('10.0.0.1')!.accounts.get('admin')).toBe(OLD);
    expect(invariant(site, new Set())).toEqual([]);
  });

  it.each([1, 2])('write %i applied but never answered: the read-back decides', async (n) => {
    const site = makeSite([{ channels: 1 }]);
    site.nvr.faults.dropAnswer = [n];
    const r = await runLoop(site);
    expect(outcomes(r)).toEqual(['recording']);
    expect(invariant(site, new Set())).toEqual([]);
  });
});

describe('close the loop (in-memory site): a write path not proven, a paused channel, an unverified change, a disabled channel', () => {
  it('a write path the app could not prove: no camera the NVR records is changed; "cameras only" changes them and says their channels stop recording', async () => {
    const proof = { ok: false as const, reason: 'The NVR returns stored passwords masked.', nextStep: 'Update the firmware.' };
    let site = makeSite([{ channels: 1 }, { channels: 0 }]);
    site.nvr.faults.proof = proof;
    let r = await runLoop(site);
    expect(r.planned.rows[0]).toMatchObject({ action: { kind: 'cannot', reason: 'nvr-not-writable' }, why: expect.stringMatching(/masked.*Update the firmware/) });
    expect(site.cameras.get('10.0.0.1')!.accounts.get('admin')).toBe(OLD);
    // The chosen camera no channel records still changes.
    expect(site.cameras.get('10.0.0.2')!.accounts.get('admin')).toBe(NEW);
    site = makeSite([{ channels: 1 }]);
    site.nvr.faults.proof = proof;
    r = await runLoop(site, { camerasOnly: true });
    expect(r.planned.rows[0]!.why).toMatch(/STOPS RECORDING/);
    expect(r.results[0]).toMatchObject({ outcome: 'nvr-not-updated', nextStep: expect.stringMatching(/channel 1/) });
    expect(site.cameras.get('10.0.0.1')!.accounts.get('admin')).toBe(NEW);
    expect(r.ok).toBe(false);
  });

  it('a channel an earlier run left paused, its journal lost: the plan shows it disabled on the NVR, and the next run restores it with what the camera accepts', async () => {
    const site = makeSite([{ channels: 1 }, { channels: 1 }]);
    // Run 1 dies right after the first write (camera 1's pause) landed.
    site.nvr.faults.crashAfterWrite = 1;
    await runLoop(site).catch(() => undefined);
    site.crash.tripped = false;
    site.nvr.faults.crashAfterWrite = undefined;
    expect(site.nvr.slots.get(1)).toMatchObject({ enabled: false, name: `${PAUSE_MARK}Camera 1` });
    const r = await runLoop(site);
    expect(r.planned.rows[0]!.channel).toMatchObject({ enabled: false, pausedByApp: true });
    expect(r.planned.rows[0]!.why).toMatch(/^Disabled on the NVR by an earlier run/);
    expect(outcomes(r)).toEqual(['recording', 'recording']);
    expect(site.nvr.slots.get(1)).toMatchObject({ enabled: true, name: 'Camera 1', password: NEW });
    expect(invariant(site, new Set())).toEqual([]);
  });

  it("a change sent but never verified: the camera's own answer decides what the NVR stores", async () => {
    const site = makeSite([{ channels: 1 }]);
    site.cams.faults.unverified.add('http://10.0.0.1/onvif/device_service admin');
    const r = await runLoop(site);
    expect(outcomes(r)).toEqual(['recording']);
    expect(site.nvr.slots.get(1)!.password).toBe(NEW);
  });

  it('a channel the customer disabled stays disabled, and stores the new password so enabling it later cannot lock the camera', async () => {
    const site = makeSite([{ channels: 1, disabled: true }]);
    const r = await runLoop(site);
    expect(r.planned.rows[0]!.why).toMatch(/not by this app/);
    expect(r.results[0]).toMatchObject({ outcome: 'disabled-on-nvr', enabled: false });
    expect(site.nvr.slots.get(1)).toMatchObject({ enabled: false, password: NEW, name: 'Camera 1' });
    expect(r.ok).toBe(true);
  });
});

describe('close the loop (in-memory site): a full disk, a cancel, a camera that refuses', () => {
  it('a full disk: no further camera starts, the one in hand finishes, and the run says so', async () => {
    const site = makeSite([{ channels: 1 }, { channels: 1 }]);
    // Room for camera 1's pause record only.
    const r = await runLoop(site, { diskFullAfter: 1 });
    expect(r.journalError).toMatch(/ENOSPC/);
    expect(site.cameras.get('10.0.0.1')!.accounts.get('admin')).toBe(NEW);
    expect(site.cameras.get('10.0.0.2')!.accounts.get('admin')).toBe(OLD);
    expect(r.results[1]!.detail).toMatch(/journal could not be written/);
    expect(invariant(site, new Set())).toEqual([]);
  });

  it('cancelled (Ctrl-C) while a camera changes: that camera is finished, no other starts, every channel records', async () => {
    const site = makeSite([{ channels: 1 }, { channels: 1 }]);
    const cancel = new AbortController();
    const change = site.cams.change.bind(site.cams);
    site.cams.change = async (accounts, known) => {
      cancel.abort();
      return change(accounts, known);
    };
    const r = await runLoop(site, { signal: cancel.signal });
    expect(outcomes(r)).toEqual(['recording', 'skipped']);
    expect(r.results[1]!.detail).toMatch(/cancelled/);
    expect([...site.cameras.values()].map((c) => c.accounts.get('admin'))).toEqual([NEW, OLD]);
    expect(invariant(site, new Set())).toEqual([]);
  });

  it('a camera that refuses the change keeps its channel as it was', async () => {
    const site = makeSite([{ channels: 1, fixed: true }]);
    const r = await runLoop(site);
    expect(r.results[0]).toMatchObject({ outcome: 'skipped', enabled: true });
    expect(site.nvr.slots.get(1)).toMatchObject({ enabled: true, name: 'Camera 1', password: OLD });
    expect(invariant(site, new Set())).toEqual([]);
  });
});

// The property of issue 17's "Done when": whatever the faults, a crash at any NVR write, the journal
// damaged, deleted or out of room, the run plus one resume leave every channel enabled (as the customer
// had it) with a password its camera accepts, and no camera reaches its lock threshold.
const Mix = fc.record({
  cameras: fc.array(fc.record({ channels: fc.integer({ min: 1, max: 2 }), account: fc.constantFrom('admin' as const, 'onvif' as const), chosen: fc.boolean(), disabled: fc.boolean(), fixed: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  refuseStore: fc.boolean(),
  refusePause: fc.boolean(),
  dropAnswer: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }),
  crashAfterWrite: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  unverified: fc.boolean(),
  journal: fc.constantFrom('kept' as const, 'deleted' as const, 'damaged' as const),
  diskFullAfter: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  faultsPersist: fc.boolean(),
});

describe('close the loop: the invariant over fault mixes (in-memory)', () => {
  it('a run and one resume leave every channel enabled with a password its camera accepts; no camera locks', async () => {
    const seed = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
    await fc.assert(
      fc.asyncProperty(Mix, async (mix) => {
        const site = makeSite(mix.cameras);
        const disabledBefore = new Set([...site.nvr.slots.values()].filter((s) => !s.enabled).map((s) => s.channel));
        Object.assign(site.nvr.faults, { refuseStore: mix.refuseStore, refusePause: mix.refusePause, dropAnswer: mix.dropAnswer, crashAfterWrite: mix.crashAfterWrite });
        if (mix.unverified) for (const t of site.targets) site.cams.faults.unverified.add(`${t.xaddr} admin`);
        const journal: LoopRecord[] = [];
        await runLoop(site, { journal, ...(mix.diskFullAfter !== undefined ? { diskFullAfter: mix.diskFullAfter } : {}) }).catch((e: unknown) => {
          if ((e as Error).name !== 'Crash') throw e;
        });
        // The process died or ended; the resume starts with what is left on disk.
        site.crash.tripped = false;
        site.nvr.faults.crashAfterWrite = undefined;
        if (!mix.faultsPersist) Object.assign(site.nvr.faults, { refuseStore: false, refusePause: false, dropAnswer: [] });
        const kept = mix.journal === 'deleted' ? [] : mix.journal === 'damaged' ? journal.filter((_, i) => i % 2 === 0) : journal;
        const r = await runLoop(site, { journal: kept });
        const broken = invariant(site, disabledBefore);
        expect(broken).toEqual([]);
        // The report tells the truth: every channel left paused by the app would be named.
        for (const s of site.nvr.slots.values()) if (isPausedByApp(s)) expect(r.violations.map((v) => v.channel)).toContain(s.channel);
        if (r.ok) expect(r.results.filter((x) => x.outcome !== undefined && x.outcome !== 'recording' && x.outcome !== 'not-reachable-from-laptop' && x.outcome !== 'disabled-on-nvr' && x.outcome !== 'skipped')).toEqual([]);
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 300), seed },
    );
  });
});
