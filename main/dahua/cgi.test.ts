import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { DeviceAuth } from '../../sim/onvif/auth';
import { DEFAULT_FAULTS, type DeviceFaults } from '../../sim/onvif/types';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { readNvrCgi } from './cgi';
import { DahuaError, DahuaRpcClient } from './client';

// Loopback blocks 127.62.4.0/24 and 127.62.20.0/24 are this file's own.
describe('CGI fallback on an NVR without the web JSON-RPC', () => {
  let site: Site;
  const clock = new OffsetClock();
  beforeAll(async () => {
    site = await startSite({ block: '127.62.4', cameras: 2, nvrRpc: { rpcMissing: true } });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('the RPC client says the JSON-RPC is missing before any credential is sent', async () => {
    const err = (await new DahuaRpcClient({ url: rpcOf(site).url, username: 'admin' }).login('x-pass-1').catch((e: unknown) => e)) as DahuaError;
    expect(err.rpcMissing).toBe(true);
    expect(rpcOf(site).stats().loginFailures).toBe(0);
  });

  it('reads identity and channels with Digest, never a password in a URL', async () => {
    const read = await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password, gate: new CredentialGate({ clock }), clock });
    expect(read.identity).toEqual({ serial: site.nvr.identity.serialNumber, model: site.nvr.identity.model, firmware: '4.001.0000000.2.R' });
    expect(read.channels.map((c) => [c.channel, c.name, c.protocol, c.online, c.passwordMasked])).toEqual([
      [1, 'Front door', 'private', true, true],
      [2, 'Driveway', 'onvif', true, true],
      [3, 'PoE port 1', 'private', true, true],
    ]);
    expect(read.notes[0]).toMatch(/older CGI/);
    // Six reads, one challenge: the NVR keeps its nonce, so every read after the first is one round trip.
    expect(rpcOf(site).stats().cgiRequests).toBe(7);
    expect(rpcOf(site).stats().passwordInUrl).toBe(0);
  });

  it('a wrong password is one refused request, counted once, and ends the read', async () => {
    const gate = new CredentialGate({ clock });
    const before = rpcOf(site).stats();
    const err = (await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: 'Wrong-cgi-1', gate, clock }).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('wrong-password');
    const after = rpcOf(site).stats();
    expect(after.loginFailures).toBe(before.loginFailures + 1);
    expect(after.cgiRequests).toBe(before.cgiRequests + 2); // the challenge, then the one refused answer
    expect(gate.status(rpcOf(site).url).failures).toBe(1);
    // Right password: the NVR's consecutive counter clears for the other tests.
    await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password, gate: new CredentialGate({ clock }), clock });
  });
});

/**
 * A CGI endpoint whose Digest is the simulated camera's own server side
 * (sim/onvif/auth.ts, an independent reading of RFC 7616), with the nonce
 * behaviours DOMAIN.md lists: a nonce kept for a while, a nonce per request
 * with `Connection: close` (the rroller/dahua issue tracker's Dahua devices),
 * a nonce per request without it, and nonces that go stale.
 */
describe('CGI Digest: nonce reuse where the device allows it, a fresh challenge where it does not', () => {
  const PW = 'Cgi-pass-2024';
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  const LINES: Record<string, string> = {
    getSerialNo: 'sn=CGI0001',
    getDeviceType: 'type=NVR4108HS',
    getSoftwareVersion: 'version=4.001',
    getConfig: 'table.RemoteDevice[0].Enable=true\r\ntable.RemoteDevice[0].Address=127.62.20.50\r\ntable.RemoteDevice[0].Port=37777\r\ntable.RemoteDevice[0].ProtocolType=Private',
    getCameraState: 'states[0].channel=0\r\nstates[0].connectionState=Connected',
  };

  type Answer = (req: IncomingMessage, res: ServerResponse) => boolean;

  async function cgiDevice(host: string, faults: Partial<DeviceFaults>, answer?: Answer) {
    let requests = 0;
    let failures = 0;
    const f: DeviceFaults = { ...DEFAULT_FAULTS, auth: 'digest-md5-only', ...faults };
    // The device's clock moves 600 ms a request: a nonce with a 1 s life is stale two requests on.
    const auth = new DeviceAuth('Login to CGI0001', () => requests * 600, () => f);
    const server = createServer((req, res) => {
      requests++;
      if (answer?.(req, res)) return;
      const close = f.connectionClose ? { Connection: 'close' } : {};
      const outcome = auth.verify(req.headers.authorization, 'GET', req.url ?? '', undefined, (u) => (u === 'admin' ? PW : undefined));
      if (outcome.kind === 'fail') failures++;
      if (outcome.kind !== 'ok') return void res.writeHead(401, { 'WWW-Authenticate': auth.challenges(outcome.kind === 'stale'), ...close }).end();
      const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name');
      const body = name === 'ChannelTitle' ? 'table.ChannelTitle[0].Name=Door' : LINES[new URL(req.url ?? '/', 'http://x').searchParams.get('action') ?? ''];
      res.writeHead(body ? 200 : 501, close).end(body ?? 'Error');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, host, r));
    return { url: `http://${host}:${(server.address() as AddressInfo).port}`, requests: () => requests, failures: () => failures };
  }

  const clock = new OffsetClock();
  const read = (url: string, gate = new CredentialGate({ clock }), password = PW) => readNvrCgi({ url, username: 'admin', password, gate, clock, timeoutMs: 2000 });

  // Six reads each. A refusal of a reused nonce carries the fresh challenge the retry signs with.
  it.each<[string, string, Partial<DeviceFaults>, number, number]>([
    ['a device that keeps its nonce: challenged once, then one round trip a read, nothing refused', '127.62.20.1', {}, 1 + 6, 0],
    ['a nonce per request with Connection: close: a fresh challenge for every read, never a refused sign-in', '127.62.20.2', { singleUseNonce: true, connectionClose: true }, 2 * 6, 0],
    ['a nonce per request without Connection: close: one refused reuse, spent as the device logs it, then fresh challenges', '127.62.20.3', { singleUseNonce: true }, 2 + 2 + 2 * 4, 1],
    ['a stale nonce is signed again with the new one and never counted', '127.62.20.5', { nonceTtlMs: 1000 }, 2 * 6, 0],
  ])('%s', async (_name, host, faults, requests, refused) => {
    const d = await cgiDevice(host, faults);
    const gate = new CredentialGate({ clock });
    const r = await read(d.url, gate);
    expect(r.identity).toEqual({ serial: 'CGI0001', model: 'NVR4108HS', firmware: '4.001' });
    expect(r.channels.map((c) => [c.channel, c.name, c.online])).toEqual([[1, 'Door', true]]);
    expect([d.requests(), d.failures(), gate.status(d.url).failures]).toEqual([requests, refused, refused]);
  });

  it('that refused reuse spending the last try: no signed request goes out after it', async () => {
    const d = await cgiDevice('127.62.20.4', { singleUseNonce: true });
    const gate = new CredentialGate({ clock, maxFailures: 1 });
    const err = (await read(d.url, gate).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('budget');
    expect([d.requests(), d.failures()]).toEqual([3, 1]);
  });

  it('a stale nonce is signed again with the new one and never counted', async () => {
    const d = await cgiDevice('127.62.20.5', { nonceTtlMs: 1000 });
    const gate = new CredentialGate({ clock });
    expect((await read(d.url, gate)).identity.serial).toBe('CGI0001');
    expect(d.requests()).toBe(12);
    expect([d.failures(), gate.status(d.url).failures]).toEqual([0, 0]);
  });

  it('a wrong password: refused on a fresh challenge, counted once, the read ends', async () => {
    const d = await cgiDevice('127.62.20.6', {});
    const gate = new CredentialGate({ clock });
    const err = (await read(d.url, gate, 'Wrong-pass-1').catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('wrong-password');
    expect([d.requests(), d.failures(), gate.status(d.url).failures]).toEqual([2, 1, 1]);
  });

  // The hostile answers come before any sign-in, as a device's web server would send them.
  it.each<[string, Answer, RegExp]>([
    ['an oversized answer', (req, res) => (/getSerialNo/.test(req.url ?? '') ? (res.writeHead(200).end('sn=' + 'x'.repeat(3 * 1024 * 1024)), true) : false), /Serial number: .*larger than 2048 KB/],
    ['a redirect', (req, res) => (/getSerialNo/.test(req.url ?? '') ? (res.writeHead(302, { Location: 'http://127.62.20.99/' }).end(), true) : false), /Serial number: .*302 redirect, not followed/],
    ['a 401 without Digest', (req, res) => (/getSerialNo/.test(req.url ?? '') ? (res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end(), true) : false), /Serial number: .*no Digest challenge/],
  ])('%s on an optional read is a note, not a crash', async (_name, answer, note) => {
    const d = await cgiDevice('127.62.20.7', {}, answer);
    const r = await read(d.url);
    expect(r.notes.join('\n')).toMatch(note);
    expect(r.identity.model).toBe('NVR4108HS');
  });
});
