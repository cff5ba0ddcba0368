import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { DahuaError, DahuaRpcClient } from './client';
import { readNvr } from './reader';
import { nvrAction } from './session';
import { selfSignedCert, startTlsNvr, type TlsNvr } from '../../test/support/tls-nvr';

// Loopback blocks 127.62.1.0/24 and 127.62.2.0/24 are this file's own.
const NVR_PW = SITE_CREDENTIALS.nvr.password;

describe('Dahua RPC client against the simulated NVR', () => {
  let site: Site;
  const clock = new OffsetClock();
  let gate: CredentialGate;
  beforeAll(async () => {
    site = await startSite({ block: '127.62.1', cameras: 4, clock: () => clock.now() });
    await rpcOf(site).pollNow();
  });
  afterAll(async () => {
    await site?.stop();
  });
  beforeEach(() => {
    gate = new CredentialGate({ clock });
    rpcOf(site).setFaults({ expireSessionAfterCalls: 0, expireSessionTimes: 0, slotStyle: 'uuid', maskPasswords: false, missingMethods: [], notJson: false, httpsRedirect: false });
  });
  const client = () => new DahuaRpcClient({ url: rpcOf(site).url, username: 'admin' });

  it('signs in, reads identity and every channel with its state, keeps alive, logs out', async () => {
    const c = client();
    const read = await nvrAction({ gate, client: c, password: NVR_PW, clock }, readNvr);
    expect(read.identity).toEqual({ serial: site.nvr.identity.serialNumber, model: site.nvr.identity.model, firmware: '4.001.0000000.2.R' });
    expect(read.channels).toHaveLength(5);
    expect(read.channels[0]).toMatchObject({ channel: 1, name: 'Front door', address: site.cameras[0]!.address, port: 37777, protocol: 'private', username: 'admin', online: true, state: 'connected', passwordMasked: false });
    expect(read.channels[1]).toMatchObject({ protocol: 'onvif', port: site.port, model: site.cameras[1]!.identity.model });
    expect(read.channels[4]).toMatchObject({ address: '127.62.1.254', online: true });
    expect(read.notes).toEqual([]);
    const before = rpcOf(site).stats();
    await c.call('global.keepAlive', { timeout: 60, active: true });
    await c.logout();
    expect(rpcOf(site).stats()).toMatchObject({ keepAlives: before.keepAlives + 1, logouts: before.logouts + 1 });
    expect(c.signedIn).toBe(false);
  });

  it('keeps the session alive while in use; a keep-alive the NVR refuses ends the session without signing in again', async () => {
    const rpc = rpcOf(site);
    const c = client();
    await nvrAction({ gate, client: c, password: NVR_PW, clock }, async () => undefined);
    const before = rpc.stats();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let ended: unknown;
    try {
      c.startKeepAlive((err) => (ended = err));
      vi.advanceTimersByTime(c.keepAliveInterval * 1000);
    } finally {
      vi.useRealTimers();
    }
    await expect.poll(() => rpc.stats().keepAlives).toBe(before.keepAlives + 1);
    expect(c.signedIn).toBe(true);
    rpc.setFaults({ expireSessionAfterCalls: 1 });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      // (Leaving fake timers dropped the first interval: start it again under the new ones.)
      c.startKeepAlive((err) => (ended = err));
      vi.advanceTimersByTime(c.keepAliveInterval * 1000);
    } finally {
      vi.useRealTimers();
    }
    await expect.poll(() => ended).toBeInstanceOf(DahuaError);
    expect(c.signedIn).toBe(false);
    expect(rpc.stats().logins).toBe(before.logins);
    c.stopKeepAlive();
  });

  it('a wrong password is one refused sign-in: counted once by the gate and the NVR, remaining tries shown, no retry', async () => {
    const before = rpcOf(site).stats().loginFailures;
    const err = await nvrAction({ gate, client: client(), password: 'Wrong-pass-1', clock }, readNvr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DahuaError);
    expect((err as DahuaError).info).toMatchObject({ kind: 'wrong-password', remainLoginTimes: 4 });
    expect((err as DahuaError).message).toMatch(/4 tries left before the NVR locks this account for 30 minutes/);
    expect((err as DahuaError).message).not.toContain('Wrong-pass-1');
    expect(rpcOf(site).stats().loginFailures).toBe(before + 1);
    expect(gate.status(rpcOf(site).url).failures).toBe(1);
    // Budget of 2 per device: a second wrong try goes out, a third does not reach the NVR at all.
    await nvrAction({ gate, client: client(), password: 'Wrong-pass-2', clock }, readNvr).catch(() => undefined);
    const third = await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr).catch((e: unknown) => e);
    expect((third as DahuaError).kind).toBe('budget');
    expect(rpcOf(site).stats().loginFailures).toBe(before + 2);
    // The right password resets the NVR's consecutive counter (a fresh gate: a new app session).
    await nvrAction({ gate: new CredentialGate({ clock }), client: client(), password: NVR_PW, clock }, async () => undefined);
  });

  it('a lock the NVR reports is kept: no sign-in reaches the NVR until it ends', async () => {
    const rpc = rpcOf(site);
    rpc.setFaults({ lockout: { afterFailures: 1, lockMs: 10 * 60_000 } });
    try {
      const e1 = (await nvrAction({ gate, client: client(), password: 'Wrong-pass-3', clock }, readNvr).catch((e: unknown) => e)) as DahuaError;
      expect(e1.info).toMatchObject({ kind: 'wrong-password', remainLoginTimes: 0, remainLockSeconds: 600 });
      expect(e1.message).toMatch(/locked this account for 10 minutes/);
      const until = gate.status(rpc.url).lockedUntil!;
      expect(until - clock.now()).toBeGreaterThan(590_000);
      const requests = rpc.stats().lockedRefusals + rpc.stats().loginFailures + rpc.stats().logins;
      const e2 = (await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr).catch((e: unknown) => e)) as DahuaError;
      expect(e2.kind).toBe('locked');
      expect(rpc.stats().lockedRefusals + rpc.stats().loginFailures + rpc.stats().logins).toBe(requests);
      clock.advance(11 * 60_000);
      const ok = await nvrAction({ gate: new CredentialGate({ clock }), client: client(), password: NVR_PW, clock }, readNvr);
      expect(ok.channels.length).toBe(5);
    } finally {
      rpc.setFaults({ lockout: { afterFailures: 5, lockMs: 30 * 60_000 } });
    }
  });

  it('a session that expires mid-read signs in again once, counting nothing', async () => {
    const rpc = rpcOf(site);
    rpc.setFaults({ expireSessionAfterCalls: 4, expireSessionTimes: 1 });
    const logins = rpc.stats().logins;
    const read = await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr);
    expect(read.channels).toHaveLength(5);
    expect(rpc.stats().logins).toBe(logins + 2);
    expect(gate.status(rpc.url).failures).toBe(0);
    // A session that never lasts: the action gives up after the one extra sign-in.
    rpc.setFaults({ expireSessionAfterCalls: 1 });
    const err = (await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('session-expired');
    expect(rpc.stats().logins).toBe(logins + 4);
  });

  it('indexed slots and masked passwords; a missing method is a note, not a failure', async () => {
    rpcOf(site).setFaults({ slotStyle: 'indexed', maskPasswords: true, missingMethods: ['LogicDeviceManager.getCameraState', 'magicBox.getSoftwareVersion'] });
    const read = await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr);
    expect(read.channels.map((c) => c.passwordMasked)).toEqual([true, true, true, true, true]);
    expect(read.channels.map((c) => c.state)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
    expect(read.identity.firmware).toBe('');
    expect(read.notes.join(' ')).toMatch(/Channel online state: .*does not offer/);
  });

  it('a table with more slots than any recorder is cut at 512 with a note, not a crash', async () => {
    rpcOf(site).setFaults({ extraUnusedSlots: 600 });
    try {
      const read = await nvrAction({ gate, client: client(), password: NVR_PW, clock }, readNvr);
      expect(read.channels).toHaveLength(5);
      expect(read.notes.join(' ')).toMatch(/larger than any recorder has/);
    } finally {
      rpcOf(site).setFaults({ extraUnusedSlots: 0 });
    }
  });

  it('an https redirect is reported, not followed; an HTML answer is a protocol error', async () => {
    rpcOf(site).setFaults({ httpsRedirect: true });
    const e1 = (await client().login(NVR_PW).catch((e: unknown) => e)) as DahuaError;
    expect(e1.kind).toBe('https-redirect');
    expect(e1.message).toMatch(/self-signed/);
    rpcOf(site).setFaults({ httpsRedirect: false, notJson: true });
    const e2 = (await client().login(NVR_PW).catch((e: unknown) => e)) as DahuaError;
    expect(e2.kind).toBe('protocol');
    expect(e2.message).toMatch(/not JSON/);
  });
});

describe('Dahua RPC client against hostile answers', () => {
  let server: Server;
  let url = '';
  let answer: (path: string, body: Record<string, unknown>) => { status?: number; body: string; headers?: Record<string, string> } | 'hang';
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const a = answer(req.url ?? '', JSON.parse(raw || '{}') as Record<string, unknown>);
        if (a === 'hang') return;
        res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
        res.end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.62.2.1', r));
    url = `http://127.62.2.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const challenge = JSON.stringify({ error: { code: 268632079 }, params: { realm: 'r', random: '1', encryption: 'Default' }, result: false, session: 's1' });

  it.each([
    ['a challenge without realm', () => JSON.stringify({ error: { code: 268632079 }, params: {}, session: 's' }), /lacks realm/],
    ['an unknown encryption', () => JSON.stringify({ error: { code: 268632079 }, params: { realm: 'r', random: '1', encryption: 'RSA' }, session: 's' }), /does not support \("RSA" sign-in\)/],
    ['a JSON array', () => '[1,2]', /not a JSON object/],
    ['a login that needs no password', () => JSON.stringify({ result: true, session: 's' }), /without a password/],
    ['a not-initialised NVR', () => JSON.stringify({ error: { code: 268632086 }, result: false }), /not been initialised/],
    ['a blacklisted laptop', () => JSON.stringify({ error: { code: 268632073 }, result: false }), /refuses this laptop/],
    ['an unknown error', () => JSON.stringify({ error: { code: 5 }, result: false }), /reported an error \(global.login, code 5\)/],
  ])('%s: a clear error', async (_n, body, message) => {
    answer = () => ({ body: body() });
    await expect(new DahuaRpcClient({ url, username: 'admin' }).login('pw-123')).rejects.toThrow(message);
  });

  it('refuses an oversized answer, declared or streamed', async () => {
    answer = () => ({ body: 'x'.repeat(5000) });
    await expect(new DahuaRpcClient({ url, username: 'admin', maxBodyBytes: 1000 }).login('pw')).rejects.toThrow(/larger than/);
  });

  it('a redirect to another host is not followed and the hash goes nowhere else', async () => {
    answer = () => ({ status: 307, body: '', headers: { Location: 'http://127.62.2.99/RPC2_Login?x=1' } });
    await expect(new DahuaRpcClient({ url, username: 'admin' }).login('pw')).rejects.toThrow(/redirected \(HTTP 307\) to http:\/\/127.62.2.99\/RPC2_Login; not followed/);
  });

  it('a silent NVR times out as unreachable', async () => {
    answer = () => 'hang';
    await expect(new DahuaRpcClient({ url, username: 'admin', timeoutMs: 200 }).login('pw')).rejects.toMatchObject({ kind: 'unreachable' });
  });

  it('wrong types in a reply: a slot table that is a string is a protocol error', async () => {
    answer = (path, b) => (path === '/RPC2_Login' ? { body: b['session'] ? JSON.stringify({ result: true, session: 's1', params: { keepAliveInterval: 'x' } }) : challenge } : { body: JSON.stringify({ result: true, params: { table: 'nope', sn: 5, type: [], version: null } }) });
    const gate = new CredentialGate({ clock: new OffsetClock() });
    await expect(nvrAction({ gate, client: new DahuaRpcClient({ url, username: 'admin' }), password: 'pw', clock: new OffsetClock() }, readNvr)).rejects.toThrow(/RemoteDevice table is missing/);
  });

  it('refuses credentials in the URL and other schemes', () => {
    expect(() => new DahuaRpcClient({ url: 'ftp://127.62.2.1/', username: 'a' })).toThrow(/not an NVR address/);
    expect(() => new DahuaRpcClient({ url: 'http://u:p@127.62.2.1/', username: 'a' })).toThrow(/credentials/);
  });
});

describe('an NVR on https with a self-signed certificate', () => {
  let server: TlsNvr;
  let url = '';
  const nvr = selfSignedCert('nvr');
  const impostor = selfSignedCert('impostor');
  const requests = () => server.requests();
  beforeAll(async () => {
    server = await startTlsNvr({ address: '127.62.2.2', cert: nvr, answer: { error: { code: 268632079 }, params: { realm: 'r', random: '1', encryption: 'Default' }, result: false, session: 's1' } });
    url = server.url;
  });
  afterAll(() => server.stop());

  it('says so, shows the fingerprint, sends nothing; once pinned it talks; a different certificate is refused', async () => {
    const err = (await new DahuaRpcClient({ url, username: 'admin' }).login('pw-1').catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('untrusted-cert');
    expect(err.message).toMatch(/self-signed/);
    expect(err.cert?.subject).toBe('CN=nvr');
    expect(err.message).toContain(err.cert!.fingerprint256);
    expect(requests()).toBe(0);

    const pinned = { pem: err.cert!.pem, fingerprint256: err.cert!.fingerprint256 };
    const second = new DahuaRpcClient({ url, username: 'admin', pinned }).login('pw-1');
    await expect(second).rejects.toThrow(/the login challenge|refused|reported an error/);
    expect(requests()).toBeGreaterThan(0);

    // The server's key changes (another device on that address): the pin refuses it, nothing is sent.
    const before = requests();
    server.setCert(impostor);
    const swapped = (await new DahuaRpcClient({ url, username: 'admin', pinned }).login('pw-1').catch((e: unknown) => e)) as DahuaError;
    expect(swapped.kind).toBe('untrusted-cert');
    expect(requests()).toBe(before);
    server.setCert(nvr);
  });
});
