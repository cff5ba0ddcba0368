import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import fc from 'fast-check';
import { checkSnapshotUri, MediaClient, sniffImage } from './media';
import { OnvifError } from './errors';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { simCameras } from '../../test/support/sim-cameras';
import { selfSignedCert } from '../../test/support/tls-nvr';

// ONVIF Media client: against the simulated cameras, and against a hostile fake camera.
// Block 127.25.x.0/24.

const ADMIN = { ...SITE_CREDENTIALS.camera };
const sims = simCameras({ block: '127.25.1', seed: 9 });
const camera = sims.camera;

function client(xaddr: string, extra: { onAuthFailure?: () => void; maxSnapshotBytes?: number; timeoutMs?: number } = {}) {
  const c = new MediaClient({ xaddr, timeoutMs: 2000, ...extra });
  sims.cleanup(() => c.close());
  return c;
}

async function picture(c: MediaClient, cred = ADMIN) {
  const [profile] = await c.getProfiles(cred);
  return c.fetchSnapshot(cred, await c.getSnapshotUri(cred, profile!.token));
}

describe('media client against the simulated camera: a picture without a failed sign-in', () => {
  it('finds the media service, lists profiles, gets the snapshot URI and a JPEG, without a failed sign-in', async () => {
    const d = await camera();
    const c = client(d.xaddr);
    expect(await c.mediaXaddr(ADMIN)).toBe(`http://${d.address}:${d.port}/onvif/media_service`);
    expect(await c.getProfiles(ADMIN)).toEqual([
      { token: 'Profile_1', name: 'MainStream' },
      { token: 'Profile_2', name: 'SubStream' },
    ]);
    const uri = await c.getSnapshotUri(ADMIN, 'Profile_1');
    expect(uri.href).toBe(`http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_1`);
    const snap = await c.fetchSnapshot(ADMIN, uri);
    expect(snap.mime).toBe('image/jpeg');
    expect([...snap.bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(d.stats().failedAuths).toBe(0);
    expect(d.stats().snapshots).toBe(1);
  });

  it('a refused password is reported once and never sent again by the same client', async () => {
    const d = await camera();
    let refusals = 0;
    const c = client(d.xaddr, { onAuthFailure: () => refusals++ });
    const wrong = { username: 'admin', password: 'Not-the-pass-1' };
    await expect(c.getProfiles(wrong)).rejects.toMatchObject({ kind: 'auth-failed' });
    expect(refusals).toBe(1);
    const requests = d.stats().requests;
    await expect(c.getSnapshotUri(wrong, 'Profile_1')).rejects.toMatchObject({ kind: 'auth-failed' });
    await expect(c.fetchSnapshot(wrong, new URL(`http://${d.address}:${d.port}/onvif/snapshot`))).rejects.toMatchObject({ kind: 'auth-failed' });
    expect(d.stats().requests).toBe(requests);
    expect(refusals).toBe(1);
    expect(d.stats().failedAuths).toBe(1);
  });
});

describe('media client against the simulated camera: refusals, missing snapshots and locks', () => {
  it('a password refused on the snapshot URL counts once, and the next fetch sends nothing', async () => {
    const d = await camera();
    let refusals = 0;
    const c = client(d.xaddr, { onAuthFailure: () => refusals++ });
    const uri = await c.getSnapshotUri(ADMIN, 'Profile_1');
    d.users.setPassword('admin', 'Changed-elsewhere-2');
    await expect(c.fetchSnapshot(ADMIN, uri)).rejects.toMatchObject({ kind: 'auth-failed' });
    expect([refusals, d.stats().failedAuths]).toEqual([1, 1]);
    const requests = d.stats().requests;
    await expect(c.fetchSnapshot(ADMIN, uri)).rejects.toThrow(/not tried again/);
    expect(d.stats().requests).toBe(requests);
  });

  it('noSnapshot: the ActionNotSupported fault; snapshotNotImage: refused although HTTP 200', async () => {
    const none = await camera({ noSnapshot: true });
    await expect(client(none.xaddr).getSnapshotUri(ADMIN, 'Profile_1')).rejects.toMatchObject({ kind: 'fault', subcode: 'ActionNotSupported' });
    const html = await camera({ snapshotNotImage: true });
    await expect(picture(client(html.xaddr))).rejects.toThrow(/not a JPEG or PNG picture \(answered as text\/html\)/);
    expect(html.stats().failedAuths).toBe(0);
  });

  it('a locked camera: the lock is reported with its Retry-After, no credential judged', async () => {
    const d = await camera({ lockout: { afterFailures: 1, lockMs: 60_000 } });
    const uri = await client(d.xaddr).getSnapshotUri(ADMIN, 'Profile_1');
    await expect(client(d.xaddr).getProfiles({ username: 'admin', password: 'Wrong-pass-3' })).rejects.toMatchObject({ kind: 'auth-failed' });
    const err = await client(d.xaddr)
      .fetchSnapshot(ADMIN, uri)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'locked' });
    expect((err as OnvifError).retryAfterMs).toBeGreaterThan(0);
  });
});

/** A camera that answers whatever the test says; every SOAP call needs no sign-in. */
async function hostileCamera(o: { mediaXaddr?: string; profiles?: string; uri?: string; snapshot?: (res: http.ServerResponse) => void }) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host}${req.url}`);
    const body = (xml: string) => {
      res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      res.end(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${xml}</s:Body></s:Envelope>`);
    };
    if (req.method === 'GET') return o.snapshot ? o.snapshot(res) : void res.end();
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (raw.includes('GetCapabilities')) return body(`<GetCapabilitiesResponse><Capabilities><Media><XAddr>${o.mediaXaddr ?? '/onvif/media_service'}</XAddr></Media></Capabilities></GetCapabilitiesResponse>`);
      if (raw.includes('GetProfiles')) return body(o.profiles ?? `<GetProfilesResponse><Profiles token="P1"><Name>Main</Name></Profiles></GetProfilesResponse>`);
      if (raw.includes('GetSnapshotUri')) return body(`<GetSnapshotUriResponse><MediaUri><Uri>${o.uri ?? ''}</Uri></MediaUri></GetSnapshotUriResponse>`);
      body('<Nothing/>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.25.9.1', r));
  const port = (server.address() as { port: number }).port;
  sims.cleanup(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { xaddr: `http://127.25.9.1:${port}/onvif/device_service`, origin: `http://127.25.9.1:${port}`, seen };
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);

describe('media client against hostile answers: snapshot URIs and where they lead', () => {
  it.each([
    ['another machine', 'http://10.1.2.3/snapshot.jpg', /another machine \(10\.1\.2\.3\)/],
    ['a look-alike host', 'http://127.25.9.1.evil.example/snap', /another machine/],
    ['file:', 'file:///etc/passwd', /file:, not http\(s\)/],
    ['javascript:', 'javascript:alert(1)', /not http\(s\)/],
    ['ftp:', 'ftp://127.25.9.1/snap', /ftp:, not http\(s\)/],
    ['not a URL', 'snapshot please', /not a URL/],
    ['empty', '', /no URI/],
    ['too long', `http://127.25.9.1/${'a'.repeat(3000)}`, /too long/],
  ])('refuses a snapshot URI of %s', async (_, uri, message) => {
    const cam = await hostileCamera({ uri: uri.replace(/&/g, '&amp;') });
    const err = await client(cam.xaddr)
      .getSnapshotUri(ADMIN, 'P1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnvifError);
    expect(String((err as Error).message)).toMatch(message);
  });

  it('drops user info from a snapshot URI and never names the URI (its query may hold a password) in an error', async () => {
    const cam = await hostileCamera({ uri: 'http://admin:pw@127.25.9.1:1/snap?pwd=Secret-in-query-9' });
    const url = await client(cam.xaddr).getSnapshotUri(ADMIN, 'P1');
    expect([url.username, url.password]).toEqual(['', '']);
    const err = checkSnapshotUri.bind(null, 'http://10.0.0.1/snap?pwd=Secret-in-query-9', cam.xaddr);
    expect(err).toThrow(/another machine/);
    expect(() => err()).not.toThrow(/Secret-in-query-9/);
  });

  it('a media service on another host is reached on the camera, at the path it gave', async () => {
    const cam = await hostileCamera({ mediaXaddr: 'http://192.168.1.108:80/onvif/Media' });
    expect(await client(cam.xaddr).mediaXaddr(ADMIN)).toBe(`${cam.origin}/onvif/Media`);
  });

  it.each([
    ['no token', '<GetProfilesResponse><Profiles><Name>x</Name></Profiles></GetProfilesResponse>', /no media profile/],
    ['no profiles', '<GetProfilesResponse/>', /no media profile/],
    ['no response element', '<Other/>', /lacks GetProfilesResponse/],
  ])('profiles with %s: a clear error', async (_, profiles, message) => {
    const cam = await hostileCamera({ profiles });
    await expect(client(cam.xaddr).getProfiles(ADMIN)).rejects.toThrow(message);
  });
});

describe('media client against hostile answers: profiles, bodies, TLS and pictures', () => {
  it('keeps at most 32 profiles', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `<Profiles token="T${i}"><Name>n</Name></Profiles>`).join('');
    const cam = await hostileCamera({ profiles: `<GetProfilesResponse>${many}</GetProfilesResponse>` });
    expect(await client(cam.xaddr).getProfiles(ADMIN)).toHaveLength(32);
  });

  it.each<[string, (res: http.ServerResponse) => void, RegExp]>([
    ['HTML labelled image/jpeg', (res) => res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end('<html>login</html>'), /not a JPEG or PNG/],
    ['an empty body', (res) => res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(), /not a JPEG or PNG/],
    ['a redirect', (res) => res.writeHead(302, { Location: 'http://10.0.0.1/x.jpg' }).end(), /redirect; not followed/],
    ['a body over the cap', (res) => res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(Buffer.concat([JPEG, Buffer.alloc(3 * 1024 * 1024)])), /too large|larger than/],
    ['HTTP 500', (res) => res.writeHead(500).end('oops'), /HTTP 500/],
    ['Basic only', (res) => res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end(), /other than HTTP Digest/],
    ['a challenge forever', (res) => res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="r", qop="auth", nonce="n1", stale=true' }).end(), /refused|keeps challenging/],
  ])('a snapshot answered with %s: a clear error, no crash', async (_, snapshot, message) => {
    const cam = await hostileCamera({ snapshot });
    await expect(client(cam.xaddr).fetchSnapshot(ADMIN, new URL(`${cam.origin}/snap`))).rejects.toThrow(message);
  });

  it('never follows a hostile URI to another host even when handed one directly', async () => {
    const cam = await hostileCamera({ snapshot: (res) => res.end(JPEG) });
    await expect(client(cam.xaddr).fetchSnapshot(ADMIN, new URL('http://127.25.9.2/snap'))).rejects.toThrow(/another machine/);
    expect(cam.seen).toEqual([]);
  });

  it('a snapshot URI on https is fetched over TLS (a self-signed camera is refused as untrusted, with a clear error)', async () => {
    const cam = await hostileCamera({});
    let seen = 0;
    const tls = createHttpsServer(selfSignedCert('camera'), (_req, res) => (seen++, res.end(JPEG)));
    await new Promise<void>((r) => tls.listen(0, '127.25.9.1', r));
    sims.cleanup(() => new Promise<void>((r) => (tls.closeAllConnections(), tls.close(() => r()))));
    const url = new URL(`https://127.25.9.1:${(tls.address() as { port: number }).port}/snap`);
    const err = await client(cam.xaddr).fetchSnapshot(ADMIN, url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnvifError);
    expect((err as OnvifError).kind).toBe('tls');
    expect(seen).toBe(0);
  });

  it('a PNG is a picture too, whatever its Content-Type', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const cam = await hostileCamera({ snapshot: (res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(png) });
    expect((await client(cam.xaddr).fetchSnapshot(ADMIN, new URL(`${cam.origin}/snap`))).mime).toBe('image/png');
  });
});

describe('media client against hostile answers: fuzz and magic bytes', () => {
  it('fuzz: any GetSnapshotUri text gives a URL on the camera or a clear OnvifError', async () => {
    const cam = await hostileCamera({});
    const own = '127.25.9.1';
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constant(`http://${own}/a`), fc.constant(`http://[::1]/a`)), (uri) => {
        try {
          const url = checkSnapshotUri(uri, cam.xaddr);
          expect(url.hostname).toBe(own);
          expect(['http:', 'https:']).toContain(url.protocol);
        } catch (e) {
          expect(e).toBeInstanceOf(OnvifError);
          expect((e as Error).message.length).toBeLessThan(300);
        }
      }),
      { numRuns: 500 },
    );
    // And the same through the wire, XML-escaped, a few dozen times.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.webUrl()), async (uri) => {
        const c2 = await hostileCamera({ uri: uri.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch]!) });
        const out = await client(c2.xaddr)
          .getSnapshotUri(ADMIN, 'P1')
          .then((u) => u.hostname, (e: unknown) => e);
        if (typeof out === 'string') expect(out).toBe('127.25.9.1');
        else expect(out).toBeInstanceOf(OnvifError);
      }),
      { numRuns: 30 },
    );
  });

  it('sniffs by magic bytes only', () => {
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('GIF89a'))).toBeUndefined();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => void sniffImage(Buffer.from(b))));
  });
});
