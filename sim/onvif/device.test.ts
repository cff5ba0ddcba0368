import { describe, it, expect, afterEach } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { atOrAfter, startDevice, type SimDevice } from './device';
import { makeIdentity, SITE_CREDENTIALS } from '../identities';
import { startSite } from '../site';
import { parseAuthParams } from './auth';

// Block 127.20.x.0/24 for this file. A hand-written client on purpose: the simulator must be
// checked independently of main/onvif (a shared bug would hide on both sides).

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  challenges: string[];
  body: string;
}

function rawPost(url: string, body: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/soap+xml', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const challenges: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() === 'www-authenticate') challenges.push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, challenges, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    // A Buffer body: node writes a string body's headers in the body's encoding (UTF-8), a Buffer's as Latin-1 bytes.
    req.end(Buffer.from(body, 'utf8'));
  });
}

const env = (op: string, header = '') =>
  `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://www.onvif.org/ver10/device/wsdl" xmlns:t="http://www.onvif.org/ver10/schema">` +
  `<e:Header>${header}</e:Header><e:Body>${op}</e:Body></e:Envelope>`;

const setUserOp = (u: string, p: string, level = 'Administrator') =>
  `<d:SetUser><d:User><t:Username>${u}</t:Username><t:Password>${p}</t:Password><t:UserLevel>${level}</t:UserLevel></d:User></d:SetUser>`;

function digestHeader(challenge: string, user: string, pass: string, uri: string, nc = 1): string {
  const p = parseAuthParams(challenge.slice(7));
  const algo = p['algorithm'] === 'SHA-256' ? 'sha256' : 'md5';
  const H = (s: string) => createHash(algo).update(s, 'utf8').digest('hex');
  const cnonce = randomBytes(4).toString('hex');
  const ncs = nc.toString(16).padStart(8, '0');
  const resp = H(`${H(`${user}:${p['realm']}:${pass}`)}:${p['nonce']}:${ncs}:${cnonce}:auth:${H(`POST:${uri}`)}`);
  return `Digest username="${user}", realm="${p['realm']}", nonce="${p['nonce']}", uri="${uri}", algorithm=${p['algorithm']}, qop=auth, nc=${ncs}, cnonce="${cnonce}", response="${resp}", opaque="${p['opaque']}"`;
}

function wsse(user: string, pass: string, createdMs: number, nonce = randomBytes(16)): string {
  const created = new Date(createdMs).toISOString();
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(pass, 'utf8')])).digest('base64');
  return (
    `<w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><w:UsernameToken><w:Username>${user}</w:Username>` +
    `<w:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</w:Password>` +
    `<w:Nonce>${nonce.toString('base64')}</w:Nonce><u:Created xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</u:Created></w:UsernameToken></w:Security>`
  );
}

const ADMIN = SITE_CREDENTIALS.camera;
let devices: SimDevice[] = [];
let host = 1;
afterEach(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  devices = [];
});

async function device(opts: { clock?: () => number; faults?: Parameters<typeof startDevice>[0]['faults'] } = {}) {
  const d = await startDevice({
    identity: makeIdentity('camera', host, 5),
    address: `127.20.1.${host++}`,
    users: [
      { ...ADMIN, userLevel: 'Administrator' },
      { ...SITE_CREDENTIALS.cameraOperator, userLevel: 'Operator' },
    ],
    ...opts,
  });
  devices.push(d);
  return d;
}

/** Authenticated Digest call: one unauthenticated round trip for the challenge, then the real one. */
async function digestCall(d: SimDevice, op: string, user: string = ADMIN.username, pass: string = ADMIN.password, pick = 0) {
  const first = await rawPost(d.xaddr, env(op));
  expect(first.status).toBe(401);
  const ch = first.challenges[pick]!;
  return rawPost(d.xaddr, env(op), { Authorization: digestHeader(ch, user, pass, '/onvif/device_service') });
}

describe('simulated ONVIF device: its clock, and Digest', () => {
  it('answers GetSystemDateAndTime without auth, in its own skewed clock', async () => {
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    const d = await device({ clock: () => base, faults: { clockSkewMs: -5 * 3600_000 } });
    const r = await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/soap\+xml/);
    expect(r.body).toContain('<tt:Hour>22</tt:Hour>');
    expect(r.body).toContain('<tt:Day>1</tt:Day>');
  });

  it('challenges with SHA-256 then MD5 and accepts either; SHA-256-only mode offers one', async () => {
    const d = await device();
    const r = await rawPost(d.xaddr, env('<d:GetDeviceInformation/>'));
    expect(r.status).toBe(401);
    expect(r.challenges).toHaveLength(2);
    expect(r.challenges[0]).toMatch(/algorithm=SHA-256/);
    expect(r.challenges[1]).toMatch(/algorithm=MD5/);
    expect(r.challenges[0]).toMatch(/qop="auth".*opaque="/);
    for (const pick of [0, 1]) {
      const ok = await digestCall(d, '<d:GetDeviceInformation/>', ADMIN.username, ADMIN.password, pick);
      expect(ok.status).toBe(200);
      expect(ok.body).toContain(`<tds:SerialNumber>${d.identity.serialNumber}</tds:SerialNumber>`);
    }
    d.setFaults({ auth: 'digest-sha256-only' });
    const r2 = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(r2.challenges).toHaveLength(1);
    expect(r2.challenges[0]).toMatch(/SHA-256/);
  });

  it('rejects a wrong Digest password with 401 + challenge and counts it', async () => {
    const d = await device();
    const r = await digestCall(d, '<d:GetUsers/>', 'admin', 'WrongPass1');
    expect(r.status).toBe(401);
    expect(r.challenges.length).toBeGreaterThan(0);
    expect(d.stats().failedAuths).toBe(1);
  });

  it('expires Digest nonces with stale=true (not a failed login) and refuses replayed nc', async () => {
    let now = 1_000_000;
    const d = await device({ clock: () => now, faults: { nonceTtlMs: 10_000 } });
    const first = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    const ch = first.challenges[0]!;
    const h1 = digestHeader(ch, ADMIN.username, ADMIN.password, '/onvif/device_service', 1);
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: h1 })).status).toBe(200);
    const replay = await rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: h1 });
    expect(replay.status).toBe(401);
    expect(d.stats().failedAuths).toBe(1);
    now += 11_000;
    const late = await rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: digestHeader(ch, ADMIN.username, ADMIN.password, '/onvif/device_service', 2) });
    expect(late.status).toBe(401);
    expect(late.challenges[0]).toMatch(/stale=true/);
    expect(d.stats().failedAuths).toBe(1);
  });
});

describe('simulated ONVIF device: WS-UsernameToken, sign-in modes, the lockout', () => {
  it('accepts WS-UsernameToken signed with the device clock within the window, rejects outside with 400 NotAuthorized', async () => {
    const base = 2_000_000_000_000;
    const skew = 3 * 3600_000;
    const d = await device({ clock: () => base, faults: { clockSkewMs: skew } });
    const ok = await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, base + skew - 299_000)));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<tt:Username>onvif</tt:Username>');
    const localClock = await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, base)));
    expect(localClock.status).toBe(400);
    expect(localClock.body).toContain('ter:NotAuthorized');
    d.setFaults({ wsseWindowMs: 10_000 });
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, base + skew - 11_000)))).status).toBe(400);
    expect(d.stats().failedAuths).toBe(2);
  });

  it('rejects a replayed WS-UsernameToken nonce and hashes the password as UTF-8', async () => {
    const d = await device();
    d.users.setPassword('admin', 'Pässwörd12');
    const nonce = randomBytes(16);
    const t = Date.now();
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse('admin', 'Pässwörd12', t, nonce)))).status).toBe(200);
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse('admin', 'Pässwörd12', t, nonce)))).status).toBe(400);
  });

  it('auth modes: wsse-only sends no Digest challenge and ignores Digest; digest-only ignores tokens', async () => {
    const d = await device({ faults: { auth: 'wsse-only' } });
    const r = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(r.status).toBe(401);
    expect(r.challenges).toEqual([]);
    d.setFaults({ auth: 'digest-only' });
    const t = await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, Date.now())));
    expect(t.status).toBe(401);
    expect(t.challenges.length).toBe(2);
    expect(d.stats().failedAuths).toBe(0);
  });

  it('locks after N failures for lockMs of device clock, with Retry-After, then unlocks', async () => {
    let now = 5_000_000;
    const d = await device({ clock: () => now, faults: { lockout: { afterFailures: 3, lockMs: 60_000 } } });
    for (let i = 0; i < 3; i++) expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse('admin', 'Nope12345', now)))).status).toBe(400);
    const locked = await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, now)));
    expect(locked.status).toBe(401);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.body).toMatch(/NotAuthorized/);
    expect(locked.body).toMatch(/locked/i);
    const s = d.stats();
    expect(s.failedAuths).toBe(3);
    expect(s.maxConsecutiveFailures).toBe(3);
    expect(s.lockedUntil).toBe(now + 60_000);
    // Digest attempts are locked out too, and unauthenticated time queries still work.
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>'))).headers['retry-after']).toBeDefined();
    expect((await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'))).status).toBe(200);
    now += 30_000;
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, now)))).headers['retry-after']).toBe('30');
    now += 30_001;
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>', wsse(ADMIN.username, ADMIN.password, now)))).status).toBe(200);
    expect(d.stats().lockedUntil).toBe(0);
  });
});

describe('simulated ONVIF device: users over the wire', () => {
  it('SetUser changes the password, counts per username, and needs an Administrator', async () => {
    const d = await device();
    const r = await digestCall(d, setUserOp('admin', 'NewPass&lt;1'));
    expect(r.status).toBe(200);
    expect(r.body).toContain('SetUserResponse');
    expect(d.users.checkPassword('admin', 'NewPass<1')).toBe(true);
    expect(d.stats().setUserCount).toEqual({ admin: 1 });
    const op = await digestCall(d, setUserOp('onvif', 'Other2020x', 'Operator'), 'onvif', SITE_CREDENTIALS.cameraOperator.password);
    expect(op.status).toBe(400);
    expect(op.body).toContain('ter:NotAuthorized');
    expect(d.stats().failedAuths).toBe(0);
  });

  it('SetUser faults on the wire: weak, too long, fixed admin; noop and delayed commit', async () => {
    const d = await device({ faults: { maxPasswordLength: 16 } });
    expect((await digestCall(d, setUserOp('admin', 'weakweak'))).body).toMatch(/ter:OperationProhibited<\/env:Value><env:Subcode><env:Value>ter:PasswordTooWeak/);
    expect((await digestCall(d, setUserOp('admin', 'Abcdefgh123456789'))).body).toContain('ter:PasswordTooLong');
    d.setFaults({ fixedAdmin: true });
    expect((await digestCall(d, setUserOp('admin', 'Abcdefgh1'))).body).toMatch(/ter:InvalidArgVal.*ter:FixedUser/);
    d.setFaults({ fixedAdmin: false, setUserNoop: true });
    expect((await digestCall(d, setUserOp('admin', 'Abcdefgh1'))).status).toBe(200);
    expect(d.users.checkPassword('admin', ADMIN.password)).toBe(true);
  });

  it('CreateUsers over the wire, including a fault', async () => {
    const d = await device();
    const ok = await digestCall(d, `<d:CreateUsers><d:User><t:Username>tech</t:Username><t:Password>Tech2020x</t:Password><t:UserLevel>User</t:UserLevel></d:User></d:CreateUsers>`);
    expect(ok.status).toBe(200);
    expect(d.users.list().map((u) => u.username)).toContain('tech');
    const clash = await digestCall(d, `<d:CreateUsers><d:User><t:Username>tech</t:Username><t:Password>Tech2020x</t:Password><t:UserLevel>User</t:UserLevel></d:User></d:CreateUsers>`);
    expect(clash.body).toContain('ter:UsernameClash');
  });
});

describe('simulated ONVIF device: injected faults and malformed requests', () => {
  it('out of connections: the right password is refused like a wrong one and counted; with a connection free it signs in', async () => {
    // Source: rroller/dahua issue 603 (a Dahua device answers 401 at its connection limit); DOMAIN.md.
    const d = await device({ faults: { connectionsExhausted: true, lockout: { afterFailures: 3, lockMs: 60_000 } } });
    const refused = await digestCall(d, '<d:GetUsers/>');
    expect(refused.status).toBe(401);
    expect(refused.challenges.length).toBeGreaterThan(0);
    expect(d.stats().failedAuths).toBe(1);
    d.setFaults({ connectionsExhausted: false });
    expect((await digestCall(d, '<d:GetUsers/>')).status).toBe(200);
    expect(d.stats().failedAuths).toBe(1);
  });

  it("a crashed web server's 500 still carries the device's clock in Date, like every other answer", async () => {
    // Node's own Date header is off for every answer (sim: receive); the device sets its clock, not the host's.
    const d = await device({ clock: () => Date.UTC(2021, 4, 6, 7, 8, 9), faults: { http500: true } });
    const e500 = await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(e500.status).toBe(500);
    expect(e500.headers.date).toBe('Thu, 06 May 2021 07:08:09 GMT');
  });

  it('fault injection: latency, http500, malformedXml, drop, timeout', async () => {
    const d = await device({ faults: { latencyMs: 150 } });
    const t0 = Date.now();
    await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    d.setFaults({ latencyMs: 0, http500: true });
    const e500 = await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(e500.status).toBe(500);
    expect(e500.headers['content-type']).toBe('text/html');
    d.setFaults({ http500: false, malformedXml: true });
    const bad = await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(bad.status).toBe(200);
    expect(bad.body).not.toMatch(/<\/env:Envelope>$/);
    d.setFaults({ malformedXml: false, drop: true });
    await expect(rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    d.setFaults({ drop: false, timeout: true });
    const hung = rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    let settled = false;
    hung.then(() => (settled = true), () => (settled = true));
    // The device has read the request and decided to hold it: from then on no answer can come.
    await expect.poll(() => d.stats().held).toBe(1);
    expect(settled).toBe(false);
    await d.stop(); // stop() must also release the hung connection
    devices = devices.filter((x) => x !== d);
    await expect(hung).rejects.toBeDefined();
  });

  // Model choice (no capture decides it): the work is done as the request arrives and the answer leaves
  // latencyMs later, as on a camera with its own processor. It is the harder case for a client: a change it
  // has not heard back about (a timeout, a dropped answer) may already be in place.
  it('latency: the change is in place before its answer leaves; a dropped answer is dropped after the wait', async () => {
    const d = await device({ faults: { latencyMs: 300 } });
    const t0 = Date.now();
    const answer = rawPost(d.xaddr, env(setUserOp(ADMIN.username, 'Later-2026x'), wsse(ADMIN.username, ADMIN.password, Date.now())));
    await expect.poll(() => d.users.checkPassword(ADMIN.username, 'Later-2026x')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(300);
    expect((await answer).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    d.setFaults({ dropAfterSetUser: true });
    const t1 = Date.now();
    await expect(rawPost(d.xaddr, env(setUserOp(ADMIN.username, 'Later-2027x'), wsse(ADMIN.username, 'Later-2026x', Date.now())))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    expect(d.users.checkPassword(ADMIN.username, 'Later-2027x')).toBe(true);
  });

  it('latency: no answer leaves before it, though a timer set while the event loop is busy fires early', async () => {
    // The sync bench's condition: the loop's cached clock lags behind performance.now() while a request is handled.
    const busyUntil = performance.now() + 5;
    while (performance.now() < busyUntil);
    const due = performance.now() + 10;
    const firedAt = await new Promise<number>((r) => atOrAfter(due, () => r(performance.now())));
    expect(firedAt).toBeGreaterThanOrEqual(due);
  });

  it('latency: a remainder under a millisecond is waited out too, and how late each answer left is counted', async () => {
    const due = performance.now() + 0.5;
    const firedAt = await new Promise<number>((r) => atOrAfter(due, () => r(performance.now())));
    expect(firedAt).toBeGreaterThanOrEqual(due);
    const d = await device({ faults: { latencyMs: 20 } });
    await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(d.stats().delayedAnswers).toBe(2);
    expect(d.stats().lateMs).toBeGreaterThanOrEqual(0);
    d.setFaults({ latencyMs: 0 });
    await rawPost(d.xaddr, env('<d:GetSystemDateAndTime/>'));
    expect(d.stats().delayedAnswers).toBe(2);
  });

  it('answers malformed requests with a Sender fault and unknown operations with ActionNotSupported', async () => {
    const d = await device();
    const r = await rawPost(d.xaddr, '<not-xml');
    expect(r.status).toBe(400);
    const u = await digestCall(d, '<d:SystemReboot/>');
    expect(u.body).toContain('ter:ActionNotSupported');
  });
});

describe('startSite', () => {
  it('starts an NVR and cameras on one port in the block, with the demo accounts', async () => {
    // No add-ons: their owners test them; this checks the device layout only.
    const site = await startSite({ block: '127.20.2', cameras: 3, seed: 9 }, []);
    try {
      expect(site.nvr.address).toBe('127.20.2.10');
      expect(site.cameras.map((c) => c.address)).toEqual(['127.20.2.11', '127.20.2.12', '127.20.2.13']);
      expect(new Set(site.devices.map((d) => d.port))).toEqual(new Set([site.port]));
      expect(site.nvr.users.checkPassword('admin', SITE_CREDENTIALS.nvr.password)).toBe(true);
      expect(site.cameras[1]!.users.list()).toEqual([
        { username: 'admin', userLevel: 'Administrator' },
        { username: 'onvif', userLevel: 'Operator' },
      ]);
      const r = await rawPost(site.cameras[2]!.xaddr, env('<d:GetSystemDateAndTime/>'));
      expect(r.status).toBe(200);
    } finally {
      await site.stop();
    }
  });

  it('applies per-device faults and runs add-ons after the devices, stopping them first', async () => {
    const order: string[] = [];
    const site = await startSite({ block: '127.20.3', cameras: 2, faults: { '1': { http500: true } } }, [
      { name: 'probe', start: async (s) => (order.push(`start:${s.devices.length}`), { stop: async () => void order.push('stop') }) },
    ]);
    expect(site.cameras[1]!.faults.http500).toBe(true);
    expect(site.cameras[0]!.faults.http500).toBe(false);
    await site.stop();
    expect(order).toEqual(['start:3', 'stop']);
  });
});

// DOMAIN.md "Field behaviours seen against independent implementations": one test each.
const OP = SITE_CREDENTIALS.cameraOperator;

describe('field behaviours (DOMAIN.md): stored text, auth off, SetUser dropped or late, a fixed nonce', () => {
  it('stores the XML-escaped text of a password literally when told to (Pass&2026 becomes Pass&amp;2026)', async () => {
    const careless = await device({ faults: { storeEscaped: true, passwordRule: 'lenient' } });
    expect((await digestCall(careless, setUserOp('admin', 'Pass&amp;2026'))).status).toBe(200);
    expect(careless.users.checkPassword('admin', 'Pass&amp;2026')).toBe(true);
    expect(careless.users.checkPassword('admin', 'Pass&2026')).toBe(false);
    const careful = await device({ faults: { passwordRule: 'lenient' } });
    expect((await digestCall(careful, setUserOp('admin', 'Pass&amp;2026'))).status).toBe(200);
    expect(careful.users.checkPassword('admin', 'Pass&2026')).toBe(true);
    // Signed with WS-UsernameToken, the header's own Password element (the digest) is not the one stored.
    const wsseCam = await device({ faults: { storeEscaped: true, passwordRule: 'lenient', auth: 'wsse-only' } });
    const token = wsse(ADMIN.username, ADMIN.password, wsseCam.now());
    expect((await rawPost(wsseCam.xaddr, env(setUserOp('admin', 'Wsse&amp;2026'), token))).status).toBe(200);
    expect(wsseCam.users.checkPassword('admin', 'Wsse&amp;2026')).toBe(true);
  });

  it('with authentication switched off answers every call without credentials, SetUser included', async () => {
    const d = await device({ faults: { authOff: true } });
    const users = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(users.status).toBe(200);
    expect(users.challenges).toEqual([]);
    expect((await rawPost(d.xaddr, env(setUserOp('admin', 'Changed2026x')))).status).toBe(200);
    expect(d.users.checkPassword('admin', 'Changed2026x')).toBe(true);
    expect(d.stats().failedAuths).toBe(0);
  });

  it('applies SetUser, then drops the connection without an answer', async () => {
    const d = await device({ faults: { dropAfterSetUser: true } });
    await expect(digestCall(d, setUserOp('admin', 'Dropped2026x'))).rejects.toThrow();
    expect(d.users.checkPassword('admin', 'Dropped2026x')).toBe(true);
    expect(d.stats().setUserCount['admin']).toBe(1);
  });

  it('applies SetUser late: the old password works until the delay has passed', async () => {
    let now = Date.now();
    const d = await device({ clock: () => now, faults: { setUserDelayMs: 1500 } });
    expect((await digestCall(d, setUserOp('admin', 'Late2026xyz'))).status).toBe(200);
    expect(d.users.checkPassword('admin', ADMIN.password)).toBe(true);
    now += 1500;
    expect(d.users.checkPassword('admin', 'Late2026xyz')).toBe(true);
  });

  it('hands out one fixed nonce for its life: a repeated nonce count is a refused sign-in, an increasing one is fine', async () => {
    let now = Date.now();
    const d = await device({ clock: () => now, faults: { fixedNonce: true, nonceTtlMs: 1000 } });
    const a = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    now += 60_000; // long past the TTL: a fixed nonce never goes stale
    const b = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    const nonce = (c: string) => parseAuthParams(c.slice(7))['nonce'];
    expect(nonce(b.challenges[0]!)).toBe(nonce(a.challenges[0]!));
    const call = (nc: number) => rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: digestHeader(a.challenges[0]!, ADMIN.username, ADMIN.password, '/onvif/device_service', nc) });
    expect((await call(1)).status).toBe(200);
    expect((await call(1)).status).toBe(401);
    expect((await call(2)).status).toBe(200);
    expect(d.stats().failedAuths).toBe(1);
  });
});

describe('field behaviours (DOMAIN.md): username*, several accounts, a nonce per request', () => {
  it('may not understand RFC 7616 username*, while the plain UTF-8 username works', async () => {
    const user = 'técnico';
    const make = async (ignoreUsernameStar: boolean) => {
      const d = await device({ faults: { ignoreUsernameStar } });
      d.users.setPassword(user, 'Tecnico2026x');
      return d;
    };
    const call = async (d: SimDevice, star: boolean) => {
      const first = await rawPost(d.xaddr, env('<d:GetUsers/>'));
      const plain = digestHeader(first.challenges[0]!, user, 'Tecnico2026x', '/onvif/device_service');
      const header = star
        ? plain.replace(`username="${user}"`, `username*=UTF-8''${encodeURIComponent(user)}`)
        : plain.replace(`username="${user}"`, `username="${Buffer.from(user, 'utf8').toString('latin1')}"`);
      return rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: header });
    };
    const strict = await make(true);
    expect((await call(strict, true)).status, 'strict star').toBe(401);
    expect((await call(strict, false)).status, 'strict plain').toBe(200);
    const modern = await make(false);
    expect((await call(modern, true)).status).toBe(200);
  });

  it('has several accounts, each with its own password; SetUser on one leaves the other alone', async () => {
    const d = await device();
    expect((await digestCall(d, '<d:GetDeviceInformation/>', OP.username, OP.password)).status).toBe(200);
    expect((await digestCall(d, setUserOp('admin', 'Admin2026new'))).status).toBe(200);
    expect(d.users.checkPassword('admin', 'Admin2026new')).toBe(true);
    expect(d.users.checkPassword(OP.username, OP.password)).toBe(true);
  });

  // Source: DOMAIN.md, from the rroller/dahua issue tracker: some Dahua devices answer Connection: close and issue a
  // fresh nonce on every request, and a cached challenge shows in the device's log as a refused login.
  it('issues a nonce per request where told to: a second use is a refused login, and every answer can say Connection: close', async () => {
    const d = await device({ faults: { singleUseNonce: true, connectionClose: true } });
    const first = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(first.headers['connection']).toBe('close');
    const call = (nc: number) => rawPost(d.xaddr, env('<d:GetUsers/>'), { Authorization: digestHeader(first.challenges[0]!, ADMIN.username, ADMIN.password, '/onvif/device_service', nc) });
    const ok = await call(1);
    expect(ok.status).toBe(200);
    expect(ok.headers['connection']).toBe('close');
    const reused = await call(2);
    expect(reused.status).toBe(401);
    expect(reused.challenges[0]).not.toMatch(/stale/);
    expect(d.stats().failedAuths).toBe(1);
    // A device that reuses nonces (the default) takes the next count on the same nonce.
    const normal = await device();
    const n1 = await rawPost(normal.xaddr, env('<d:GetUsers/>'));
    for (const nc of [1, 2]) expect((await rawPost(normal.xaddr, env('<d:GetUsers/>'), { Authorization: digestHeader(n1.challenges[0]!, ADMIN.username, ADMIN.password, '/onvif/device_service', nc) })).status).toBe(200);
  });
});

describe('field behaviours (DOMAIN.md): its own clock in Date, one failure counter per device', () => {
  // Source: RFC 9110 §6.6.1 (an origin server with a clock sends Date in every 2xx-4xx answer), generated from the
  // same system clock a camera checks WS-UsernameToken Created against; some embedded servers send none.
  it('dates its answers with its own (skewed) clock, or not at all where told to', async () => {
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    const d = await device({ clock: () => base, faults: { clockSkewMs: 5 * 3600_000, auth: 'wsse-only' } });
    const r = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(r.status).toBe(401);
    expect(Date.parse(r.headers['date']!)).toBe(base + 5 * 3600_000);
    d.setFaults({ noDateHeader: true });
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>'))).headers['date']).toBeUndefined();
  });

  it('counts failures per device across accounts and locks the whole device', async () => {
    const d = await device({ faults: { lockout: { afterFailures: 3, lockMs: 60_000 } } });
    expect((await digestCall(d, '<d:GetUsers/>', 'admin', 'wrong-1')).status).toBe(401);
    expect((await digestCall(d, '<d:GetUsers/>', OP.username, 'wrong-2')).status).toBe(401);
    expect((await digestCall(d, '<d:GetUsers/>', 'admin', 'wrong-3')).status).toBe(401);
    expect(d.stats().failedAuths).toBe(3);
    const locked = await rawPost(d.xaddr, env('<d:GetUsers/>'));
    expect(locked.headers['retry-after']).toBeDefined();
    // the right password of the other account is locked out too
    expect((await rawPost(d.xaddr, env('<d:GetUsers/>'))).body).toMatch(/locked/i);
  });
});
