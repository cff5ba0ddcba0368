// The one HTTP exchange (main/core/http.ts) against hostile local servers. Socket test: run inside
// `unshare -n` (scripts/sandbox.sh). Loopback block 127.26.2.0/24 is this file's own.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { selfSignedCert, startTlsNvr, type TlsNvr } from '../../test/support/tls-nvr';
import { agentFor, HttpFailure, httpRequest, isCertificateFailure, peekCertificate, pinnedTls, textOf, type HttpRequest } from './http';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(address: string, handler: RequestListener): Promise<{ url: URL; hits: () => number }> {
  let hits = 0;
  const s = createServer((req, res) => (hits++, handler(req, res)));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, address, r));
  return { url: new URL(`http://${address}:${(s.address() as AddressInfo).port}/x`), hits: () => hits };
}

const get = (url: URL, more: Partial<HttpRequest> = {}) => httpRequest({ method: 'GET', url, headers: {}, timeoutMs: 2000, ...more });
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('answered'), (e: unknown) => e as HttpFailure);

describe('the capped body read', () => {
  it.each<[string, RequestListener]>([
    ['a declared length over the cap', (_q, res) => res.writeHead(200, { 'Content-Length': 5000 }).end('x'.repeat(5000))],
    ['a streamed (chunked) body over the cap', (_q, res) => res.writeHead(200).end('x'.repeat(5000))],
    [
      'an endless body',
      (_q, res) => {
        res.writeHead(200);
        const tick = () => void (res.destroyed || (res.write('x'.repeat(512)), setImmediate(tick)));
        tick();
      },
    ],
  ])('%s ends the exchange as too-large, before the deadline', async (_name, handler) => {
    const s = await serve('127.26.2.1', handler);
    const e = await failure(get(s.url, { maxBytes: 1000, timeoutMs: 10_000 }));
    expect(e).toBeInstanceOf(HttpFailure);
    expect(e.kind).toBe('too-large');
  });

  it('a body exactly at the cap is read whole', async () => {
    const s = await serve('127.26.2.1', (_q, res) => res.writeHead(200).end('y'.repeat(1000)));
    expect(textOf(await get(s.url, { maxBytes: 1000 }))).toBe('y'.repeat(1000));
  });

  it('a trickling body meets the one deadline; the request had left', async () => {
    const s = await serve('127.26.2.1', (_q, res) => {
      res.writeHead(200);
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('<a>')), 20);
    });
    const e = await failure(get(s.url, { timeoutMs: 300 }));
    expect([e.kind, e.sent]).toEqual(['timeout', true]);
  });
});

describe('redirects, refusals and resets', () => {
  it('a redirect is never followed: a failure by default, the answer itself when asked for', async () => {
    const elsewhere = await serve('127.26.2.3', (_q, res) => res.end('secret sink'));
    const s = await serve('127.26.2.2', (_q, res) => res.writeHead(307, { Location: elsewhere.url.href }).end());
    const e = await failure(get(s.url));
    expect([e.kind, e.status]).toEqual(['redirect', 307]);
    const a = await get(s.url, { returnRedirects: true });
    expect([a.status, a.headers.location]).toEqual([307, elsewhere.url.href]);
    expect(elsewhere.hits()).toBe(0);
  });

  it('nobody listening: unreachable, and nothing was sent', async () => {
    const s = await serve('127.26.2.4', (_q, res) => res.end());
    const port = s.url.port;
    servers.pop()!.close();
    const e = await failure(get(new URL(`http://127.26.2.4:${port}/x`)));
    expect([e.kind, e.sent]).toEqual(['unreachable', false]);
  });

  it('a keep-alive socket that died before any answer is resent once, unless the request changes the device', async () => {
    let n = 0;
    // The second request arrives on the kept-alive socket and the "device" drops it unanswered.
    const s = await serve('127.26.2.5', (req, res) => (++n === 2 ? req.socket.destroy() : res.end(`answer ${n}`)));
    const agent = agentFor(s.url, undefined, 1);
    try {
      expect(textOf(await get(s.url, { agent }))).toBe('answer 1');
      expect(textOf(await get(s.url, { agent }))).toBe('answer 3');
      expect(s.hits()).toBe(3);
      n = 1;
      const e = await failure(httpRequest({ method: 'POST', url: s.url, headers: {}, body: 'change', timeoutMs: 2000, agent, resendOnStaleSocket: false }));
      expect([e.kind, e.sent]).toEqual(['reset', true]);
      expect(s.hits()).toBe(4);
    } finally {
      agent.destroy();
    }
  });
});

describe('https with a pinned self-signed certificate', () => {
  const mine = selfSignedCert('device');
  const other = selfSignedCert('impostor');
  let tls: TlsNvr | undefined;
  afterAll(async () => tls?.stop());

  it('unpinned: a certificate failure before anything is sent; peeked, pinned, it talks; another certificate is refused', async () => {
    tls = await startTlsNvr({ address: '127.26.2.6', cert: mine, answer: { ok: 1 } });
    const url = new URL(tls.url);
    const unpinned = await failure(get(url));
    expect([unpinned.kind, unpinned.sent, isCertificateFailure(unpinned)]).toEqual(['tls', false, true]);
    expect(tls.requests()).toBe(0);

    const cert = await peekCertificate(url, 2000);
    expect(cert.subject).toBe('CN=device');
    expect(tls.requests()).toBe(0);
    expect(textOf(await get(url, { tls: pinnedTls(cert) }))).toBe('{"ok":1}');
    expect(tls.requests()).toBe(1);

    tls.setCert(other);
    const swapped = await failure(get(url, { tls: pinnedTls(cert) }));
    expect([swapped.kind, swapped.sent, isCertificateFailure(swapped)]).toEqual(['tls', false, true]);
    expect(tls.requests()).toBe(1);
  });

  it('a plain-http server on an https address is a broken handshake, not a certificate to confirm', async () => {
    const s = await serve('127.26.2.7', (_q, res) => res.end());
    const e = await failure(get(new URL(`https://127.26.2.7:${s.url.port}/x`)));
    expect(e.kind).toBe('tls');
    expect(isCertificateFailure(e)).toBe(false);
    expect(e.sent).toBe(false);
  });

  it('peeking where nothing listens is unreachable', async () => {
    const s = await serve('127.26.2.8', (_q, res) => res.end());
    const port = s.url.port;
    servers.pop()!.close();
    const e = await failure(peekCertificate(new URL(`https://127.26.2.8:${port}/`), 2000));
    expect([e.kind, e.sent]).toEqual(['unreachable', false]);
  });
});
