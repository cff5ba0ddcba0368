// site.snapshot against the simulated site (loopback 127.26.1.0/24 only): a picture for each channel whose
// camera the run changed and verified, a reason for every other channel, through the credential gate.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../common/contract';
import type { SiteLoopState } from '../../common/contract/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { testContext } from '../../test/support/test-context';
import { until } from '../../test/support/until';
import { MediaClient } from '../onvif/media';
import { setupNvr } from '../nvr/service';
import { createMemoryKeychain } from '../core/keychain';
import { setupSync } from '../sync/service';
import { setupSite } from './service';
import { filesUnder } from '../../test/support/files';

const NEW = 'Snap-new-pass-4';
const t = { host: 'test' } as const;

let site: Site;
const { ctx, events, dataDir } = testContext();
let f: Awaited<ReturnType<typeof setupSite>>;
/** Refused sign-ins per device once the run ended (camera sync may spend some of its own). */
let failedAfterRun: number[] = [];
const disposers: (() => Promise<void> | void)[] = [];
const snapshot = async (channel: number, refresh?: boolean) =>
  await f.handlers['site.snapshot'](calls['site.snapshot'].input.parse({ channel, ...(refresh ? { refresh } : {}) }), t);

beforeAll(async () => {
  // Camera 2 refuses password changes for admin (a fixed user).
  site = await startSite({ block: '127.26.1', cameras: 4, nvrPollMs: 200, faults: { '2': { fixedAdmin: true } }, nvrRpc: { firmware: 'logic-device-manager' } });
  // Channel 4's camera (ONVIF, not chosen) is unknown to the laptop; channel 5's sits behind the NVR's
  // PoE ports on the NVR's own protocol, so the NVR's own sync changes it.
  const sync = await setupSync(ctx, { keychain: createMemoryKeychain() });
  const nvr = await setupNvr(ctx, {});
  f = await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, pollMs: 200, snapshotTimeoutMs: 2000 });
  disposers.push(() => f.dispose?.(), () => nvr.dispose?.(), () => sync.dispose?.());
  await expect(snapshot(1)).resolves.toEqual({ why: 'No close-the-loop run in this session yet.' });
  await nvr.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
  // Cameras 0, 1 and 2 are chosen; camera 3 is left to the NVR's own sync.
  const targets = [0, 1, 2].map((i) => ({ xaddr: site.cameras[i]!.xaddr, username: 'admin' }));
  await f.handlers['site.closeLoop'](calls['site.closeLoop'].input.parse({ targets, currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW, waitMs: 15_000 }), t);
  await until(() => (f.handlers['site.status'](undefined, t) as SiteLoopState | null)?.running === false, 'the loop to end', 30_000);
  expect((f.handlers['site.status'](undefined, t) as SiteLoopState).error).toBeUndefined();
  expect((f.handlers['site.status'](undefined, t) as SiteLoopState).results.map((r) => r.outcome)).toEqual(['recording', 'recording', 'skipped', 'not-reachable-from-laptop', 'recording']);
  failedAfterRun = site.devices.map((d) => d.stats().failedAuths);
}, 40_000);
afterAll(async () => {
  for (const d of disposers.reverse()) await d();
  await site?.stop();
});

describe('site.snapshot: a picture for each changed camera, kept briefly, or the reason', () => {
  it('shows each changed camera its own picture and gives every other channel its reason, without a failed sign-in', async () => {
    const [one, two, three, four, five] = await Promise.all([1, 2, 3, 4, 5].map((c) => snapshot(c)));
    expect(one!.image).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    expect(two!.image).toMatch(/^data:image\/jpeg;base64,/);
    expect(one!.image).not.toBe(two!.image);
    expect(three).toEqual({ why: 'The camera did not take the new password in this run, so the app holds no proven password for it.' });
    expect(four!.why).toMatch(/cannot reach this camera/);
    expect(five).toEqual({ why: "The NVR's own sync changed this camera; the app holds no proven password for it." });
    await expect(snapshot(99)).resolves.toEqual({ why: 'This channel is not on the board.' });
    // No sign-in was spent guessing: cameras 2 and 3 were never asked, and nobody refused anything.
    const requests = [2, 3].map((i) => site.cameras[i]!.stats().requests);
    await Promise.all([3, 4].map((c) => snapshot(c, true)));
    expect([2, 3].map((i) => site.cameras[i]!.stats().requests)).toEqual(requests);
    expect(site.devices.map((d) => d.stats().failedAuths)).toEqual(failedAfterRun);
    const everything = JSON.stringify(events) + filesUnder(dataDir).map((p) => readFileSync(p, 'utf8')).join('\n');
    expect(everything).not.toContain(NEW);
  });

  it('keeps a picture briefly (re-renders do not hammer the camera); "Refresh picture" fetches a new one', async () => {
    const cam = site.cameras[0]!;
    await snapshot(1, true);
    const before = cam.stats().snapshots;
    await Promise.all([snapshot(1), snapshot(1), snapshot(1)]);
    expect(cam.stats().snapshots).toBe(before);
    await snapshot(1, true);
    expect(cam.stats().snapshots).toBe(before + 1);
  });

  it('a camera that offers no snapshot, or answers a web page: the reason, no crash', async () => {
    const cam = site.cameras[0]!;
    cam.setFaults({ noSnapshot: true });
    await expect(snapshot(1, true)).resolves.toEqual({ why: 'This camera offers no snapshot over ONVIF.' });
    cam.setFaults({ noSnapshot: false, snapshotNotImage: true });
    expect((await snapshot(1, true)).why).toMatch(/not a JPEG or PNG picture/);
    cam.setFaults({ snapshotNotImage: false });
    expect((await snapshot(1, true)).image).toBeDefined();
  });
});

describe('site.snapshot: refused and locked cameras', () => {
  it('a password refused for a picture is spent from the gate once and never tried again', async () => {
    const cam = site.cameras[1]!;
    // The NVR's own sign-ins with the password it stores would be refused too from now on: not this test's count.
    rpcOf(site).setPollInterval(0);
    // …and a round already under way finishes first (pollNow joins it).
    await rpcOf(site).pollNow();
    const failed = cam.stats().failedAuths;
    const spent = ctx.gate.status(cam.xaddr).failures;
    cam.users.setPassword('admin', 'Changed-on-site-8');
    await expect(snapshot(2, true)).resolves.toEqual({ why: 'The camera refused the new password when asked for a picture; the app will not try it again.' });
    expect(cam.stats().failedAuths).toBe(failed + 1);
    expect(ctx.gate.status(cam.xaddr).failures).toBe(spent + 1);
    const requests = cam.stats().requests;
    await expect(snapshot(2, true)).resolves.toEqual({ why: 'The camera refused the new password when asked for a picture; the app will not try it again.' });
    expect(cam.stats().requests).toBe(requests);
    expect(cam.stats().failedAuths).toBe(failed + 1);
  });

  it('a locked camera: the lock is recorded in the gate and nothing is sent until it ends', async () => {
    const cam = site.cameras[0]!;
    cam.setFaults({ lockout: { afterFailures: 1, lockMs: 60_000 } });
    // Someone else's wrong password locks the camera.
    const other = new MediaClient({ xaddr: cam.xaddr, timeoutMs: 2000 });
    await expect(other.getProfiles({ username: 'admin', password: 'Someone-else-1' })).rejects.toMatchObject({ kind: 'auth-failed' });
    other.close();
    expect((await snapshot(1, true)).why).toMatch(/locked/);
    expect(ctx.gate.status(cam.xaddr).lockedUntil).toBeGreaterThan(ctx.clock.now());
    // The proof is kept (a lock is not a wrong password), but the gate sends nothing while the lock lasts.
    const requests = cam.stats().requests;
    expect((await snapshot(1, true)).why).toMatch(/^Not asking this camera for a picture/);
    expect(cam.stats().requests).toBe(requests);
  });
});
