// site.* verbs wired as the composition root wires them (nvr + sync hooks), against the simulated site
// (loopback 127.64.200.0/24 only).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../common/contract';
import type { SiteLoopState } from '../../common/contract/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { testContext } from '../../test/support/test-context';
import { until } from '../../test/support/until';
import { setupNvr } from '../nvr/service';
import { createMemoryKeychain } from '../core/keychain';
import { setupSync } from '../sync/service';
import { setupSite } from './service';
import { filesUnder } from '../../test/support/files';
import { PAUSE_MARK } from '../../common/nvr/pause-marker';

const NEW = 'Site-new-pass-5';
const t = { host: 'test' } as const;

/** Closes the loop over `chosen` cameras of a site of its own, as the app does; resolves with the end state. */
async function closeOwnLoop(own: Site, chosen: number[]) {
  const { ctx, events, dataDir } = testContext();
  const sync = await setupSync(ctx, { keychain: createMemoryKeychain() });
  const nvr = await setupNvr(ctx, {});
  const f = await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, pollMs: 200 });
  try {
    await nvr.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(own).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    const targets = chosen.map((i) => ({ xaddr: own.cameras[i]!.xaddr, username: 'admin' }));
    await f.handlers['site.closeLoop'](calls['site.closeLoop'].input.parse({ targets, currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW, waitMs: 15_000 }), t);
    await until(() => (f.handlers['site.status'](undefined, t) as SiteLoopState | null)?.running === false, 'the loop to end', 30_000);
    const end = f.handlers['site.status'](undefined, t) as SiteLoopState;
    const status = await sync.handlers['sync.status'](undefined, t);
    const everything = JSON.stringify(events) + filesUnder(dataDir).map((p) => readFileSync(p, 'utf8')).join('\n');
    return { end, status, everything };
  } finally {
    await f.dispose?.();
    await nvr.dispose?.();
    await sync.dispose?.();
  }
}

let site: Site;
beforeAll(async () => {
  site = await startSite({ block: '127.64.200', cameras: 3, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } });
});
afterAll(async () => {
  await site?.stop();
});

describe('site service: plan, then close the loop', () => {
  it('plans per channel, then closes the loop with live per-channel results and the site summary; no password on disk or in events', async () => {
    const { ctx, events, dataDir } = testContext();
    const sync = await setupSync(ctx, { keychain: createMemoryKeychain() });
    const nvr = await setupNvr(ctx, {});
    const f = await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, pollMs: 200 });
    const targets = [{ xaddr: site.cameras[1]!.xaddr, username: 'admin' }];
    await expect(f.handlers['site.plan'](calls['site.plan'].input.parse({ targets }), t)).rejects.toThrow(/Sign in to the NVR first/);

    await nvr.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    const plan = await f.handlers['site.plan'](calls['site.plan'].input.parse({ targets }), t);
    expect(plan.rows.map((r) => r.action.kind)).toEqual(['nvr-own-sync', 'change-camera-then-nvr', 'nvr-own-sync', 'nvr-own-sync']);
    expect(rpcOf(site).stats().secSetCameras).toBe(0);

    const input = calls['site.closeLoop'].input.parse({ targets, currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW, waitMs: 15_000 });
    expect(await f.handlers['site.closeLoop'](input, t)).toEqual({ started: true });
    await expect(f.handlers['site.closeLoop'](input, t)).rejects.toThrow(/already running/);
    await until(() => (f.handlers['site.status'](undefined, t) as SiteLoopState | null)?.running === false, 'the loop to end', 30_000);
    const end = f.handlers['site.status'](undefined, t) as SiteLoopState;
    expect(end.error).toBeUndefined();
    expect(end.results.map((r) => r.outcome)).toEqual(['recording', 'recording', 'recording', 'recording']);
    expect(end.summary).toBe('4 of 4 channels recording with the new password');
    expect(rpcOf(site).channels[1]!.password).toBe(NEW);
    expect(rpcOf(site).channels.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0]);
    const progress = events.filter((e) => e.name === 'site.progress');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.some((e) => (e.payload as SiteLoopState).watchUntil !== undefined)).toBe(true);
    // The camera's run is an ordinary sync run: status and report work on it.
    expect(await sync.handlers['sync.status']({ runId: end.syncRunId }, t)).toMatchObject({ rows: [expect.objectContaining({ outcome: 'updated' })] });
    // The NVR writes are journalled on disk (resume after a crash), without a password.
    const loopJournal = filesUnder(dataDir).find((p) => p.endsWith('.nvr-loop.jsonl'))!;
    expect(readFileSync(loopJournal, 'utf8')).toMatch(/"t":"nvr-written","step":"store".*\n.*"t":"loop-end"/s);
    const everything = JSON.stringify(events) + filesUnder(dataDir).map((p) => readFileSync(p, 'utf8')).join('\n');
    for (const secret of [NEW, SITE_CREDENTIALS.nvr.password, SITE_CREDENTIALS.camera.password]) expect(everything).not.toContain(secret);
    await f.dispose?.();
    await nvr.dispose?.();
    await sync.dispose?.();
  }, 40_000);
});

describe('site service: the new password from a reset case', () => {
  it("takes the new password from the reset case's keychain entry; an unknown case is refused before anything changes", async () => {
    const CASE_PW = 'Case-loop-pass-6';
    const { ctx, events, dataDir } = testContext();
    const sync = await setupSync(ctx, { keychain: createMemoryKeychain() });
    const nvr = await setupNvr(ctx, {});
    const f = await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, pollMs: 200, casePassword: async (id) => (id === 'case-1' ? CASE_PW : null) });
    await nvr.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    const targets = [{ xaddr: site.cameras[2]!.xaddr, username: 'admin' }];
    const base = { targets, currentPasswords: [SITE_CREDENTIALS.camera.password], waitMs: 15_000 };
    const writes = rpcOf(site).stats().secSetCameras;
    await expect(f.handlers['site.closeLoop'](calls['site.closeLoop'].input.parse({ ...base, caseId: 'case-9' }), t)).rejects.toThrow(/No new password is stored/);
    expect(rpcOf(site).stats().secSetCameras).toBe(writes);
    await f.handlers['site.closeLoop'](calls['site.closeLoop'].input.parse({ ...base, caseId: 'case-1' }), t);
    await until(() => (f.handlers['site.status'](undefined, t) as SiteLoopState | null)?.running === false, 'the loop to end', 30_000);
    const end = f.handlers['site.status'](undefined, t) as SiteLoopState;
    // Camera 2 is on a Private channel: chosen, so changed, and its stored password follows.
    expect(end.results.find((r) => r.channel === 3)).toMatchObject({ outcome: 'recording', address: site.cameras[2]!.address });
    expect(rpcOf(site).channels[2]!.password).toBe(CASE_PW);
    // Its pause and its store: two sealed writes.
    expect(rpcOf(site).stats().secSetCameras).toBe(writes + 2);
    const everything = JSON.stringify(events) + filesUnder(dataDir).map((p) => readFileSync(p, 'utf8')).join('\n');
    for (const secret of [CASE_PW, SITE_CREDENTIALS.nvr.password, SITE_CREDENTIALS.camera.password]) expect(everything).not.toContain(secret);
    await f.dispose?.();
    await nvr.dispose?.();
    await sync.dispose?.();
  }, 40_000);
});

describe("site service: the NVR's Operator account on a camera", () => {
  it("the channel the NVR signs in to as the camera's Operator (`onvif`) records with the new password: the camera's admin changed that account", async () => {
    const own = await startSite({ block: '127.64.202', cameras: 4, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } });
    try {
      const { end, status, everything } = await closeOwnLoop(own, [3]);
      expect(end.error).toBeUndefined();
      expect(end.results.map((r) => r.outcome)).toEqual(['recording', 'not-reachable-from-laptop', 'recording', 'recording', 'recording']);
      expect(own.cameras[3]!.users.checkPassword('onvif', NEW)).toBe(true);
      expect(rpcOf(own).channels[3]).toMatchObject({ enable: true, password: NEW });
      expect(status!.rows.map((r) => [r.username, r.outcome, r.via])).toEqual([['admin', 'updated', undefined], ['onvif', 'updated', 'admin']]);
      expect(own.cameras[3]!.stats().failedAuths).toBe(0);
      for (const secret of [NEW, SITE_CREDENTIALS.cameraOperator.password, SITE_CREDENTIALS.camera.password]) expect(everything).not.toContain(secret);
    } finally {
      await own.stop();
    }
  }, 40_000);

  it("the NVR refuses the store: the Operator account goes back through the admin, in a rollback run that sync.status does not show as the latest", async () => {
    const own = await startSite({ block: '127.64.203', cameras: 4, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager', refuseStore: true } });
    try {
      const { end, status } = await closeOwnLoop(own, [3]);
      expect(end.results[3]).toMatchObject({ outcome: 'rolled-back', enabled: true });
      expect(own.cameras[3]!.users.checkPassword('onvif', SITE_CREDENTIALS.cameraOperator.password)).toBe(true);
      expect(own.cameras[3]!.stats().setUserCount).toEqual({ admin: 1, onvif: 2 });
      // The run sync.status shows is the loop's own run, not the rollback it opened.
      expect(status!.runId).toBe(end.syncRunId);
      expect(status!.rows.map((r) => r.username)).toEqual(['admin', 'onvif']);
      await rpcOf(own).pollNow();
      expect(rpcOf(own).stored(3)).toMatchObject({ enable: true, state: 'Connected', refusedLogins: 0 });
    } finally {
      await own.stop();
    }
  }, 40_000);
});

describe('site service: at sign-in, channels an earlier run left paused', () => {
  it('at sign-in, channels an earlier run left paused are put back with the password their camera accepts; one whose camera accepts none stays disabled and is shown so', async () => {
    const own = await startSite({ block: '127.64.201', cameras: 4, nvrPollMs: 200, nvrRpc: { firmware: 'logic-device-manager' } });
    const { ctx, events } = testContext();
    const rpc = rpcOf(own);
    // What a crashed run leaves: channel 2 paused (its camera still on the stored password); channel 4 paused,
    // its camera's account changed to a password nobody told the app.
    const name = rpc.channels[1]!.name;
    for (const i of [1, 3]) Object.assign(rpc.channels[i]!, { enable: false, name: `${PAUSE_MARK}${rpc.channels[i]!.name}`.slice(0, 31) });
    own.cameras[3]!.users.setPassword('onvif', 'Someone-else-7');
    const sync = await setupSync(ctx, { keychain: createMemoryKeychain() });
    const nvr = await setupNvr(ctx, {});
    const f = await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, pollMs: 200 });
    try {
      await nvr.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpc.url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
      const state = await until(() => events.map((e) => e.payload as SiteLoopState).find((p) => p?.summary?.includes('earlier run')), 'the restore at sign-in', 15_000);
      expect(state.summary).toBe('1 of 2 channels an earlier run left disabled on the NVR is enabled again');
      expect(state.results.find((r) => r.channel === 4)).toMatchObject({ outcome: 'disabled-on-nvr', enabled: false, detail: expect.stringMatching(/accepts none of the passwords/) });
      expect(rpc.channels[1]).toMatchObject({ enable: true, name: name.slice(0, 31 - PAUSE_MARK.length), password: SITE_CREDENTIALS.camera.password });
      expect(rpc.channels[3]).toMatchObject({ enable: false, password: SITE_CREDENTIALS.cameraOperator.password });
      // The plan shows the one left: disabled on the NVR, by this app.
      const plan = await f.handlers['site.plan'](calls['site.plan'].input.parse({ targets: [{ xaddr: own.cameras[0]!.xaddr, username: 'admin' }] }), t);
      expect(plan.rows[3]).toMatchObject({ channel: { enabled: false, pausedByApp: true }, why: expect.stringMatching(/^Disabled on the NVR by an earlier run of this app/) });
      expect(plan.writePath).toMatchObject({ ok: true, firmware: 'logic-device-manager', sealed: true });
      // One sign-in was refused to learn that (through the gate); the camera is far from its lock.
      expect(own.cameras[3]!.stats().maxConsecutiveFailures).toBeLessThan(3);
    } finally {
      await f.dispose?.();
      await nvr.dispose?.();
      await sync.dispose?.();
      await own.stop();
    }
  }, 30_000);
});
