// Hostile device answers end one device each, with a clear outcome; the run goes on;
// no credential goes anywhere but the chosen address. Loopback 127.55.4.0/24 only.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from './engine';
import { onvifClientFactory } from './onvif-factory';

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const SOAP = 'application/soap+xml; charset=utf-8';
const env = (inner: string) =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body>${inner}</s:Body></s:Envelope>`;
const dateTime = () => {
  const d = new Date();
  return env(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`);
};
const challenge = 'Digest realm="cam", qop="auth", nonce="abc123", opaque="xyz", algorithm=MD5';

/** A device that answers the clock call properly, takes any Digest credential, and misbehaves on `op`. */
function onvifish(op: 'GetUsers' | 'SetUser', bad: Behaviour): Behaviour {
  return (req, res, body) => {
    if (body.includes('GetSystemDateAndTime')) return void res.writeHead(200, { 'Content-Type': SOAP }).end(dateTime());
    if (!req.headers.authorization) return void res.writeHead(401, { 'WWW-Authenticate': challenge }).end();
    if (body.includes(`<tds:${op}`)) return bad(req, res, body);
    if (body.includes('GetUsers')) return void res.writeHead(200, { 'Content-Type': SOAP }).end(env('<tds:GetUsersResponse><tds:User><tt:Username>admin</tt:Username><tt:UserLevel>Administrator</tt:UserLevel></tds:User></tds:GetUsersResponse>'));
    res.writeHead(200, { 'Content-Type': SOAP }).end(env('<tds:SetUserResponse/>'));
  };
}

const behaviours: Record<string, Behaviour> = {
  oversized: (_q, res) => {
    res.writeHead(200, { 'Content-Type': SOAP });
    res.end(env(`<tds:GetSystemDateAndTimeResponse>${'<x>y</x>'.repeat(400_000)}</tds:GetSystemDateAndTimeResponse>`));
  },
  malformed: (_q, res) => void res.writeHead(200, { 'Content-Type': SOAP }).end('<s:Envelope><s:Body><tds:Get'),
  wrongType: (_q, res) => void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login page</html>'),
  endless: (_q, res) => {
    res.writeHead(200, { 'Content-Type': SOAP });
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('<a>'.repeat(10_000))), 1);
  },
  redirect: (_q, res) => void res.writeHead(307, { Location: `http://127.55.4.99:${trapPort}/onvif/device_service` }).end(),
  sha512: (req, res, body) => {
    if (body.includes('GetSystemDateAndTime')) return void res.writeHead(200, { 'Content-Type': SOAP }).end(dateTime());
    res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="cam", qop="auth", nonce="n", algorithm=SHA-512-256' }).end();
    void req;
  },
  unknownFault: onvifish('SetUser', (_q, res) =>
    void res.writeHead(400, { 'Content-Type': SOAP }).end(env('<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:OperationProhibited</s:Value><s:Subcode><s:Value>ter:BrandNewRule</s:Value></s:Subcode></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">nope</s:Text></s:Reason></s:Fault>')),
  ),
  usersGarbage: onvifish('GetUsers', (_q, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"users": []}')),
  healthy: onvifish('SetUser', (_q, res) => void res.writeHead(200, { 'Content-Type': SOAP }).end(env('<tds:SetUserResponse/>'))),
};

let trapPort = 0;
const trapHits: string[] = [];
const servers: http.Server[] = [];
const xaddrs: Record<string, string> = {};

function listen(server: http.Server, host: string): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  const trap = http.createServer((req, res) => {
    trapHits.push(`${req.method} ${req.url} auth=${req.headers.authorization ? 'yes' : 'no'}`);
    res.writeHead(500).end();
  });
  trapPort = await listen(trap, '127.55.4.99');
  let host = 10;
  for (const [name, b] of Object.entries(behaviours)) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => b(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    const addr = `127.55.4.${host++}`;
    xaddrs[name] = `http://${addr}:${await listen(server, addr)}/onvif/device_service`;
  }
  // TLS with a certificate nobody trusts: a plain http server answering https gives a handshake error.
  const notTls = http.createServer((_q, res) => res.end());
  xaddrs.tls = `https://127.55.4.50:${await listen(notTls, '127.55.4.50')}/onvif/device_service`;
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

describe('hostile devices', () => {
  it('each ends with a clear outcome, the run continues, and no credential leaves for another address', async () => {
    const clients = onvifClientFactory(8);
    const names = Object.keys(xaddrs);
    const { rows } = await runSync({
      targets: names.map((n) => ({ xaddr: xaddrs[n]!, username: 'admin' })),
      currentPasswords: ['Old-pass-1'], newPassword: 'New-pass-2', clientFactory: clients.factory,
      timeoutMs: 1500, retries: 0, lateApplyMs: 1,
    });
    clients.dispose();
    const by = Object.fromEntries(rows.map((r, i) => [names[i]!, r]));
    expect(by.oversized!.outcome).toBe('unsupported');
    expect(by.malformed!.outcome).toBe('unsupported');
    expect(by.wrongType!.outcome).toBe('unsupported');
    expect(['unsupported', 'timeout']).toContain(by.endless!.outcome);
    expect(by.redirect).toMatchObject({ outcome: 'unsupported' });
    expect(by.sha512).toMatchObject({ outcome: 'unsupported', subcode: 'auth-method' });
    expect(by.unknownFault).toMatchObject({ outcome: 'rejected', subcode: 'BrandNewRule' });
    expect(by.unknownFault!.nextStep).toMatch(/does not know/);
    expect(by.usersGarbage!.outcome).toBe('unsupported');
    expect(by.tls).toMatchObject({ outcome: 'unreachable', subcode: 'tls' });
    // A device that accepts any password looks like a clean camera without a look a clean camera would refuse:
    // the engine no longer spends one (pipeline.ts), so it ends updated on its own answers — and its row claims
    // no more than that (the new password signs in), never that the old one was refused.
    expect(by.healthy!.outcome).toBe('updated');
    expect(by.healthy!.detail).not.toMatch(/old/);
    for (const r of rows) {
      expect(r.detail, r.xaddr).not.toBe('');
      expect(r.nextStep).not.toBe('');
    }
    expect(trapHits).toEqual([]);
  }, 30_000);
});
