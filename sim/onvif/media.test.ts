import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { startDevice, type SimDevice } from './device';
import { makeIdentity, SITE_CREDENTIALS, siteIdentities } from '../identities';
import { parseAuthParams } from './auth';
import { colourOf, osdCells, solidJpeg } from './jpeg';
import { FRAME_COLS, FRAME_ROWS, osdClock, snapshotOf } from './media';
import type { DeviceFaults } from './types';

// The simulated Media service and snapshot endpoint. Block 127.24.x.0/24. A hand-written client on
// purpose, as in device.test.ts: the simulator is checked apart from main/onvif.

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  challenges: string[];
  body: Buffer;
}

function raw(method: 'GET' | 'POST', url: string, body = '', headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'Content-Type': 'application/soap+xml', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const challenges: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() === 'www-authenticate') challenges.push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, challenges, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const env = (op: string) =>
  `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://www.onvif.org/ver10/device/wsdl" xmlns:m="http://www.onvif.org/ver10/media/wsdl">` +
  `<e:Body>${op}</e:Body></e:Envelope>`;

function digest(challenge: string, method: string, uri: string, user: string, pass: string): string {
  const p = parseAuthParams(challenge.slice(7));
  const H = (s: string) => createHash(p['algorithm'] === 'SHA-256' ? 'sha256' : 'md5').update(s, 'utf8').digest('hex');
  const cnonce = randomBytes(4).toString('hex');
  const resp = H(`${H(`${user}:${p['realm']}:${pass}`)}:${p['nonce']}:00000001:${cnonce}:auth:${H(`${method}:${uri}`)}`);
  return `Digest username="${user}", realm="${p['realm']}", nonce="${p['nonce']}", uri="${uri}", algorithm=${p['algorithm']}, qop=auth, nc=00000001, cnonce="${cnonce}", response="${resp}", opaque="${p['opaque']}"`;
}

/** Challenge round trip, then the signed request. */
async function signed(method: 'GET' | 'POST', url: string, body = '', pass: string = ADMIN.password): Promise<Raw> {
  const first = await raw(method, url, body);
  expect(first.status).toBe(401);
  const u = new URL(url);
  return raw(method, url, body, { Authorization: digest(first.challenges[0]!, method, u.pathname + u.search, ADMIN.username, pass) });
}

const ADMIN = SITE_CREDENTIALS.camera;
const devices: SimDevice[] = [];
let host = 1;
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
});

async function device(faults: Partial<DeviceFaults> = {}, clock?: () => number) {
  const d = await startDevice({
    identity: makeIdentity('camera', host, 7),
    address: `127.24.1.${host++}`,
    users: [{ ...ADMIN, userLevel: 'Administrator' }],
    faults,
    ...(clock ? { clock } : {}),
  });
  devices.push(d);
  return d;
}

const mediaUrl = (d: SimDevice) => `http://${d.address}:${d.port}/onvif/media_service`;
const text = (r: Raw) => r.body.toString('utf8');
const snapshotUriOf = (r: Raw) => text(r).match(/<tt:Uri>([^<]*)<\/tt:Uri>/)![1]!.replace(/&amp;/g, '&');

describe('simulated ONVIF media service: the service, its sign-in, a picture', () => {
  it('advertises the media service in GetServices and GetCapabilities, on its own server', async () => {
    const d = await device();
    const services = text(await raw('POST', d.xaddr, env('<d:GetServices><d:IncludeCapability>false</d:IncludeCapability></d:GetServices>')));
    expect(services).toContain(`<tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace><tds:XAddr>${mediaUrl(d)}</tds:XAddr>`);
    const caps = text(await raw('POST', d.xaddr, env('<d:GetCapabilities><d:Category>All</d:Category></d:GetCapabilities>')));
    expect(caps).toContain(`<tt:Media><tt:XAddr>${mediaUrl(d)}</tt:XAddr>`);
  });

  it('answers GetProfiles and GetSnapshotUri only after sign-in; an unknown profile is a fault', async () => {
    const d = await device();
    expect((await raw('POST', mediaUrl(d), env('<m:GetProfiles/>'))).status).toBe(401);
    const profiles = await signed('POST', mediaUrl(d), env('<m:GetProfiles/>'));
    expect(profiles.status).toBe(200);
    expect(text(profiles)).toMatch(/<trt:Profiles token="Profile_1"[^>]*><tt:Name>MainStream<\/tt:Name>/);
    expect(text(profiles)).toContain('token="Profile_2"');
    const uri = await signed('POST', mediaUrl(d), env('<m:GetSnapshotUri><m:ProfileToken>Profile_1</m:ProfileToken></m:GetSnapshotUri>'));
    expect(uri.status).toBe(200);
    expect(snapshotUriOf(uri)).toBe(`http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_1`);
    const bad = await signed('POST', mediaUrl(d), env('<m:GetSnapshotUri><m:ProfileToken>nope</m:ProfileToken></m:GetSnapshotUri>'));
    expect(bad.status).toBe(400);
    expect(text(bad)).toContain('ter:NoProfile');
    // Device operations are not answered on the media path.
    expect(text(await signed('POST', mediaUrl(d), env('<d:GetUsers/>')))).toContain('ter:ActionNotSupported');
  });

  it('serves a JPEG of its own colour behind Digest (GET); the picture decodes as a baseline JPEG', async () => {
    const a = await device();
    const b = await device();
    const url = (d: SimDevice) => `http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_1`;
    const first = await raw('GET', url(a));
    expect(first.status).toBe(401);
    expect(first.challenges.length).toBeGreaterThan(0);
    const pa = await signed('GET', url(a));
    const pb = await signed('GET', url(b));
    expect(pa.status).toBe(200);
    expect(pa.headers['content-type']).toBe('image/jpeg');
    expect([...pa.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...pa.body.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(pa.body.equals(pb.body)).toBe(false);
    expect(a.stats().snapshots).toBe(1);
    // The frame header says 960×544, a sub-stream's frame (Chromium decoding it is e2e/close-loop.spec.ts's check).
    const sof = pa.body.indexOf(Buffer.from([0xff, 0xc0]));
    expect([pa.body.readUInt16BE(sof + 7), pa.body.readUInt16BE(sof + 5)]).toEqual([FRAME_COLS * 8, FRAME_ROWS * 8]);
  });
});

describe('simulated ONVIF media service: a live clock, the lockout, no snapshot', () => {
  it("the picture is built per request with the camera's own clock in its OSD (its skew included), not once at start", async () => {
    let base = Date.UTC(2026, 11, 3, 7, 20, 5);
    const skew = 3 * 3600_000 + 7000;
    const d = await device({ clockSkewMs: skew }, () => base);
    const url = `http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_1`;
    const first = await signed('GET', url);
    expect(first.body.equals(snapshotOf(d.identity, base + skew))).toBe(true);
    base += 61_000;
    const later = await signed('GET', url);
    expect(later.body.equals(first.body)).toBe(false);
    expect(later.body.equals(snapshotOf(d.identity, base + skew))).toBe(true);
    // A request within the same second of the camera's clock gets the same picture.
    base += 300;
    expect((await signed('GET', url)).body.equals(later.body)).toBe(true);
  });

  it('counts a wrong password on the snapshot URL toward the lockout like a SOAP one, and then refuses even the right one', async () => {
    const d = await device({ lockout: { afterFailures: 3, lockMs: 60_000 } });
    const url = `http://${d.address}:${d.port}/onvif/snapshot?channel=1&profile=Profile_1`;
    // Two SOAP failures and one snapshot failure: the third locks the device.
    await signed('POST', d.xaddr, env('<d:GetUsers/>'), 'Wrong-pass-1');
    await signed('POST', mediaUrl(d), env('<m:GetProfiles/>'), 'Wrong-pass-2');
    expect(d.stats().failedAuths).toBe(2);
    const wrong = await signed('GET', url, '', 'Wrong-pass-3');
    expect(wrong.status).toBe(401);
    expect(d.stats().failedAuths).toBe(3);
    expect(d.stats().lockedUntil).toBeGreaterThan(0);
    const locked = await raw('GET', url);
    expect(locked.status).toBe(401);
    expect(locked.headers['retry-after']).toBeDefined();
    expect(d.stats().snapshots).toBe(0);
  });

  it('faults: noSnapshot answers ActionNotSupported, snapshotNotImage a 200 HTML page', async () => {
    const d = await device({ noSnapshot: true, snapshotNotImage: true });
    const uri = await signed('POST', mediaUrl(d), env('<m:GetSnapshotUri><m:ProfileToken>Profile_1</m:ProfileToken></m:GetSnapshotUri>'));
    expect(uri.status).toBe(400);
    expect(text(uri)).toContain('ter:ActionNotSupported');
    const page = await signed('GET', `http://${d.address}:${d.port}/onvif/snapshot?channel=1`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html');
    expect(text(page)).toContain('<html>');
    d.setFaults({ noSnapshot: false, snapshotNotImage: false });
    expect((await signed('GET', `http://${d.address}:${d.port}/onvif/snapshot?channel=1`)).headers['content-type']).toBe('image/jpeg');
  });
});

describe('solid-colour JPEG encoder', () => {
  it('writes SOI, a baseline frame of the asked size, one scan and EOI; colours differ by serial', () => {
    const j = solidJpeg([10, 200, 30], 16, 8);
    const sof = j.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    expect(j.readUInt16BE(sof + 5)).toBe(8);
    expect(j.readUInt16BE(sof + 7)).toBe(16);
    expect(j.indexOf(Buffer.from([0xff, 0xda]))).toBeGreaterThan(sof);
    expect(colourOf('A')).not.toEqual(colourOf('B'));
    for (const c of [colourOf('A'), colourOf('SERIAL-2')]) for (const v of c) expect(v).toBeGreaterThanOrEqual(0);
  });
});

describe('demo pictures look like camera frames', () => {
  it('burns the channel title and the clock in as an OSD, and differ per camera and per moment', () => {
    const { cameras } = siteIdentities(3);
    expect(cameras.map((c) => c.osdTitle)).toEqual(['Front door', 'Driveway', 'Back yard']);
    const at = Date.UTC(2026, 11, 3, 7, 20, 5);
    expect(osdClock(at)).toBe('2026-12-03 07:20:05');
    const [a, b] = [snapshotOf(cameras[0]!, at), snapshotOf(cameras[1]!, at)];
    expect(a.equals(b)).toBe(false);
    expect(snapshotOf(cameras[0]!, at + 1000).equals(a)).toBe(false);
    expect(snapshotOf(cameras[0]!, at).equals(a)).toBe(true);
    expect(a.length).toBeLessThan(64 * 1024);
  });

  it('draws each OSD character from its own glyph (a space is blank, unknown characters too)', () => {
    const lit = (t: string) => osdCells(t).flat().filter(Boolean).length;
    expect(osdCells('AB')[0]).toHaveLength(12);
    expect(lit(' ')).toBe(0);
    expect(lit('~')).toBe(0);
    expect(lit('front door')).toBe(lit('FRONT DOOR'));
    expect(lit('1')).toBeGreaterThan(5);
    expect(osdCells('0').map((r) => r.map((x) => (x ? '#' : '.')).join(''))).toEqual(['.###..', '#...#.', '#..##.', '#.#.#.', '##..#.', '#...#.', '.###..']);
  });
});
