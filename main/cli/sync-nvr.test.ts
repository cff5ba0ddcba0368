// `nvr-console sync --nvr …` in-process against the simulated site (loopback 127.63.N.0/24 only), one site
// per test. Every verdict is read from the simulated NVR and cameras themselves.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PAUSE_MARK } from '../../common/nvr/pause-marker';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site, type SiteOptions } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { startTlsNvr } from '../../test/support/tls-nvr';
import { acquireJournalLock } from '../site/journal-lock';
import { loopJournalPath } from './sync-nvr';

const NEW = 'Loop-new-pass-8';
const OLD = SITE_CREDENTIALS.camera.password;
const NVR_PW = SITE_CREDENTIALS.nvr.password;
const dir = mkdtempSync(join(tmpdir(), 'sync-nvr-cli-'));

type Row = Record<string, unknown> & { kind: string; outcome: string };

let block = 0;
let site: Site | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

/**
 * A site of 4 cameras (channels 1–4) and one behind the NVR's PoE ports (channel 5); the NVR polls its
 * cameras every 100 ms. Newer firmware (LogicDeviceManager, sealed) unless the test says otherwise.
 */
async function startLoopSite(extra: SiteOptions = {}): Promise<Site> {
  site = await startSite({ block: `127.63.${++block}`, cameras: 4, nvrPollMs: 100, ...extra, nvrRpc: { firmware: 'logic-device-manager', ...extra.nvrRpc } });
  return site;
}

function files(name: string, cameras: { xaddr: string; username: string }[]) {
  const targets = join(dir, `${name}.targets.json`);
  writeFileSync(targets, JSON.stringify(cameras));
  return { targets, journal: join(dir, `${name}.jsonl`) };
}

const secrets = (o: { newPassword?: string; nvrPassword?: string } = {}) =>
  JSON.stringify({ currentPasswords: [OLD], newPassword: o.newPassword ?? NEW, nvrPassword: o.nvrPassword ?? NVR_PW });

function sync(s: Site, f: { targets: string; journal: string }, stdin = secrets(), ...extra: string[]) {
  return runCliCaptured(['sync', '--targets', f.targets, '--secrets-stdin', '--journal', f.journal, '--nvr', rpcOf(s).url, '--nvr-username', 'admin', '--nvr-wait', '15000', ...extra], stdin);
}

const parse = (stdout: string) => JSON.parse(stdout) as Row[];
const channelRows = (rows: Row[]) => rows.filter((x) => x.kind === 'nvr-channel');
/** Sign-ins the cameras refused to the NVR itself (a stale stored password: what locks cameras). */
const refusedToNvr = (s: Site) => rpcOf(s).channels.map((_, i) => rpcOf(s).stored(i).refusedLogins);
/** No SetUser reached the camera. */
const untouched = (cam: Site['cameras'][number]) => Object.keys(cam.stats().setUserCount).length === 0 && cam.users.checkPassword('admin', OLD);

describe("nvr-console sync --nvr: the chosen camera and the NVR's own account on it", () => {
  it("changes the ONVIF channel's camera between a marked pause and the store; the channel records, its name is back, exit 0", async () => {
    const s = await startLoopSite();
    const f = files('ok', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]);
    const name = rpcOf(s).channels[1]!.name;
    const r = await sync(s, f, secrets(), '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rows = parse(r.stdout);
    expect(rows.filter((x) => x.kind === 'camera').map((x) => x.outcome)).toEqual(['updated']);
    expect(channelRows(rows).map((x) => x.outcome)).toEqual(['recording', 'recording', 'recording', 'not-reachable-from-laptop', 'recording']);
    expect(channelRows(rows)[1]).toMatchObject({ address: s.cameras[1]!.address, action: 'change-camera-then-nvr', enabled: true });
    // From the NVR itself: the new password on exactly that channel, every channel enabled under its own name.
    expect(rpcOf(s).channels.map((c) => c.password === NEW)).toEqual([false, true, false, false, false]);
    expect(rpcOf(s).channels.every((c) => c.enable)).toBe(true);
    expect(rpcOf(s).channels[1]!.name).toBe(name);
    expect(refusedToNvr(s)).toEqual([0, 0, 0, 0, 0]);
    // Nothing refused anywhere: not the NVR's sign-ins, not the app's.
    expect(s.cameras.map((c) => c.stats().failedAuths)).toEqual([0, 0, 0, 0]);
    // The journal saw the pause and the store; no password anywhere on disk or in the output.
    const disk = readdirSync(dir).filter((x) => x.startsWith('ok.')).map((x) => readFileSync(join(dir, x), 'utf8')).join('\n');
    expect(disk).toMatch(/"t":"nvr-write","step":"pause".*"names":\["[^"]+"\]/);
    expect(disk).toMatch(/"t":"nvr-write","step":"store"/);
    for (const secret of [NEW, NVR_PW, OLD]) expect(r.stdout + r.stderr + disk).not.toContain(secret);
    // From the NVR's request log: each secSetCamera sealed and carrying only this camera — its pause, then its
    // store — and no password in any plain request.
    const log = rpcOf(s).requests();
    const sets = log.filter((q) => q.method === 'LogicDeviceManager.secSetCamera');
    expect(sets.map((q) => [q.sealed, q.uniqueChannels])).toEqual([[true, [1]], [true, [1]]]);
    for (const q of log.filter((x) => !x.sealed)) for (const secret of [NEW, OLD, SITE_CREDENTIALS.cameraOperator.password]) expect(q.raw).not.toContain(secret);
  });

  it("a channel the NVR signs in to as the camera's Operator (`onvif`): the camera's admin changes that account too; the channel records with the new password, exit 0", async () => {
    const s = await startLoopSite();
    const cam = s.cameras[3]!;
    const f = files('operator', [{ xaddr: cam.xaddr, username: 'admin' }]);
    const r = await sync(s, f, secrets(), '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rows = parse(r.stdout);
    expect(rows.filter((x) => x.kind === 'camera').map((x) => [x.username, x.outcome])).toEqual([['admin', 'updated'], ['onvif', 'updated']]);
    expect(channelRows(rows)[3]).toMatchObject({ username: 'onvif', outcome: 'recording', enabled: true, detail: expect.stringMatching(/Camera \(onvif\): Updated.*set by the camera's Administrator account "admin"/) });
    // From the camera and the NVR themselves: both accounts hold the new password, the Operator is still one, the NVR stores it.
    expect(cam.users.checkPassword('onvif', NEW) && cam.users.checkPassword('admin', NEW)).toBe(true);
    expect(cam.users.list().find((u) => u.username === 'onvif')!.userLevel).toBe('Operator');
    expect(rpcOf(s).channels[3]).toMatchObject({ enable: true, password: NEW });
    await rpcOf(s).pollNow();
    expect(rpcOf(s).stored(3)).toMatchObject({ state: 'Connected', refusedLogins: 0 });
    expect(refusedToNvr(s)).toEqual([0, 0, 0, 0, 0]);
    expect(cam.stats().failedAuths).toBe(0);
    expect(cam.stats().setUserCount).toEqual({ admin: 1, onvif: 1 });
    // The journal of the NVR's own accounts names the account that made the change; no password anywhere.
    const disk = readdirSync(dir).filter((x) => x.startsWith('operator.')).map((x) => readFileSync(join(dir, x), 'utf8')).join('\n');
    expect(disk).toMatch(/"t":"setuser-sent","key":"[^"]+ onvif","at":\d+,"via":"admin"/);
    for (const secret of [NEW, NVR_PW, OLD, SITE_CREDENTIALS.cameraOperator.password]) expect(r.stdout + r.stderr + disk).not.toContain(secret);
  });
});

describe('nvr-console sync --nvr: an Operator account put back, left paused, changed again', () => {
  it("the NVR refuses the store on an Operator's channel: the Operator goes back to what the NVR stores, through the admin; rolled-back, exit 1", async () => {
    const s = await startLoopSite({ nvrRpc: { refuseStore: true } });
    const cam = s.cameras[3]!;
    const r = await sync(s, files('operator-back', [{ xaddr: cam.xaddr, username: 'admin' }]), secrets(), '--json');
    expect(r.code, r.stderr).toBe(1);
    expect(channelRows(parse(r.stdout))[3]).toMatchObject({ outcome: 'rolled-back', enabled: true });
    expect(cam.users.checkPassword('onvif', SITE_CREDENTIALS.cameraOperator.password)).toBe(true);
    // The admin account, which no channel records, keeps the new password.
    expect(cam.users.checkPassword('admin', NEW)).toBe(true);
    await rpcOf(s).pollNow();
    expect(rpcOf(s).stored(3)).toMatchObject({ enable: true, password: SITE_CREDENTIALS.cameraOperator.password, state: 'Connected', refusedLogins: 0 });
    expect(cam.stats().failedAuths).toBe(0);
    expect(cam.stats().setUserCount).toEqual({ admin: 1, onvif: 2 });
  });

  it("an Operator's channel an earlier run left paused (the Operator on the new password), the store still refused: put back through the admin before the admin's turn; the channel records", async () => {
    const s = await startLoopSite({ nvrRpc: { refuseStore: true } });
    const cam = s.cameras[3]!;
    const ch = rpcOf(s).channels[3]!;
    // What a run that died after changing both accounts leaves, its journals gone: the channel paused, storing the old password.
    Object.assign(ch, { enable: false, name: `${PAUSE_MARK}${ch.name}`.slice(0, 31) });
    // The NVR's round in progress finishes before the camera changes (a paused channel is not signed in to after it).
    await rpcOf(s).pollNow();
    for (const user of ['admin', 'onvif']) cam.users.setPassword(user, NEW);
    const r = await sync(s, files('operator-paused', [{ xaddr: cam.xaddr, username: 'admin' }]), secrets(), '--json');
    expect(channelRows(parse(r.stdout))[3], r.stderr).toMatchObject({ outcome: 'rolled-back', enabled: true });
    await rpcOf(s).pollNow();
    expect(rpcOf(s).stored(3)).toMatchObject({ enable: true, password: SITE_CREDENTIALS.cameraOperator.password, state: 'Connected', refusedLogins: 0 });
    expect(cam.users.checkPassword('onvif', SITE_CREDENTIALS.cameraOperator.password)).toBe(true);
    // One refusal, the paused channel's stored password tried first; the admin's own turn starts from what this run proved.
    expect(cam.stats().failedAuths).toBe(1);
  });

  it("a later run with another new password changes the Operator account again: the NVR's accounts are journalled per run", async () => {
    const s = await startLoopSite();
    const cam = s.cameras[3]!;
    const f = files('operator-twice', [{ xaddr: cam.xaddr, username: 'admin' }]);
    expect((await sync(s, f, secrets(), '--json')).code).toBe(0);
    const NEXT = 'Loop-next-pass-9';
    const r = await sync(s, f, JSON.stringify({ currentPasswords: [NEW], newPassword: NEXT, nvrPassword: NVR_PW }), '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(parse(r.stdout).filter((x) => x.kind === 'camera').map((x) => [x.username, x.outcome])).toEqual([['admin', 'updated'], ['onvif', 'updated']]);
    expect(cam.users.checkPassword('onvif', NEXT)).toBe(true);
    expect(rpcOf(s).channels[3]).toMatchObject({ enable: true, password: NEXT });
    expect(cam.stats().failedAuths).toBe(0);
  });
});

describe('nvr-console sync --nvr: older firmware, and what the camera or the NVR refuses', () => {
  it('older firmware (the RemoteDevice table, plain http): the same loop, the plan said the password crosses plain http, exit 0', async () => {
    const s = await startLoopSite({ nvrRpc: { firmware: 'remote-device-table' } });
    const r = await sync(s, files('table', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/plain http/);
    expect(channelRows(parse(r.stdout))[1]).toMatchObject({ outcome: 'recording', enabled: true });
    expect(rpcOf(s).channels[1]).toMatchObject({ enable: true, password: NEW });
    expect(refusedToNvr(s)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a camera that refuses the change: its channel goes back as it was, reported skipped, exit 1', async () => {
    const s = await startLoopSite({ faults: { '1': { fixedAdmin: true } } });
    const r = await sync(s, files('refuse', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]), secrets(), '--json');
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const ch = channelRows(parse(r.stdout))[1]!;
    expect(ch).toMatchObject({ outcome: 'skipped', enabled: true, detail: expect.stringMatching(/^Camera \(admin\): Rejected/) });
    expect(rpcOf(s).channels[1]).toMatchObject({ enable: true, password: OLD });
  });

  it('the NVR refuses the store: the camera is put back on the password the NVR stores, verified; rolled-back with the next step, exit 1', async () => {
    const s = await startLoopSite({ nvrRpc: { refuseStore: true } });
    const f = files('rollback', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]);
    const r = await sync(s, f, secrets(), '--json');
    expect(r.code, r.stderr).toBe(1);
    expect(channelRows(parse(r.stdout))[1]).toMatchObject({ outcome: 'rolled-back', enabled: true, nextStep: expect.stringMatching(/Remote Device page/) });
    // The camera holds the NVR's password again, and the NVR signs in with it: nothing refused, channel connected.
    expect(s.cameras[1]!.users.checkPassword('admin', OLD)).toBe(true);
    await rpcOf(s).pollNow();
    expect(rpcOf(s).stored(1)).toMatchObject({ enable: true, password: OLD, state: 'Connected', refusedLogins: 0 });
    // The rollback is a camera-sync run of its own, journalled beside the others.
    expect(readdirSync(dir).some((x) => x.startsWith('rollback.rollback-'))).toBe(true);
  });

  it('the NVR refuses the pause: the camera is not changed (no pass after the loop), the rows say why, exit 1', async () => {
    const s = await startLoopSite({ nvrRpc: { refusePause: true } });
    const r = await sync(s, files('nopause', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]), secrets(), '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 camera account\(s\) the NVR records were not changed, on purpose/);
    const rows = parse(r.stdout);
    expect(rows.find((x) => x.kind === 'camera')).toMatchObject({ outcome: 'skipped', attempts: 0, detail: expect.stringMatching(/^Not changed, on purpose: the NVR records this camera/) });
    expect(channelRows(rows)[1]).toMatchObject({ outcome: 'nvr-refused', detail: expect.stringMatching(/did not pause/) });
    expect(untouched(s.cameras[1]!)).toBe(true);
  });

  it('an NVR whose stored passwords come back masked: the write path is not provable, so no camera it records changes, exit 1', async () => {
    const s = await startLoopSite({ nvrRpc: { firmware: 'remote-device-table', maskPasswords: true } });
    const r = await sync(s, files('masked', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]), secrets(), '--json');
    expect(r.code).toBe(1);
    expect(channelRows(parse(r.stdout))[1]).toMatchObject({ action: 'cannot', detail: expect.stringMatching(/hides the stored password/) });
    expect(r.stderr).toMatch(/The app cannot write this NVR/);
    expect(untouched(s.cameras[1]!)).toBe(true);
    expect(rpcOf(s).stats().setConfigs).toBe(0);
  });
});

describe('nvr-console sync --nvr: cameras only, a wrong NVR password, a channel left disabled', () => {
  it('--cameras-only on an NVR the app cannot write: the camera changes anyway, with a plain warning that its channel stops recording; nothing written to the NVR, exit 1', async () => {
    const s = await startLoopSite({ nvrRpc: { firmware: 'remote-device-table', maskPasswords: true } });
    const cam = s.cameras[1]!;
    const r = await sync(s, files('only', [{ xaddr: cam.xaddr, username: 'admin' }]), secrets(), '--json', '--cameras-only');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WARNING \(--cameras-only\).*channel 2 STOP RECORDING.*Remote Device page/);
    const rows = parse(r.stdout);
    expect(rows.find((x) => x.kind === 'camera')).toMatchObject({ outcome: 'updated' });
    expect(channelRows(rows)[1]).toMatchObject({ action: 'change-camera-then-nvr', outcome: 'nvr-not-updated', nextStep: expect.stringMatching(/channel 2/) });
    expect(cam.users.checkPassword('admin', NEW)).toBe(true);
    expect(rpcOf(s).stats().setConfigs).toBe(0);
    // Where the app can write the NVR, the choice changes nothing and says so.
    const s2 = await startSite({ block: `127.63.${++block}`, cameras: 4, nvrPollMs: 100, nvrRpc: { firmware: 'logic-device-manager' } });
    try {
      const ok = await sync(s2, files('only-ok', [{ xaddr: s2.cameras[1]!.xaddr, username: 'admin' }]), secrets(), '--json', '--cameras-only');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toMatch(/--cameras-only is not needed/);
      expect(rpcOf(s2).channels[1]).toMatchObject({ enable: true, password: NEW });
    } finally {
      await s2.stop();
    }
  });

  it('a wrong NVR password: one refused sign-in, no camera touched, exit 1', async () => {
    const s = await startLoopSite();
    const cam = s.cameras[3]!;
    const r = await sync(s, files('wrong', [{ xaddr: cam.xaddr, username: 'admin' }]), secrets({ nvrPassword: 'Not-the-nvr-1' }), '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no camera was changed/);
    expect(r.stderr).toMatch(/tries? left/);
    expect(rpcOf(s).stats().loginFailures).toBe(1);
    expect(untouched(cam)).toBe(true);
    expect(r.stderr).not.toContain('Not-the-nvr-1');
  });

  it('a channel an earlier run left disabled (its journal gone): shown as disabled on the NVR, then restored by the next run, exit 0', async () => {
    const s = await startLoopSite();
    const cam = s.cameras[1]!;
    const ch = rpcOf(s).channels[1]!;
    // What a run killed right after its pause leaves on the NVR: Enable false and the marker; no journal survives.
    const name = ch.name;
    Object.assign(ch, { enable: false, name: `${PAUSE_MARK}${name}`.slice(0, 31) });
    const r = await sync(s, files('left', [{ xaddr: cam.xaddr, username: 'admin' }]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Channel 2 is disabled on the NVR \(left paused by an earlier run of this app\)/);
    const row = channelRows(parse(r.stdout))[1]!;
    expect(row).toMatchObject({ outcome: 'recording', enabled: true, detail: expect.stringMatching(/An earlier run of this app had left this channel disabled/) });
    expect(ch).toMatchObject({ enable: true, password: NEW, name: name.slice(0, 31 - PAUSE_MARK.length) });
    expect(refusedToNvr(s)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('nvr-console sync --nvr: a journal another process holds', () => {
  it("another process holds the sync journal: refused before the journal or the NVR is touched, a plain message", async () => {
    const s = await startLoopSite();
    const f = files('locked-sync', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]);
    const lock = acquireJournalLock(f.journal);
    try {
      const r = await sync(s, f, secrets(), '--json');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Another nvr-console \(process \d+\) is using the journal .*No camera was changed/);
      expect(existsSync(f.journal)).toBe(false);
      expect(rpcOf(s).requests()).toEqual([]);
      expect(untouched(s.cameras[1]!)).toBe(true);
    } finally {
      lock.release();
    }
  });

  it("another process holds the loop journal: a plain message, nothing sent to the NVR, no camera touched", async () => {
    const s = await startLoopSite();
    const f = files('locked', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]);
    const lock = acquireJournalLock(loopJournalPath(f.journal));
    try {
      const r = await sync(s, f, secrets(), '--json');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Another nvr-console \(process \d+\) is using the journal/);
      expect(rpcOf(s).stats().setConfigs).toBe(0);
      expect(untouched(s.cameras[1]!)).toBe(true);
    } finally {
      lock.release();
    }
  });
});

describe('nvr-console sync --nvr: usage errors, and an https NVR', () => {
  it('exit 2 on usage errors around --nvr, nothing on stdout, no password echoed', async () => {
    const s = await startLoopSite();
    const good = files('usage', [{ xaddr: s.cameras[1]!.xaddr, username: 'admin' }]);
    const url = rpcOf(s).url;
    const cases: [string[], string, RegExp][] = [
      [['--nvr', url], secrets(), /--nvr-username/],
      [['--nvr-username', 'admin'], secrets(), /needs --nvr/],
      [['--nvr', 'ftp://x', '--nvr-username', 'admin'], secrets(), /--nvr/],
      [['--nvr', url, '--nvr-username', 'admin'], JSON.stringify({ currentPasswords: [OLD], newPassword: NEW }), /nvrPassword/],
      [[], secrets(), /needs --nvr/],
      [['--nvr', url, '--nvr-username', 'admin', '--nvr-wait', 'soon'], secrets(), /--nvr-wait/],
      [['--nvr', url, '--nvr-username', 'admin', '--nvr-trust-cert', 'AA:BB'], secrets(), /--nvr-trust-cert must be/],
      [['--cameras-only'], JSON.stringify({ currentPasswords: [OLD], newPassword: NEW }), /--cameras-only needs --nvr/],
    ];
    for (const [argv, stdin, message] of cases) {
      const r = await runCliCaptured(['sync', '--targets', good.targets, '--secrets-stdin', '--journal', good.journal, ...argv], stdin);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(NVR_PW);
    }
  });

  it('an https NVR: nothing is sent and no camera changes until --nvr-trust-cert names its certificate; then the loop runs over TLS', async () => {
    const s = await startLoopSite();
    const tls = await startTlsNvr({ address: `${s.block}.250`, forwardTo: rpcOf(s).url });
    const cam = s.cameras[1]!;
    try {
      const f = files('tls', [{ xaddr: cam.xaddr, username: 'admin' }]);
      const args = (...extra: string[]) => ['sync', '--targets', f.targets, '--secrets-stdin', '--json', '--journal', f.journal, '--nvr', tls.url, '--nvr-username', 'admin', '--nvr-wait', '15000', ...extra];
      const first = await runCliCaptured(args(), secrets());
      expect(first.code).toBe(1);
      expect(first.stdout).toBe('');
      expect(first.stderr).toMatch(/--nvr-trust-cert <that fingerprint>/);
      const fp = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(first.stderr)?.[1];
      expect(fp, first.stderr).toBeDefined();
      const wrong = await runCliCaptured(args('--nvr-trust-cert', `00${fp!.slice(2)}`), secrets());
      expect(wrong.stderr).toMatch(/NOT the one given with --nvr-trust-cert/);
      expect(tls.requests()).toBe(0);
      expect(untouched(cam)).toBe(true);
      const ok = await runCliCaptured(args('--nvr-trust-cert', fp!), secrets());
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      expect(channelRows(parse(ok.stdout))[1]).toMatchObject({ outcome: 'recording', action: 'change-camera-then-nvr' });
      expect(rpcOf(s).channels[1]!.password).toBe(NEW);
      expect(tls.requests()).toBeGreaterThan(0);
    } finally {
      await tls.stop();
    }
  });
});
