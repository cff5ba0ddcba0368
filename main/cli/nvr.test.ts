// `nvr-console nvr channels` in-process against the simulated site (loopback 127.62.5.0/24 only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { startTlsNvr } from '../../test/support/tls-nvr';

const PW = SITE_CREDENTIALS.nvr.password;

const cli = (argv: string[], stdin = '') => runCliCaptured(['nvr', 'channels', ...argv], stdin);

describe('nvr-console nvr channels', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.5', cameras: 4 });
    await rpcOf(site).pollNow();
  });
  afterAll(async () => {
    await site?.stop();
  });
  const secrets = (password: string = PW) => JSON.stringify({ password });

  it('exit 0 and one JSON object per configured channel', async () => {
    const r = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], secrets());
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ channel: 1, name: 'Front door', address: site.cameras[0]!.address, port: 37777, protocol: 'private', username: 'admin', online: true, enabled: true, pausedByApp: false, state: 'connected', model: site.cameras[0]!.identity.model });
    expect(rows.map((x) => x['protocol'])).toEqual(['private', 'onvif', 'private', 'onvif', 'private']);
    expect(rows[3]).toMatchObject({ username: 'onvif', online: true });
    expect(r.stderr).toBe('');
    expect(rpcOf(site).stats().logouts).toBeGreaterThan(0);
  });

  it('a camera whose stored password went stale is reported offline', async () => {
    const cam = site.cameras[2]!;
    cam.users.setPassword('admin', 'Someone-changed-9');
    try {
      await rpcOf(site).pollNow();
      const r = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin'], secrets());
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { online: boolean }[]).map((x) => x.online)).toEqual([true, true, false, true, true]);
      expect(r.stderr).toMatch(/5 channel\(s\), 4 online/);
    } finally {
      cam.users.setPassword('admin', SITE_CREDENTIALS.camera.password);
      await rpcOf(site).pollNow();
    }
  });

  it('a channel left disabled on the NVR is listed and said to be disabled, not dropped; one an earlier run paused says so', async () => {
    const [paused, off] = [rpcOf(site).channels[1]!, rpcOf(site).channels[2]!];
    const name = paused.name;
    paused.enable = false;
    paused.name = `PAUSED~${name}`; // what a close-the-loop run leaves on the NVR when it stops mid-camera
    off.enable = false;
    try {
      const json = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], secrets());
      expect(json.code, json.stderr).toBe(0);
      const rows = JSON.parse(json.stdout) as { channel: number; enabled: boolean; online: boolean; pausedByApp: boolean }[];
      expect(rows.map((r) => [r.channel, r.enabled, r.online, r.pausedByApp])).toEqual([
        [1, true, true, false], [2, false, false, true], [3, false, false, false], [4, true, true, false], [5, true, true, false],
      ]);
      const text = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin'], secrets());
      expect(text.stderr).toMatch(/5 channel\(s\), 3 online, 2 disabled on the NVR\./);
      expect(text.stderr).toMatch(/Channel 2 \(Driveway\) is disabled on the NVR: a close-the-loop run paused it and did not finish\. It does not record until the next `sync --nvr` run/);
      expect(text.stderr).toMatch(/Channel 3 \(Back yard\) is disabled on the NVR \(not by this app\): it does not record/);
    } finally {
      paused.enable = off.enable = true;
      paused.name = name;
    }
  });

  it('exit 1 on a wrong password: one refused sign-in, remaining tries on stderr, no password anywhere', async () => {
    const before = rpcOf(site).stats().loginFailures;
    const r = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], secrets('Not-the-pass-1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/refused the user name or password\. 4 tries left before the NVR locks this account for 30 minutes/);
    expect(rpcOf(site).stats().loginFailures).toBe(before + 1);
    expect(r.stderr).not.toContain('Not-the-pass-1');
    // A right sign-in afterwards clears the NVR's consecutive counter for the next tests.
    expect((await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], secrets())).code).toBe(0);
  });

  it('exit 1 on a protocol failure: nothing listening, an HTML answer', async () => {
    const gone = await cli(['--nvr', `http://${site.block}.253:9`, '--username', 'admin', '--secrets-stdin', '--timeout', '2000'], secrets());
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/did not answer/);
    rpcOf(site).setFaults({ notJson: true });
    try {
      const html = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin'], secrets());
      expect(html.code).toBe(1);
      expect(html.stderr).toMatch(/not JSON/);
    } finally {
      rpcOf(site).setFaults({ notJson: false });
    }
  });

  it('exit 2 on usage errors, with a clear message and nothing on stdout', async () => {
    const url = rpcOf(site).url;
    const cases: [string[], string, RegExp][] = [
      [['--username', 'admin', '--secrets-stdin'], secrets(), /--nvr/],
      [['--nvr', 'ftp://x', '--username', 'admin', '--secrets-stdin'], secrets(), /--nvr must be/],
      [['--nvr', `${url}/RPC2`, '--username', 'admin', '--secrets-stdin'], secrets(), /--nvr must be/],
      [['--nvr', url, '--secrets-stdin'], secrets(), /--username/],
      [['--nvr', url, '--username', 'admin'], secrets(), /--secrets-stdin/],
      [['--nvr', url, '--username', 'admin', '--secrets-stdin'], '', /empty/],
      [['--nvr', url, '--username', 'admin', '--secrets-stdin'], `{"password":"${PW}"`, /not valid JSON/],
      [['--nvr', url, '--username', 'admin', '--secrets-stdin'], '{"pw":1}', /standard input is invalid/],
      [['--nvr', url, '--username', 'admin', '--secrets-stdin', '--password', PW], secrets(), /never accepted as arguments/],
      [['--nvr', url, '--username', 'admin', '--secrets-stdin', '--timeout', '5'], secrets(), /--timeout/],
    ];
    const before = rpcOf(site).stats();
    for (const [argv, stdin, message] of cases) {
      const r = await cli(argv, stdin);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(PW);
    }
    expect((await cli(['--nvr', url, '--bogus'], secrets())).code).toBe(2);
    // Usage errors never reach the NVR.
    expect(rpcOf(site).stats().logins + rpcOf(site).stats().loginFailures).toBe(before.logins + before.loginFailures);
  });
});

describe('nvr-console nvr channels on an https NVR', () => {
  it('prints the certificate fingerprint and sends nothing until --trust-cert names it', async () => {
    const server = await startTlsNvr({ address: '127.62.5.200', answer: { error: { code: 268632086 }, result: false } });
    const { url, requests } = server;
    try {
      const first = await cli(['--nvr', url, '--username', 'admin', '--secrets-stdin'], JSON.stringify({ password: PW }));
      expect(first.code).toBe(1);
      const fp = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(first.stderr)?.[1];
      expect(fp, first.stderr).toBeDefined();
      expect(first.stderr).toMatch(/--trust-cert/);
      expect(requests()).toBe(0);
      const wrong = await cli(['--nvr', url, '--username', 'admin', '--secrets-stdin', '--trust-cert', `00${fp!.slice(2)}`], JSON.stringify({ password: PW }));
      expect(wrong.stderr).toMatch(/NOT the one given/);
      expect(requests()).toBe(0);
      const trusted = await cli(['--nvr', url, '--username', 'admin', '--secrets-stdin', '--trust-cert', fp!], JSON.stringify({ password: PW }));
      expect(trusted.code).toBe(1);
      expect(trusted.stderr).toMatch(/not been initialised/);
      expect(requests()).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe('nvr-console nvr channels on newer firmware that refuses the RemoteDevice read', () => {
  it('lists the channels through LogicDeviceManager, a disabled one included, and never reads a stored password', async () => {
    const site = await startSite({ block: '127.62.17', cameras: 2, behindNvr: 0, nvrRpc: { firmware: 'logic-device-manager', missingMethods: ['configManager.getConfig'] } });
    try {
      rpcOf(site).channels[1]!.enable = false;
      const r = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin'], JSON.stringify({ password: PW }));
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { channel: number; enabled: boolean; address: string }[]).map((x) => [x.channel, x.enabled, x.address])).toEqual([
        [1, true, site.cameras[0]!.address],
        [2, false, site.cameras[1]!.address],
      ]);
      expect(r.stderr).toMatch(/Read through LogicDeviceManager/);
      expect(r.stderr).toMatch(/Channel 2 .*is disabled on the NVR/);
      // Reads only, none of them sealed (a view needs no stored password).
      expect(rpcOf(site).requests().filter((q) => q.sealed || /set/i.test(q.method))).toEqual([]);
    } finally {
      await site.stop();
    }
  });
});

describe('nvr-console nvr channels on firmware without the web JSON-RPC', () => {
  it('falls back to the CGI reads and prints the same rows', async () => {
    const site = await startSite({ block: '127.62.6', cameras: 2, behindNvr: 0, nvrRpc: { rpcMissing: true } });
    try {
      const r = await cli(['--nvr', rpcOf(site).url, '--username', 'admin', '--secrets-stdin', '--json'], JSON.stringify({ password: PW }));
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { channel: number; protocol: string; online: boolean }[]).map((x) => [x.channel, x.protocol, x.online])).toEqual([[1, 'private', true], [2, 'onvif', true]]);
      expect(rpcOf(site).stats().passwordInUrl).toBe(0);
    } finally {
      await site.stop();
    }
  });
});
