// HTTP Digest and nonce reuse, against the simulated camera's snapshot endpoint (block 127.26.1.0/24).
import { describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { simCameras } from '../../test/support/sim-cameras';
import { agentFor, httpRequest } from './http';
import { digestAuthorization, DigestSession, parseChallenges, pickChallenge, withDigest, type DigestChallenge } from './http-digest';

const ADMIN = { ...SITE_CREDENTIALS.camera };
const sims = simCameras({ block: '127.26.1', seed: 11 });

describe('Digest', () => {
  // RFC 7616 §3.9.1 example.
  const rfc = (algorithm: string) =>
    parseChallenges([
      'WWW-Authenticate',
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    ]).digest[0]!;

  it('matches the RFC 7616 example for MD5 and SHA-256', () => {
    const md5 = digestAuthorization(rfc('MD5'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(md5).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(md5).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    expect(md5).toContain('nc=00000001');
    const sha = digestAuthorization(rfc('SHA-256'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(sha).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
  });

  it('prefers SHA-256 whatever the order, and sets unsupported algorithms aside', () => {
    const p = parseChallenges([
      'WWW-Authenticate', 'Digest realm="r", qop="auth", nonce="n1"',
      'WWW-Authenticate', 'Digest realm="r", qop="auth", algorithm=SHA-256, nonce="n2", stale=TRUE',
      'WWW-Authenticate', 'Digest realm="r", qop="auth", algorithm=SHA-512-256, nonce="n3"',
      'WWW-Authenticate', 'Basic realm="r"',
    ]);
    expect(pickChallenge(p.digest)?.algorithm).toBe('SHA-256');
    expect(pickChallenge(p.digest)?.stale).toBe(true);
    expect(p.unsupported).toEqual(['SHA-512-256']);
    expect(p.basic).toBe(true);
  });
});

describe('parseChallenges against hostile headers (moved from the Dahua CGI copy)', () => {
  it.each<[string, string[], { digest: number; unsupported: string[]; basic: boolean }]>([
    ['Basic only', ['WWW-Authenticate', 'Basic realm="x"'], { digest: 0, unsupported: [], basic: true }],
    ['an algorithm we do not make', ['WWW-Authenticate', 'Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"'], { digest: 0, unsupported: ['SHA-512-256'], basic: false }],
    ['no qop (RFC 2069 style)', ['WWW-Authenticate', 'Digest realm="x", nonce="n"'], { digest: 0, unsupported: ['MD5'], basic: false }],
    ['qop=auth-int only', ['WWW-Authenticate', 'Digest realm="x", nonce="n", qop="auth-int"'], { digest: 0, unsupported: ['MD5'], basic: false }],
    ['no nonce', ['WWW-Authenticate', 'Digest realm="x", qop="auth"'], { digest: 0, unsupported: ['MD5'], basic: false }],
    ['an empty nonce', ['WWW-Authenticate', 'Digest realm="x", nonce="", qop="auth"'], { digest: 0, unsupported: ['MD5'], basic: false }],
    ['no realm', ['WWW-Authenticate', 'Digest nonce="n", qop="auth"'], { digest: 0, unsupported: ['MD5'], basic: false }],
    ['-sess', ['WWW-Authenticate', 'Digest realm="x", nonce="n", qop="auth", algorithm=MD5-sess'], { digest: 0, unsupported: ['MD5-SESS'], basic: false }],
    ['another header only', ['Content-Type', 'Digest realm="x", nonce="n", qop="auth"'], { digest: 0, unsupported: [], basic: false }],
    ['an odd-length header list', ['WWW-Authenticate'], { digest: 0, unsupported: [], basic: false }],
    ['escaped quotes and commas in a realm', ['WWW-Authenticate', 'Digest realm="a \\"b\\", c", nonce="n", qop="auth"'], { digest: 1, unsupported: [], basic: false }],
  ])('%s', (_name, headers, want) => {
    const p = parseChallenges(headers);
    expect({ digest: p.digest.length, unsupported: p.unsupported, basic: p.basic }).toEqual(want);
  });

  it('keeps a realm with quotes and commas whole', () => {
    expect(parseChallenges(['WWW-Authenticate', 'Digest realm="a \\"b\\", c", nonce="n", qop="auth"']).digest[0]?.realm).toBe('a "b", c');
  });
});

describe('DigestSession: which request may reuse a nonce', () => {
  const A = { username: 'admin', password: 'Pass-one-1' };
  const B = { username: 'admin', password: 'Pass-two-2' };
  let n = 0;
  const challenge = (stale = false): DigestChallenge => ({ algorithm: 'MD5', realm: 'r', nonce: `n${++n}`, stale, nc: 0 });
  const session = () => new DigestSession(`http://origin-${++n}.test`);
  const ncOf = (h: string | undefined) => Number.parseInt(/nc=([0-9a-f]+)/.exec(h ?? '')![1]!, 16);

  it('signs a fresh nonce once; until a reuse has worked, reuses it only for the credential that just signed in', () => {
    const s = session();
    expect(s.sign(A, 'POST', '/x')).toBeUndefined(); // no challenge yet: ask for one
    s.take(challenge());
    const first = s.sign(A, 'POST', '/x')!;
    expect(first.fresh).toBe(true);
    s.accepted(first);
    expect(s.sign(B, 'POST', '/x')).toBeUndefined(); // another password on a used nonce: a fresh challenge first
    const again = s.sign(A, 'POST', '/x')!;
    expect(again.fresh).toBe(false);
    expect(ncOf(again.authorization)).toBe(2);
    s.accepted(again);
    // The device has shown it takes a reused nonce: any credential may now sign with it.
    expect(s.sign(B, 'POST', '/x')!.fresh).toBe(false);
  });

  it.each<[string, (s: DigestSession) => { fresh: boolean; stale?: boolean; provenReuse?: boolean }, string]>([
    ['a fresh nonce refused is a wrong password', () => ({ fresh: true }), 'password'],
    ['a reused nonce refused, where reuse never worked, is the nonce', () => ({ fresh: false }), 'nonce'],
    ['a reused nonce refused where reuse worked before is a wrong password', () => ({ fresh: false, provenReuse: true }), 'password'],
    ['stale=true is never a wrong password', () => ({ fresh: true, stale: true }), 'stale'],
  ])('%s', (_name, setup, want) => {
    const s = session();
    const o = setup(s);
    s.take(challenge());
    const first = s.sign(A, 'POST', '/x')!;
    s.accepted(first);
    let signed = first;
    if (o.provenReuse) s.accepted((signed = s.sign(A, 'POST', '/x')!));
    if (!o.fresh) signed = s.sign(A, 'POST', '/x')!;
    else {
      s.take(challenge());
      signed = s.sign(A, 'POST', '/x')!;
    }
    expect(s.refused(signed, challenge(o.stale))).toBe(want);
    // Whatever the verdict, the next request signs with the challenge the refusal carried.
    expect(s.sign(A, 'POST', '/x')!.fresh).toBe(true);
  });

  it('never reuses a nonce of a device that closes its connections', () => {
    const s = session();
    s.observe({ headers: { connection: 'close' } });
    s.take(challenge());
    s.accepted(s.sign(A, 'POST', '/x')!);
    expect(s.sign(A, 'POST', '/x')).toBeUndefined();
  });
});

describe('withDigest against a simulated camera (its snapshot)', () => {
  async function fetcher(faults: Parameters<typeof sims.camera>[0], cred: { username: string; password: string } = ADMIN) {
    const cam = await sims.camera(faults);
    const url = new URL(cam.xaddr.replace('/onvif/device_service', '/onvif/snapshot'));
    const agent = agentFor(url);
    sims.cleanup(() => agent.destroy());
    const session = new DigestSession(url.origin);
    const refusals: string[] = [];
    let requests = 0;
    const fetch = () =>
      withDigest(session, cred, 'GET', url.pathname, (authorization) => (requests++, httpRequest({ method: 'GET', url, agent, timeoutMs: 2000, headers: authorization ? { Authorization: authorization } : {} })), {
        onRefused: (why) => void refusals.push(why),
      });
    return { cam, fetch, refusals, requests: () => requests };
  }

  it('a device that reuses nonces is challenged once: one round trip per picture after the first', async () => {
    const f = await fetcher({});
    for (let i = 0; i < 3; i++) expect((await f.fetch()).status).toBe(200);
    expect(f.requests()).toBe(4);
    expect(f.refusals).toEqual([]);
    expect(f.cam.stats().failedAuths).toBe(0);
  });

  it('a device that answers Connection: close with a nonce per request: a fresh challenge each time, never a refusal', async () => {
    const f = await fetcher({ singleUseNonce: true, connectionClose: true });
    for (let i = 0; i < 3; i++) expect((await f.fetch()).status).toBe(200);
    expect(f.requests()).toBe(6);
    expect(f.refusals).toEqual([]);
    expect(f.cam.stats().failedAuths).toBe(0);
  });

  it('a nonce per request without Connection: close: one refused reuse (reported as the nonce, not the password), then no more', async () => {
    const f = await fetcher({ singleUseNonce: true });
    for (let i = 0; i < 3; i++) expect((await f.fetch()).status).toBe(200);
    expect(f.refusals).toEqual(['nonce']);
    expect(f.cam.stats().failedAuths).toBe(1);
  });

  it('a wrong password is refused once, reported once, and its 401 handed back', async () => {
    const f = await fetcher({}, { username: 'admin', password: 'Wrong-pass-9' });
    expect((await f.fetch()).status).toBe(401);
    expect(f.refusals).toEqual(['password']);
    expect(f.cam.stats().failedAuths).toBe(1);
  });
});
