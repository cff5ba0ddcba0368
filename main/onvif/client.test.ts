import { describe, it, expect } from 'vitest';
import http from 'node:http';
import fc from 'fast-check';
import { OnvifClient, type OnvifClientOptions } from './client';
import { OnvifError, type OnvifErrorKind } from './errors';
import type { DeviceFaults } from '../../sim/site';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { simCameras } from '../../test/support/sim-cameras';
import { until } from '../../test/support/until';

// Block 127.21.x.0/24 for this file.
const ADMIN = { ...SITE_CREDENTIALS.camera };
const sims = simCameras({ block: '127.21.1', seed: 3 });
const device = sims.camera;

function client(xaddr: string, o: Partial<OnvifClientOptions> = {}) {
  const failures = { n: 0 };
  const c = new OnvifClient({ xaddr, timeoutMs: 2000, onAuthFailure: () => void failures.n++, ...o });
  sims.cleanup(() => c.close());
  return { c, failures };
}

async function kindOf(p: Promise<unknown>): Promise<OnvifError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OnvifError);
    return e as OnvifError;
  }
  throw new Error('expected an OnvifError');
}

/** A bare HTTP server on a loopback address, recording what reached it. */
async function rawServer(address: string, handler: http.RequestListener) {
  const seen: { url?: string; authorization?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const port = (server.address() as { port: number }).port;
  sims.cleanup(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { seen, xaddr: `http://${address}:${port}/onvif/device_service`, port };
}

describe('OnvifClient against the simulated device: Digest and WS-UsernameToken', () => {
  it('Digest SHA-256 by default, caches the challenge, one credential kind per request', async () => {
    const d = await device();
    const { c, failures } = client(d.xaddr);
    const info = await c.getDeviceInformation(ADMIN);
    expect(info).toEqual({
      manufacturer: d.identity.manufacturer,
      model: d.identity.model,
      firmwareVersion: d.identity.firmwareVersion,
      serialNumber: d.identity.serialNumber,
      hardwareId: d.identity.hardwareId,
    });
    expect(c.requestCount).toBe(2); // challenge round trip + the call
    expect(await c.getUsers(ADMIN)).toEqual([
      { username: 'admin', userLevel: 'Administrator' },
      { username: 'onvif', userLevel: 'Operator' },
    ]);
    expect(c.requestCount).toBe(3); // cached challenge: no second 401
    expect(d.stats().authOk).toEqual({ 'digest-SHA-256': 2 });
    expect(d.stats().bothCredentialKinds).toBe(0);
    expect(failures.n).toBe(0);
  });

  it('Digest MD5 when that is all the device offers', async () => {
    const d = await device({ auth: 'digest-md5-only' });
    const { c } = client(d.xaddr);
    await c.getUsers(ADMIN);
    expect(d.stats().authOk).toEqual({ 'digest-MD5': 1 });
  });

  it('WS-UsernameToken signed with the device clock of a camera 5 h off', async () => {
    const d = await device({ auth: 'wsse-only', clockSkewMs: 5 * 3600_000 });
    const { c, failures } = client(d.xaddr);
    const t = await c.getSystemDateAndTime();
    expect(Math.abs(t.clockOffsetMs - 5 * 3600_000)).toBeLessThan(2000);
    expect(await c.getUsers(ADMIN)).toHaveLength(2);
    expect(d.stats().authOk).toEqual({ wsse: 1 });
    expect(failures.n).toBe(0);
  });

  it('WS-UsernameToken signed with the local clock is one rejected try, reported once', async () => {
    const d = await device({ auth: 'wsse-only', clockSkewMs: 5 * 3600_000 });
    const { c, failures } = client(d.xaddr, { auth: 'wsse', clockOffsetMs: 0 });
    const e = await kindOf(c.getUsers(ADMIN));
    expect(e.kind).toBe('auth-failed');
    expect(failures.n).toBe(1);
    expect(d.stats().failedAuths).toBe(1);
    expect(c.requestCount).toBe(1);
  });
});

describe("OnvifClient against the simulated device: the device's clock, and the sync's round trips", () => {
  it('reads the device clock only when WS-UsernameToken needs it, once, before the first token', async () => {
    const d = await device({ auth: 'wsse-only', clockSkewMs: 5 * 3600_000 });
    const { c, failures } = client(d.xaddr, { auth: 'wsse' });
    await c.getUsers(ADMIN);
    await c.getUsers(ADMIN);
    expect(failures.n).toBe(0);
    expect(c.requestCount).toBe(3); // GetSystemDateAndTime, GetUsers, GetUsers
    const digest = await device();
    const dc = client(digest.xaddr).c;
    await dc.getUsers(ADMIN);
    expect(dc.requestCount).toBe(2); // challenge, GetUsers: no clock for Digest
  });

  it('auto mode signs WS-UsernameToken with the clock from the Date of the device\'s first answer: no extra round trip', async () => {
    const d = await device({ auth: 'wsse-only', clockSkewMs: 5 * 3600_000 });
    const { c, failures } = client(d.xaddr);
    await c.getUsers(ADMIN);
    expect(c.requestCount).toBe(2); // the anonymous try that found WS-Security, then GetUsers signed
    expect(Math.abs(c.clockOffsetMs - 5 * 3600_000)).toBeLessThan(2000);
    expect(failures.n).toBe(0);
    // Without a Date header the clock is read from GetSystemDateAndTime, once.
    const bare = await device({ auth: 'wsse-only', clockSkewMs: 5 * 3600_000, noDateHeader: true });
    const b = client(bare.xaddr);
    await b.c.getUsers(ADMIN);
    await b.c.getUsers(ADMIN);
    expect(b.c.requestCount).toBe(4);
    expect(b.failures.n + bare.stats().failedAuths).toBe(0);
  });

  it('the sync\'s exchange is four round trips on a Digest camera: challenge, GetUsers, SetUser, GetUsers with the new password', async () => {
    const d = await device();
    const { c, failures } = client(d.xaddr);
    await c.getUsers(ADMIN);
    await c.setUser(ADMIN, { username: 'admin', password: 'Fresh2026pass', userLevel: 'Administrator' });
    await c.getUsers({ username: 'admin', password: 'Fresh2026pass' });
    expect(c.requestCount).toBe(4);
    expect(failures.n + d.stats().failedAuths).toBe(0);
  });

  it('learnAuth makes the credential-less round trip on its own (Digest, WS-Security, authentication off), once', async () => {
    const digest = await device();
    const d = client(digest.xaddr).c;
    await d.learnAuth();
    await d.learnAuth();
    await d.getUsers(ADMIN);
    expect(d.requestCount).toBe(2);
    const wsse = await device({ auth: 'wsse-only', clockSkewMs: 3 * 3600_000 });
    const w = client(wsse.xaddr);
    await w.c.learnAuth();
    await w.c.getUsers(ADMIN);
    expect(w.c.requestCount).toBe(2);
    expect(w.failures.n + wsse.stats().failedAuths).toBe(0);
    const off = await device({ authOff: true });
    const o = client(off.xaddr).c;
    await o.learnAuth();
    expect(o.authOff).toBe(true);
  });
});

describe('OnvifClient against the simulated device: nonces', () => {
  it('a camera with a nonce per request and Connection: close: a fresh challenge per request, never a refused sign-in', async () => {
    const d = await device({ singleUseNonce: true, connectionClose: true });
    const { c, failures } = client(d.xaddr);
    await c.getUsers(ADMIN);
    await c.setUser(ADMIN, { username: 'admin', password: 'Fresh2026pass', userLevel: 'Administrator' });
    await c.getUsers({ username: 'admin', password: 'Fresh2026pass' });
    expect(c.requestCount).toBe(6);
    expect(failures.n + d.stats().failedAuths).toBe(0);
  });

  it('a nonce per request without Connection: close: the refused reuse is reported as the nonce, the call still succeeds', async () => {
    const d = await device({ singleUseNonce: true });
    const why: string[] = [];
    const c = new OnvifClient({ xaddr: d.xaddr, timeoutMs: 2000, onAuthFailure: (w) => void why.push(w) });
    sims.cleanup(() => c.close());
    await c.getUsers(ADMIN);
    await c.setUser(ADMIN, { username: 'admin', password: 'Fresh2026pass', userLevel: 'Administrator' });
    await c.getUsers({ username: 'admin', password: 'Fresh2026pass' });
    expect(why).toEqual(['nonce']);
    expect(d.stats().setUserCount).toEqual({ admin: 1 });
    expect(d.users.checkPassword('admin', 'Fresh2026pass')).toBe(true);
  });

  it('a stale nonce is re-challenged without counting as a failed login', async () => {
    let now = Date.now();
    const d = await device({ nonceTtlMs: 10_000 }, () => now);
    const { c, failures } = client(d.xaddr);
    await c.getUsers(ADMIN);
    now += 60_000;
    await c.getUsers(ADMIN);
    expect(failures.n).toBe(0);
    expect(d.stats().failedAuths).toBe(0);
    expect(c.requestCount).toBe(4); // 401, ok, 401 stale, ok
  });
});

describe('OnvifClient against the simulated device: refusals, locks, the WS-UsernameToken fallback, unusual passwords', () => {
  it('a wrong password: exactly one auth-failed and one onAuthFailure per try, never retried', async () => {
    const d = await device();
    const { c, failures } = client(d.xaddr);
    for (let i = 1; i <= 3; i++) {
      const e = await kindOf(c.getUsers({ username: 'admin', password: 'Wrong2019x' }));
      expect(e.kind).toBe('auth-failed');
      expect(e.transient).toBe(false);
      expect(failures.n).toBe(i);
      expect(d.stats().failedAuths).toBe(i);
    }
  });

  it('a locked device → kind locked with retryAfterMs, and no onAuthFailure for the locked answer', async () => {
    const d = await device({ lockout: { afterFailures: 2, lockMs: 120_000 } });
    const { c, failures } = client(d.xaddr);
    await kindOf(c.getUsers({ username: 'admin', password: 'Wrong2019x' }));
    await kindOf(c.getUsers({ username: 'admin', password: 'Wrong2019x' }));
    const e = await kindOf(c.getUsers(ADMIN));
    expect(e.kind).toBe('locked');
    expect(e.retryAfterMs).toBe(120_000);
    expect(failures.n).toBe(2);
  });

  it('auto mode falls back to WS-UsernameToken when the device offers no Digest', async () => {
    const d = await device({ auth: 'wsse-only' });
    const { c } = client(d.xaddr);
    await c.getSystemDateAndTime();
    await c.getUsers(ADMIN);
    expect(d.stats().authOk).toEqual({ wsse: 1 });
    expect(d.stats().failedAuths).toBe(0);
  });

  it('round-trips <&>"\' and non-ASCII passwords through SetUser, then signs in with them (Digest and WSSE)', async () => {
    const d = await device({ passwordRule: 'lenient' });
    let last: string = ADMIN.password;
    for (const pw of [`A<&>"'1b`, 'Pässwörd€12', '密码Passw0rd']) {
      const { c } = client(d.xaddr);
      await c.setUser({ username: 'admin', password: last }, { username: 'admin', password: pw, userLevel: 'Administrator' });
      expect(d.users.checkPassword('admin', pw)).toBe(true);
      expect(await c.getUsers({ username: 'admin', password: pw })).toHaveLength(2);
      const w = client(d.xaddr, { auth: 'wsse' }).c;
      await w.getSystemDateAndTime();
      expect(await w.getUsers({ username: 'admin', password: pw })).toHaveLength(2);
      last = pw;
    }
  });
});

describe('OnvifClient against the simulated device: SetUser faults, late apply, transport failures', () => {
  it('SetUser faults carry the subcode', async () => {
    const d = await device({ fixedAdmin: true });
    const { c } = client(d.xaddr);
    const weak = await kindOf(c.setUser(ADMIN, { username: 'onvif', password: 'weakweak', userLevel: 'Operator' }));
    expect(weak).toMatchObject({ kind: 'fault', status: 400, subcode: 'PasswordTooWeak', codes: ['Sender', 'OperationProhibited', 'PasswordTooWeak'] });
    const fixed = await kindOf(c.setUser(ADMIN, { username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' }));
    expect(fixed.subcode).toBe('FixedUser');
    const clash = await kindOf(c.createUsers(ADMIN, [{ username: 'onvif', password: 'NewPass2020', userLevel: 'User' }]));
    expect(clash.subcode).toBe('UsernameClash');
    await c.createUsers(ADMIN, [{ username: 'tech', password: 'NewPass2020', userLevel: 'User' }]);
    expect(d.users.list().map((u) => u.username)).toContain('tech');
  });

  it('setUserDelayMs: the new password is refused until the device applies it; setUserNoop never applies it', async () => {
    let now = Date.now();
    const d = await device({ setUserDelayMs: 5000 }, () => now);
    const { c, failures } = client(d.xaddr);
    await c.setUser(ADMIN, { username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' });
    expect((await kindOf(c.getUsers({ username: 'admin', password: 'NewPass2020' }))).kind).toBe('auth-failed');
    expect(failures.n).toBe(1);
    now += 5001;
    expect(await c.getUsers({ username: 'admin', password: 'NewPass2020' })).toHaveLength(2);
    d.setFaults({ setUserDelayMs: 0, setUserNoop: true });
    await c.setUser({ username: 'admin', password: 'NewPass2020' }, { username: 'admin', password: 'Third2021x', userLevel: 'Administrator' });
    expect(d.users.checkPassword('admin', 'NewPass2020')).toBe(true);
    expect(d.stats().setUserCount).toEqual({ admin: 2 });
  });

  it.each<[Partial<DeviceFaults>, OnvifErrorKind, boolean]>([
    [{ timeout: true }, 'timeout', true],
    [{ drop: true }, 'reset', true],
    // One taxonomy (main/onvif/errors.ts): a device's web server failing is worth another try.
    [{ http500: true }, 'http', true],
    [{ malformedXml: true }, 'protocol', false],
  ])('device fault %j → %s', async (fault, kind, transient) => {
    const d = await device(fault);
    const { c } = client(d.xaddr, { timeoutMs: 400 });
    const e = await kindOf(c.getSystemDateAndTime());
    expect(e.kind).toBe(kind);
    expect(e.transient).toBe(transient);
    if (kind === 'http') expect(e.status).toBe(500);
  });

  it('unreachable, cancelled, and https against a plain-HTTP port (tls)', async () => {
    const d = await device({ timeout: true });
    expect((await kindOf(client('http://127.21.1.250:9/onvif/device_service').c.getSystemDateAndTime())).kind).toBe('unreachable');
    const ac = new AbortController();
    const p = client(d.xaddr, { signal: ac.signal, timeoutMs: 10_000 }).c.getSystemDateAndTime();
    // Cancelled once the request is in the (silent) device's hands, not after a guessed delay.
    await until(() => d.stats().requests > 0, 'the request to reach the device');
    ac.abort();
    expect((await kindOf(p)).kind).toBe('cancelled');
    d.setFaults({ timeout: false });
    const tls = await kindOf(client(d.xaddr.replace('http:', 'https:')).c.getSystemDateAndTime());
    expect(tls.kind).toBe('tls');
  });
});

const soapOk = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetUsersResponse/></s:Body></s:Envelope>';

describe('OnvifClient against hostile servers: redirects, empty lists, oversized bodies', () => {
  it('does not follow a redirect to another host, so no credential reaches it', async () => {
    const other = await rawServer('127.21.9.2', (_q, res) => res.end(soapOk));
    const first = await rawServer('127.21.9.1', (req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="r", qop="auth", nonce="abc", algorithm=MD5' }).end();
      } else res.writeHead(302, { Location: other.xaddr }).end();
    });
    const { c, failures } = client(first.xaddr);
    const e = await kindOf(c.getUsers(ADMIN));
    expect(e.kind).toBe('redirect');
    expect(e.status).toBe(302);
    expect(first.seen.length).toBe(2);
    expect(other.seen.length).toBe(0);
    expect(failures.n).toBe(0);
  });

  it('treats an empty GetUsers list as an empty array', async () => {
    const s = await rawServer('127.21.9.3', (_q, res) => res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(soapOk));
    expect(await client(s.xaddr).c.getUsers(ADMIN)).toEqual([]);
  });

  it('aborts oversized bodies (declared or chunked) and endless bodies', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const declared = await rawServer('127.21.9.4', (_q, res) => res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': big.length }).end(big));
    expect((await kindOf(client(declared.xaddr).c.getSystemDateAndTime())).kind).toBe('protocol');
    const chunked = await rawServer('127.21.9.5', (_q, res) => res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(big));
    expect((await kindOf(client(chunked.xaddr).c.getSystemDateAndTime())).kind).toBe('protocol');
    const endless = await rawServer('127.21.9.6', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      const tick = () => {
        if (res.destroyed) return;
        res.write('<a>'.repeat(4096));
        setImmediate(tick);
      };
      tick();
    });
    const e = await kindOf(client(endless.xaddr, { timeoutMs: 5000 }).c.getSystemDateAndTime());
    expect(e.kind).toBe('protocol');
    expect(e.message).toMatch(/larger than/);
    const trickle = await rawServer('127.21.9.7', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('<a>')), 20);
    });
    expect((await kindOf(client(trickle.xaddr, { timeoutMs: 300 }).c.getSystemDateAndTime())).kind).toBe('timeout');
  });
});

describe('OnvifClient against hostile servers: content types, sign-in schemes, error messages, fuzz', () => {
  it('rejects a wrong content type', async () => {
    const s = await rawServer('127.21.9.8', (_q, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(soapOk));
    expect((await kindOf(client(s.xaddr).c.getUsers(ADMIN))).kind).toBe('protocol');
  });

  it('reports unsupported-auth for an algorithm it does not implement, and for Basic unless allowed', async () => {
    const s = await rawServer('127.21.9.9', (_q, res) =>
      res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="r", qop="auth", nonce="n", algorithm=SHA-512-256' }).end(),
    );
    const { c, failures } = client(s.xaddr);
    expect((await kindOf(c.getUsers(ADMIN))).kind).toBe('unsupported-auth');
    expect(s.seen.every((r) => r.authorization === undefined)).toBe(true);
    const b = await rawServer('127.21.9.10', (req, res) => {
      if (req.headers.authorization?.startsWith('Basic ')) return res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(soapOk);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end();
    });
    expect((await kindOf(client(b.xaddr).c.getUsers(ADMIN))).kind).toBe('unsupported-auth');
    expect(b.seen.some((r) => r.authorization !== undefined)).toBe(false);
    expect(await client(b.xaddr, { allowBasic: true }).c.getUsers(ADMIN)).toEqual([]);
    expect(failures.n).toBe(0);
  });

  it('never puts the password in an error message', async () => {
    const d = await device();
    const secret = 'Sekr3t<&>Pass';
    const e = await kindOf(client(d.xaddr).c.getUsers({ username: 'admin', password: secret }));
    expect(JSON.stringify({ m: e.message, s: e.stack })).not.toContain('Sekr3t');
  });

  it('fuzz: whatever a device answers, every method fails only with OnvifError', async () => {
    let next = { status: 200, type: 'application/soap+xml', body: '' };
    const s = await rawServer('127.21.9.11', (_q, res) => res.writeHead(next.status, { 'Content-Type': next.type }).end(next.body));
    const frag = fc.constantFrom(
      '<s:Envelope xmlns:s="x">', '</s:Envelope>', '<s:Body>', '</s:Body>', '<GetUsersResponse>', '</GetUsersResponse>',
      '<User>', '</User>', '<Username>', '</Username>', '<GetSystemDateAndTimeResponse>', '<SystemDateAndTime>', '<UTCDateTime>',
      '<Time><Hour>99</Hour></Time>', '<Date><Year>x</Year></Date>', '<GetDeviceInformationResponse>', '<Manufacturer><a/></Manufacturer>',
      '<s:Fault><s:Code><s:Value>', 'ter:NotAuthorized', '</s:Value></s:Code>', '<Reason><Text>locked</Text></Reason>', '</s:Fault>', '&#0;', 'x',
    );
    const answer = fc.record({
      status: fc.constantFrom(200, 200, 400, 401, 403, 500),
      type: fc.constantFrom('application/soap+xml', 'text/xml', 'text/plain', ''),
      body: fc.oneof(fc.string({ maxLength: 200 }), fc.array(frag, { maxLength: 25 }).map((a) => a.join(''))),
    });
    await fc.assert(
      fc.asyncProperty(answer, fc.constantFrom('time', 'info', 'users', 'set'), async (a, op) => {
        next = a;
        const c = new OnvifClient({ xaddr: s.xaddr, timeoutMs: 2000 });
        try {
          if (op === 'time') await c.getSystemDateAndTime();
          else if (op === 'info') await c.getDeviceInformation(ADMIN);
          else if (op === 'users') await c.getUsers(ADMIN);
          else await c.setUser(ADMIN, { username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' });
        } catch (e) {
          if (!(e instanceof OnvifError)) throw e;
        } finally {
          c.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('OnvifClient and field quirks (DOMAIN.md)', () => {
  it('a non-ASCII username signs in on a device that ignores username* (sent as plain UTF-8)', async () => {
    const d = await device({ ignoreUsernameStar: true });
    d.users.setPassword('técnico', 'Tecnico2026x');
    const { c, failures } = client(d.xaddr);
    await expect(c.getUsers({ username: 'técnico', password: 'Tecnico2026x' })).resolves.toBeDefined();
    expect(failures.n).toBe(0);
  });

  it('a device that repeats one nonce for life: nonce counts keep increasing across clients, no replay, no refusal', async () => {
    const d = await device({ fixedNonce: true });
    for (let i = 0; i < 3; i++) {
      const { c, failures } = client(d.xaddr);
      await c.getUsers(ADMIN);
      await c.getUsers(ADMIN);
      expect(failures.n).toBe(0);
    }
    expect(d.stats().failedAuths).toBe(0);
  });

  it('tells when a device answered a credentialed call without asking for credentials (authentication off)', async () => {
    const off = await device({ authOff: true });
    const a = client(off.xaddr).c;
    await a.getUsers({ username: 'admin', password: 'anything-at-all' });
    expect(a.authOff).toBe(true);
    const on = await device();
    const b = client(on.xaddr).c;
    await b.getUsers(ADMIN);
    expect(b.authOff).toBe(false);
  });

  it('sends " and \' unescaped in element text, so a camera that stores text literally keeps the password meant', async () => {
    const d = await device({ storeEscaped: true, passwordRule: 'lenient' });
    const { c } = client(d.xaddr);
    await c.setUser(ADMIN, { username: 'admin', password: `Qu"o'te2026`, userLevel: 'Administrator' });
    expect(d.users.checkPassword('admin', `Qu"o'te2026`)).toBe(true);
  });

  it('SetUser is never resent when the connection drops after the device applied it', async () => {
    const d = await device({ dropAfterSetUser: true });
    const { c } = client(d.xaddr);
    await c.getUsers(ADMIN);
    const e = await kindOf(c.setUser(ADMIN, { username: 'admin', password: 'Dropped2026x', userLevel: 'Administrator' }));
    expect(e.kind).toBe('reset');
    expect(d.stats().setUserCount['admin']).toBe(1);
    expect(d.users.checkPassword('admin', 'Dropped2026x')).toBe(true);
  });
});
