import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher, type Handlers } from '../core/dispatch';
import { EventBus } from '../core/events';
import { createLogger, SecretRegistry } from '../core/log';
import { isLoopbackAddress } from './loopback';
import { refuseUpgrade, startBrowserHost, type BrowserHost } from './server';

const hosts: BrowserHost[] = [];
afterEach(async () => {
  while (hosts.length) await hosts.pop()?.close();
});

async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'nvr-host-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>ok</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
  const log = createLogger({ dir: join(dir, 'logs'), secrets: new SecretRegistry() });
  const events = new EventBus();
  const handlers = { 'app.advanceClock': ({ ms }: { ms: number }) => ({ clockOffsetMs: ms }) } as unknown as Handlers;
  const host = await startBrowserHost({ dispatch: createDispatcher(handlers, log), events, log, staticDir: join(dir, 'renderer') });
  hosts.push(host);
  return { host, events };
}

function get(host: BrowserHost, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(host: BrowserHost, opts: { token?: string; origin?: string } = {}) {
  const token = opts.token ?? host.token;
  return new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${encodeURIComponent(token)}`, {
    headers: { origin: opts.origin ?? host.origin },
  });
}

function rejection(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
    ws.on('open', () => resolve(101));
  });
}

describe('browser host', () => {
  it('listens on loopback only', async () => {
    const { host } = await start();
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const log = createLogger({ secrets: new SecretRegistry() });
    const base = { dispatch: createDispatcher({} as Handlers, log), events: new EventBus(), log, staticDir: '.' };
    await expect(startBrowserHost({ ...base, host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
    await expect(startBrowserHost({ ...base, host: '192.168.1.20' })).rejects.toThrow(/loopback only/);
    await expect(startBrowserHost({ ...base, host: '::' })).rejects.toThrow(/loopback only/);
  });

  it('serves the renderer with a strict CSP, and nothing outside it', async () => {
    const { host } = await start();
    const ok = await get(host, '/');
    expect(ok.status).toBe(200);
    expect(String(ok.headers['content-security-policy'])).toMatch(/default-src 'none'; script-src 'self'/);
    expect((await get(host, '/../secret.txt')).status).toBe(404);
    expect((await get(host, '/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get(host, '/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another Origin', async () => {
    const { host } = await start();
    expect(await rejection(connect(host, { token: '' }))).toBe(401);
    expect(await rejection(connect(host, { token: 'x'.repeat(host.token.length) }))).toBe(401);
    expect(await rejection(connect(host, { origin: 'http://evil.example' }))).toBe(403);
    expect(await rejection(connect(host, { origin: 'null' }))).toBe(403);
    expect(await rejection(connect(host, { origin: `http://localhost:${host.port}` }))).toBe(403);
  });

  it('carries calls and events, and survives malformed messages', async () => {
    const { host, events } = await start();
    const ws = connect(host);
    const messages: unknown[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    await new Promise((r) => ws.on('open', r));
    ws.send('not json');
    ws.send(JSON.stringify({ kind: 'call', id: 'x' }));
    ws.send(JSON.stringify({ kind: 'call', id: 1, name: 'app.nope', input: {} }));
    ws.send(JSON.stringify({ kind: 'call', id: 2, name: 'app.advanceClock', input: { ms: 'bad' } }));
    ws.send(JSON.stringify({ kind: 'call', id: 3, name: 'app.advanceClock', input: { ms: 7 } }));
    // Every message is answered (the host never leaves a page waiting), so five sent means five back.
    await expect.poll(() => messages.length).toBe(5);
    events.emit('app.notice', { level: 'info', message: 'hello', at: 1 });
    await expect.poll(() => messages.length).toBe(6);
    ws.close();
    expect(messages.filter((m) => (m as { kind: string }).kind === 'error')).toHaveLength(2);
    expect(messages).toContainEqual({ kind: 'result', id: 1, envelope: expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'unknown-call' }) }) });
    expect(messages).toContainEqual({ kind: 'result', id: 2, envelope: expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'bad-request' }) }) });
    expect(messages).toContainEqual({ kind: 'result', id: 3, envelope: { ok: true, value: { clockOffsetMs: 7 } } });
    expect(messages).toContainEqual({ kind: 'event', name: 'app.notice', payload: { level: 'info', message: 'hello', at: 1 } });
  });
});

describe('upgrade checks', () => {
  const want = { hostHeader: '127.0.0.1:5000', origin: 'http://127.0.0.1:5000', token: 'tok-123' };
  const good = { remoteAddress: '127.0.0.1', host: want.hostHeader, origin: want.origin, url: '/ws?token=tok-123' };
  it('accepts the app page', () => expect(refuseUpgrade(good, want)).toBeUndefined());
  it.each([
    ['a non-loopback peer', { remoteAddress: '192.168.1.50' }, /not loopback/],
    ['an IPv6 non-loopback peer', { remoteAddress: 'fe80::1' }, /not loopback/],
    ['a missing peer', { remoteAddress: undefined }, /not loopback/],
    ['a rebinding Host', { host: 'evil.example:5000' }, /Host/],
    ['another path', { url: '/other?token=tok-123' }, /path/],
    ['no Origin', { origin: undefined }, /Origin/],
    ['a foreign Origin', { origin: 'https://evil.example' }, /Origin/],
    ['no token', { url: '/ws' }, /token/],
    ['a wrong token', { url: '/ws?token=tok-124' }, /token/],
  ])('refuses %s', (_l, patch, reason) => {
    expect(refuseUpgrade({ ...good, ...patch }, want)).toMatch(reason);
  });
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['0.0.0.0', false],
    ['localhost', false],
    ['', false],
  ])('isLoopbackAddress(%s) = %s', (addr, want) => expect(isLoopbackAddress(addr)).toBe(want));
});
