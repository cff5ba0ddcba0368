// The UPnP description fetch against hostile local devices. Socket test: run inside `unshare -n`
// (scripts/sandbox.sh). Loopback block 127.31.6.0/24 is this file's own.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDescription, type FetchLimits } from './describe';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function device(address: string, handler: RequestListener): Promise<{ base: string; hits: () => number }> {
  let hits = 0;
  const s = createServer((req, res) => (hits++, handler(req, res)));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, address, r));
  return { base: `http://${address}:${(s.address() as AddressInfo).port}`, hits: () => hits };
}

const ADAPTER = { address: '127.31.6.1', prefix: 24 };
const limits = (responder: string, more: Partial<FetchLimits> = {}): FetchLimits => ({ responder, adapter: ADAPTER, timeoutMs: 2000, ...more });
const DESC = '<root><device><serialNumber>S1</serialNumber></device></root>';

describe('fetchDescription', () => {
  it('reads the description, following a redirect on the responder itself', async () => {
    const d = await device('127.31.6.10', (req, res) => (req.url === '/desc.xml' ? res.end(DESC) : res.writeHead(302, { Location: '/desc.xml' }).end()));
    expect(await fetchDescription(`${d.base}/old.xml`, limits('127.31.6.10'))).toEqual({ ok: true, body: DESC, url: `${d.base}/desc.xml` });
  });

  it.each<[string, (base: string) => string, string, FetchLimits['responder'], Partial<FetchLimits>]>([
    ['a LOCATION on another host', () => 'http://127.31.6.99:1/desc.xml', 'host-mismatch', '127.31.6.11', {}],
    ['a host name instead of an address', () => 'http://nvr.local/desc.xml', 'host-mismatch', '127.31.6.11', {}],
    ['an address outside the adapter network', () => 'http://127.31.7.11/desc.xml', 'off-network', '127.31.7.11', {}],
    ['https', () => 'https://127.31.6.11/desc.xml', 'fetch-failed', '127.31.6.11', {}],
    ['not a URL', () => 'http://[zz/', 'fetch-failed', '127.31.6.11', {}],
  ])('%s is refused before anything is sent', async (_name, url, reason, responder, more) => {
    const d = await device('127.31.6.11', (_q, res) => res.end(DESC));
    const r = await fetchDescription(url(d.base), limits(responder, more));
    expect(r).toMatchObject({ ok: false, reason });
    expect(d.hits()).toBe(0);
  });

  it.each<[string, RequestListener, string, Partial<FetchLimits>]>([
    ['a redirect to another host', (_q, res) => res.writeHead(302, { Location: 'http://127.31.6.77/desc.xml' }).end(), 'redirect-off-host', {}],
    ['a redirect loop on the host', (_q, res) => res.writeHead(302, { Location: '/again.xml' }).end(), 'fetch-failed', {}],
    ['a declared body over the cap', (_q, res) => res.writeHead(200, { 'Content-Length': 5000 }).end('x'.repeat(5000)), 'oversized', { maxBytes: 1000 }],
    ['a streamed body over the cap', (_q, res) => res.writeHead(200).end('x'.repeat(5000)), 'oversized', { maxBytes: 1000 }],
    [
      'a trickling body',
      (_q, res) => {
        res.writeHead(200);
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('<a>')), 20);
      },
      'timeout',
      { timeoutMs: 300 },
    ],
    ['HTTP 500', (_q, res) => res.writeHead(500).end('oops'), 'fetch-failed', {}],
  ])('%s: dropped with a reason, no crash', async (_name, handler, reason, more) => {
    const d = await device('127.31.6.12', handler);
    expect(await fetchDescription(`${d.base}/desc.xml`, limits('127.31.6.12', more))).toMatchObject({ ok: false, reason });
  });
});
