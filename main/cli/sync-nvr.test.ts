// `nvr-console sync --nvr …` in-process against the simulated site (loopback 127.63.1.0/24 only).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { startTlsNvr } from '../../test/support/tls-nvr';

const NEW = 'Loop-new-pass-8';
const NVR_PW = SITE_CREDENTIALS.nvr.password;
const dir = mkdtempSync(join(tmpdir(), 'sync-nvr-cli-'));

const cli = (argv: string[], stdin = '') => runCliCaptured(['sync', ...argv], stdin);

let n = 0;
const file = (content: string) => {
  const p = join(dir, `t${++n}.json`);
  writeFileSync(p, content);
  return p;
};

type Row = Record<string, unknown> & { kind: string; outcome: string };

describe('nvr-console sync --nvr', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.63.1', cameras: 4 });
  });
  afterAll(async () => {
    await site?.stop();
  });
  beforeEach(() => {
    rpcOf(site).setFaults({ refuseSetConfig: false, maskPasswords: false, expireSessionAfterCalls: 0, expireSessionTimes: 0 });
  });
  const secrets = (extra: Record<string, unknown> = { nvrPassword: NVR_PW }) =>
    JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.cameraOperator.password], newPassword: NEW, ...extra });
  const nvrArgs = () => ['--nvr', rpcOf(site).url, '--nvr-username', 'admin', '--nvr-wait', '20000'];

  it("changes the ONVIF channel's camera, then the NVR, and proves the channel records: exit 0", async () => {
    // Channel 2 is camera 1 by ONVIF as admin; channel 4 camera 3 by ONVIF as "onvif"; 1, 3, 5 are Private (5 behind the NVR).
    const targets = file(JSON.stringify([{ xaddr: site.cameras[1]!.xaddr, username: 'admin' }]));
    const journal = join(dir, 'ok.jsonl');
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', journal, ...nvrArgs()], secrets());
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    const cameras = rows.filter((x) => x.kind === 'camera');
    const channels = rows.filter((x) => x.kind === 'nvr-channel');
    expect(cameras.map((x) => x.outcome)).toEqual(['updated']);
    expect(channels.map((x) => x['channel'])).toEqual([1, 2, 3, 4, 5]);
    expect(channels.map((x) => x.outcome)).toEqual(['recording', 'recording', 'recording', 'not-reachable-from-laptop', 'recording']);
    expect(channels[1]).toMatchObject({ address: site.cameras[1]!.address, action: 'change-camera-then-nvr' });
    expect(channels[3]!['detail']).toMatch(/not among the chosen cameras/);
    for (const c of channels) for (const k of ['channel', 'address', 'outcome', 'detail']) expect(c).toHaveProperty(k);
    // The NVR stores the new password for exactly that channel, every channel is enabled again,
    // and the NVR never had a sign-in refused by a camera.
    const stored = rpcOf(site).channels;
    expect(stored.map((c) => c.password === NEW)).toEqual([false, true, false, false, false]);
    expect(stored.every((c) => c.enable)).toBe(true);
    expect(stored.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0, 0]);
    // No password anywhere: stdout, stderr, the sync journal, the loop journal.
    const files = readdirSync(dir).filter((f) => f.startsWith('ok.'));
    expect(files).toContain('ok.nvr-loop.jsonl');
    const disk = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(disk).toMatch(/"t":"nvr-write","step":"pause"/);
    expect(disk).toMatch(/"t":"nvr-write","step":"store"/);
    for (const secret of [NEW, NVR_PW, SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.cameraOperator.password]) {
      expect(r.stdout + r.stderr + disk).not.toContain(secret);
    }
  });

  it('a camera that refuses the change: its channel is restored as it was and reported skipped, exit 1', async () => {
    // Camera 3's "onvif" account is an operator: it may not change its own password.
    const targets = file(JSON.stringify([{ xaddr: site.cameras[3]!.xaddr, username: 'onvif' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'refuse.jsonl'), ...nvrArgs()], secrets());
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.find((x) => x.kind === 'camera')).toMatchObject({ outcome: 'unsupported' });
    expect(rows.find((x) => x.kind === 'nvr-channel' && x['channel'] === 4)).toMatchObject({ action: 'change-camera-then-nvr', outcome: 'skipped', detail: expect.stringMatching(/^Camera: Not supported/) });
    const ch = rpcOf(site).channels[3]!;
    expect(ch).toMatchObject({ enable: true, password: SITE_CREDENTIALS.cameraOperator.password });
  });

  it('an NVR that refuses the write: the channel says so with the next step, the camera row stays truthful, exit 1', async () => {
    const cam = site.cameras[1]!;
    rpcOf(site).setFaults({ refuseSetConfig: true });
    const targets = file(JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'refused.jsonl'), ...nvrArgs()], JSON.stringify({ currentPasswords: [NEW], newPassword: 'Loop-next-pass-9', nvrPassword: NVR_PW }));
    expect(r.code, r.stderr).toBe(1);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.find((x) => x.kind === 'camera')).toMatchObject({ outcome: 'updated' });
    const ch = rows.find((x) => x.kind === 'nvr-channel' && x['channel'] === 2)!;
    expect(ch).toMatchObject({ outcome: 'nvr-refused', nextStep: expect.stringMatching(/Remote Device page/) });
    expect(ch['detail']).toMatch(/did not take the change/);
    expect(rpcOf(site).channels[1]!.password).toBe(NEW);
    // Put the camera back where the other tests expect it.
    cam.users.setPassword('admin', NEW);
  });

  it('a wrong NVR password: one refused sign-in, no camera touched, exit 1', async () => {
    const cam = site.cameras[3]!;
    const requests = cam.stats().requests;
    const failed = rpcOf(site).stats().loginFailures;
    const targets = file(JSON.stringify([{ xaddr: cam.xaddr, username: 'onvif' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'wrong.jsonl'), ...nvrArgs()], secrets({ nvrPassword: 'Not-the-nvr-1' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no camera was changed/);
    expect(r.stderr).toMatch(/tries? left/);
    expect(rpcOf(site).stats().loginFailures).toBe(failed + 1);
    expect(cam.stats().requests).toBe(requests);
    expect(r.stderr).not.toContain('Not-the-nvr-1');
  });

  it('resumes after a crash from the loop journal: a pause the NVR answered is not sent again', async () => {
    const cam = site.cameras[1]!;
    const ch = rpcOf(site).channels[1]!;
    // A previous run paused channel 2, journalled the answer, and died before changing the camera.
    ch.enable = false;
    const journal = join(dir, 'crash.jsonl');
    const camera = `${cam.address}|${ch.port}|admin`;
    writeFileSync(
      join(dir, 'crash.nvr-loop.jsonl'),
      [{ t: 'nvr-write', step: 'pause', camera, channels: [2] }, { t: 'nvr-written', step: 'pause', camera, ok: true }, null, { t: 'retry', keys: 5 }].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const writes = rpcOf(site).stats().setConfigs;
    const targets = file(JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--journal', journal, ...nvrArgs()], JSON.stringify({ currentPasswords: [NEW], newPassword: 'Loop-after-crash-4', nvrPassword: NVR_PW }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 unreadable line\(s\)/);
    // One write only: the store (new password and Enable back in one table write).
    expect(rpcOf(site).stats().setConfigs).toBe(writes + 1);
    expect(ch).toMatchObject({ enable: true, password: 'Loop-after-crash-4' });
    expect((JSON.parse(r.stdout) as Row[]).find((x) => x.kind === 'nvr-channel' && x['channel'] === 2)).toMatchObject({ outcome: 'recording' });
    cam.users.setPassword('admin', NEW);
    ch.password = NEW;
  });

  it('an NVR that masks stored passwords and ends the session mid-run: no mask written back, one sign-in again, exit 0', async () => {
    const cam = site.cameras[1]!;
    rpcOf(site).setFaults({ maskPasswords: true, expireSessionAfterCalls: 4, expireSessionTimes: 1 });
    const before = rpcOf(site).stats();
    const targets = file(JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
    const r = await cli(['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'hostile.jsonl'), ...nvrArgs()], JSON.stringify({ currentPasswords: [NEW], newPassword: 'Loop-masked-pass-2', nvrPassword: NVR_PW }));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const after = rpcOf(site).stats();
    expect(after.maskWrites).toBe(before.maskWrites);
    expect(after.logins).toBe(before.logins + 2);
    expect(after.loginFailures).toBe(before.loginFailures);
    expect(rpcOf(site).channels.map((c) => c.password)).toEqual([SITE_CREDENTIALS.camera.password, 'Loop-masked-pass-2', SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.cameraOperator.password, SITE_CREDENTIALS.camera.password]);
    cam.users.setPassword('admin', NEW);
    rpcOf(site).channels[1]!.password = NEW;
  });

  it('exit 2 on usage errors around --nvr, nothing on stdout, no password echoed', async () => {
    const good = file(JSON.stringify([{ xaddr: site.cameras[1]!.xaddr, username: 'admin' }]));
    const url = rpcOf(site).url;
    const cases: [string[], string, RegExp][] = [
      [['--nvr', url], secrets(), /--nvr-username/],
      [['--nvr-username', 'admin'], secrets(), /needs --nvr/],
      [['--nvr', 'ftp://x', '--nvr-username', 'admin'], secrets(), /--nvr/],
      [['--nvr', url, '--nvr-username', 'admin'], secrets({}), /nvrPassword/],
      [[], secrets(), /needs --nvr/],
      [['--nvr', url, '--nvr-username', 'admin', '--nvr-wait', 'soon'], secrets(), /--nvr-wait/],
      [['--nvr', url, '--nvr-username', 'admin', '--nvr-trust-cert', 'AA:BB'], secrets(), /--nvr-trust-cert must be/],
    ];
    for (const [argv, stdin, message] of cases) {
      const r = await cli(['--targets', good, '--secrets-stdin', '--journal', join(dir, 'usage.jsonl'), ...argv], stdin);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(NVR_PW);
    }
  });

  it('an https NVR: nothing is sent and no camera changes until --nvr-trust-cert names its certificate; then the loop runs over TLS', async () => {
    const tls = await startTlsNvr({ address: '127.63.1.250', forwardTo: rpcOf(site).url });
    const cam = site.cameras[1]!;
    const TLS_NEW = 'Loop-tls-pass-7';
    try {
      const targets = file(JSON.stringify([{ xaddr: cam.xaddr, username: 'admin' }]));
      const args = (...extra: string[]) => ['--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'tls.jsonl'), '--nvr', tls.url, '--nvr-username', 'admin', '--nvr-wait', '20000', ...extra];
      const stdin = JSON.stringify({ currentPasswords: [NEW], newPassword: TLS_NEW, nvrPassword: NVR_PW });
      const camRequests = cam.stats().requests;

      const first = await cli(args(), stdin);
      expect(first.code).toBe(1);
      expect(first.stdout).toBe('');
      expect(first.stderr).toMatch(/--nvr-trust-cert <that fingerprint>/);
      expect(first.stderr).toMatch(/No camera was changed/);
      const fp = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(first.stderr)?.[1];
      expect(fp, first.stderr).toBeDefined();
      const wrong = await cli(args('--nvr-trust-cert', `00${fp!.slice(2)}`), stdin);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/NOT the one given with --nvr-trust-cert/);
      expect(tls.requests()).toBe(0);
      expect(cam.stats().requests).toBe(camRequests);

      const ok = await cli(args('--nvr-trust-cert', fp!), stdin);
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      const rows = JSON.parse(ok.stdout) as Row[];
      expect(rows.find((x) => x.kind === 'nvr-channel' && x['channel'] === 2)).toMatchObject({ outcome: 'recording', action: 'change-camera-then-nvr' });
      expect(rpcOf(site).channels[1]!.password).toBe(TLS_NEW);
      expect(tls.requests()).toBeGreaterThan(0);
      expect(ok.stdout + ok.stderr).not.toContain(TLS_NEW);
    } finally {
      cam.users.setPassword('admin', NEW);
      rpcOf(site).channels[1]!.password = NEW;
      await tls.stop();
    }
  });
});
