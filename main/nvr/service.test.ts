// The nvr.* verbs against the simulated site (loopback 127.62.7.0/24 only).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { calls } from '../../common/contract';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { caseAccount, createMemoryKeychain } from '../core/keychain';
import { testContext } from '../../test/support/test-context';
import { startTlsNvr } from '../../test/support/tls-nvr';
import { setupNvr } from './service';

const NEW = 'Case-new-pass-42';
const t = { host: 'test' } as const;

describe('nvr service', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.7', cameras: 3 });
    await rpcOf(site).pollNow();
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('signs in with a typed password, lists channels, refreshes on demand, keeps alive, signs out', async () => {
    const { ctx, events, dataDir } = testContext();
    const f = await setupNvr(ctx, {});
    const url = rpcOf(site).url;
    const snap = await f.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    expect(snap.identity.serial).toBe(site.nvr.identity.serialNumber);
    expect(snap.channels.map((c) => [c.channel, c.protocol, c.online])).toEqual([[1, 'private', true], [2, 'onvif', true], [3, 'private', true], [4, 'private', true]]);
    expect(events.filter((e) => e.name === 'nvr.channels')).toHaveLength(1);
    expect(await f.handlers['nvr.status']({ url }, t)).toMatchObject({ signedIn: true, username: 'admin', failures: 0, maxFailures: 2 });

    site.cameras[1]!.users.setPassword('admin', 'Changed-elsewhere-1');
    await rpcOf(site).pollNow();
    const logins = rpcOf(site).stats().logins;
    const again = await f.handlers['nvr.channels'](undefined, t);
    expect(again.channels[1]).toMatchObject({ online: false, state: 'disconnected' });
    expect(rpcOf(site).stats().logins).toBe(logins); // the open session, no new sign-in
    site.cameras[1]!.users.setPassword('admin', SITE_CREDENTIALS.camera.password);

    expect(await f.handlers['nvr.signOut'](undefined, t)).toEqual({ signedOut: true });
    await expect(f.handlers['nvr.channels'](undefined, t)).rejects.toThrow(/Sign in to the NVR first/);
    await f.dispose?.();
    const logs = readdirSync(join(dataDir, 'logs')).map((n) => readFileSync(join(dataDir, 'logs', n), 'utf8')).join('');
    expect(logs).toContain('signed in to the NVR');
    expect(logs).not.toContain(SITE_CREDENTIALS.nvr.password);
    expect(JSON.stringify(events)).not.toContain(SITE_CREDENTIALS.nvr.password);
  });

  it('takes the new password from the reset case’s keychain entry', async () => {
    const { ctx } = testContext();
    const keychain = createMemoryKeychain();
    await keychain.set(caseAccount('case-1'), NEW);
    site.nvr.users.setPassword('admin', NEW);
    try {
      const f = await setupNvr(ctx, { casePassword: (id) => keychain.get(caseAccount(id)) });
      const snap = await f.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', caseId: 'case-1' }), t);
      expect(snap.channels).toHaveLength(4);
      await expect(f.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', caseId: 'nope' }), t)).rejects.toThrow(/No new password is stored/);
      await f.dispose?.();
    } finally {
      site.nvr.users.setPassword('admin', SITE_CREDENTIALS.nvr.password);
    }
  });

  it('a wrong password: refused with the tries left, counted once, nothing retried; the password is scrubbed', async () => {
    const { ctx, events, dataDir } = testContext();
    const f = await setupNvr(ctx, {});
    const before = rpcOf(site).stats().loginFailures;
    const wrong = 'Typed-wrong-pass-7';
    // From here the timers are the test's: whatever the failed sign-in leaves behind (a keep-alive, a retry, a
    // request in flight with its timeout) is counted, however far off it is due, instead of hoped away by a sleep.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const err = await Promise.resolve(f.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: wrong }), t)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'refused', message: expect.stringMatching(/4 tries left before the NVR locks this account for 30 minutes/), params: { kind: 'wrong-password', remainLoginTimes: 4 } });
      // Nothing in the background may try again: once what is already queued has run, nothing is scheduled.
      await new Promise((r) => setImmediate(r));
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    expect(rpcOf(site).stats().loginFailures).toBe(before + 1);
    expect(await f.handlers['nvr.status']({ url: rpcOf(site).url }, t)).toMatchObject({ signedIn: false, failures: 1 });
    ctx.log.info('echo', { typed: wrong });
    await f.dispose?.();
    const logs = readdirSync(join(dataDir, 'logs')).map((n) => readFileSync(join(dataDir, 'logs', n), 'utf8')).join('');
    expect(logs).not.toContain(wrong);
    expect(JSON.stringify(events)).not.toContain(wrong);
    // Clear the NVR's consecutive counter for other tests.
    const ok = await setupNvr(testContext().ctx, {});
    await ok.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    await ok.dispose?.();
  });

  it('refreshes live while a camera sync runs, on the open session only', async () => {
    const { ctx, events } = testContext();
    const f = await setupNvr(ctx, { liveRefreshMs: 0 });
    await f.handlers['nvr.signIn'](calls['nvr.signIn'].input.parse({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password }), t);
    const n = events.filter((e) => e.name === 'nvr.channels').length;
    ctx.events.emit('sync.progress', { runId: 'r', rows: [] });
    await expect.poll(() => events.filter((e) => e.name === 'nvr.channels').length).toBe(n + 1);
    await f.dispose?.();
  });
});

/**
 * The fingerprint with its first byte changed. The certificate is made afresh each run, so a fixed byte (say 00)
 * would equal the real one once in 256 runs and the "different certificate" check would sign in instead.
 */
function otherFingerprint(fp: string): string {
  const first = (parseInt(fp.slice(0, 2), 16) ^ 0xff).toString(16).toUpperCase().padStart(2, '0');
  return first + fp.slice(2);
}

describe('nvr service and an https NVR', () => {
  it('asks for the certificate first, signs in only with the fingerprint the technician confirmed', async () => {
    const { url, requests, stop } = await startTlsNvr({ address: '127.62.7.200', answer: { error: { code: 268632086 }, result: false } });
    try {
      const { ctx } = testContext();
      const f = await setupNvr(ctx, {});
      const input = (extra: object = {}) => calls['nvr.signIn'].input.parse({ url, username: 'admin', password: 'Pass-1234x', ...extra });
      await expect(Promise.resolve(f.handlers['nvr.signIn'](input(), t))).rejects.toThrow(/confirm you trust it/);
      const cert = await f.handlers['nvr.certificate']({ url }, t);
      expect(cert.subject).toBe('CN=nvr');
      expect(requests()).toBe(0);
      await expect(Promise.resolve(f.handlers['nvr.signIn'](input({ trustFingerprint: otherFingerprint(cert.fingerprint256) }), t))).rejects.toThrow(/different certificate/);
      expect(requests()).toBe(0);
      await expect(Promise.resolve(f.handlers['nvr.signIn'](input({ trustFingerprint: cert.fingerprint256 }), t))).rejects.toThrow(/not been initialised/);
      expect(requests()).toBe(1);
      await f.dispose?.();
    } finally {
      await stop();
    }
  });
});
