import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../core/dispatch';
import type { EventBus } from '../core/events';
import type { Logger } from '../core/log';
import { isLoopbackAddress } from './loopback';
import { ClientMessage, MAX_MESSAGE_BYTES } from './protocol';
import { readRendererFile, rendererCsp } from '../core/renderer-files';

export interface BrowserHostOptions {
  dispatch: Dispatch;
  events: EventBus;
  log: Logger;
  /** Folder of the built renderer (out/renderer). */
  staticDir: string;
  /** Loopback address to listen on; anything else is refused. */
  host?: string;
  port?: number;
  /** The access token to require (a restart keeps the last launch's: see host-state.ts); a fresh random one otherwise. */
  token?: string;
}

export interface BrowserHost {
  /** What to open: includes the per-launch token in the fragment. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CSP = rendererCsp({ websocket: true });

/** What a request must carry to reach the app: the exact Host header, the page's Origin, the access token. */
interface Expected {
  hostHeader: string;
  origin: string;
  token: string;
}

/**
 * The browser host: main's services for a page in Chromium. Loopback only, a
 * random token per launch, and an Origin + Host check, so neither another
 * machine nor another web page open in the same browser can drive the app.
 */
export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new Error(`The browser host listens on loopback only, not ${host}.`);
  const token = opts.token ?? newToken();
  const log = opts.log.child('browser-host');
  const server = createServer();
  const port = await listen(server, host, opts.port ?? 0);
  const expected: Expected = { hostHeader: `${host}:${port}`, origin: `http://${host}:${port}`, token };
  // Wired before control returns to the event loop, so no request can arrive unanswered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void serveFile(opts.staticDir, expected, req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (admitUpgrade(req, socket, expected, log)) wss.handleUpgrade(req, socket, head, (ws) => attach(ws, opts, log));
  });
  log.info('browser host listening', { origin: expected.origin });

  return {
    url: `${expected.origin}/#token=${token}`,
    origin: expected.origin,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on the loopback address; the port the system gave. */
async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The browser host has no TCP address.');
  return address.port;
}

/** The built renderer, GET and HEAD only, with the app's CSP. */
async function serveFile(staticDir: string, expected: Expected, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return deny(res, 403, 'loopback only');
  // A DNS-rebinding page would arrive with its own Host header.
  if (req.headers.host !== expected.hostHeader) return deny(res, 421, 'wrong host');
  if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method');
  const file = await readRendererFile(staticDir, req.url ?? '/');
  if (!file) return deny(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** Whether a WebSocket upgrade may proceed; a refused one is answered (401 for the token, else 403) and logged. */
function admitUpgrade(req: IncomingMessage, socket: Duplex, expected: Expected, log: Logger): boolean {
  const refusal = refuseUpgrade({ remoteAddress: req.socket.remoteAddress, host: req.headers.host, origin: req.headers.origin, url: req.url }, expected);
  if (!refusal) return true;
  log.warn('refused WebSocket', { reason: refusal, remote: req.socket.remoteAddress });
  socket.end(`HTTP/1.1 ${refusal.startsWith('token') ? '401 Unauthorized' : '403 Forbidden'}\r\nConnection: close\r\n\r\n`);
  return false;
}

/** One page's connection: the app's events out, its calls in. */
function attach(ws: WebSocket, opts: BrowserHostOptions, log: Logger): void {
  const unsubscribe = opts.events.subscribe((name, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'event', name, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('error', () => unsubscribe());
  ws.on('message', (raw, isBinary) => void onMessage(ws, raw.toString(), isBinary, opts.dispatch, log));
}

async function onMessage(ws: WebSocket, raw: string, isBinary: boolean, dispatch: Dispatch, log: Logger): Promise<void> {
  const data = isBinary ? undefined : parseJson(raw);
  const msg = ClientMessage.safeParse(data);
  if (!msg.success) {
    log.warn('refused malformed message', { bytes: raw.length });
    ws.send(JSON.stringify(malformedAnswer(data)));
    return;
  }
  const envelope = await dispatch(msg.data.name, msg.data.input, { host: 'browser' });
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'result', id: msg.data.id, envelope }));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The call's own result when we can tell which call it was, so the page does not wait forever; else a bare error. */
function malformedAnswer(data: unknown): object {
  const message = 'Malformed message: expected {kind:"call", id, name, input}.';
  const id = (data as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id)
    ? { kind: 'result', id, envelope: { ok: false, error: { code: 'bad-request', message } } }
    : { kind: 'error', message };
}

/** A fresh access token for the page: 24 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface UpgradeRequest {
  remoteAddress?: string;
  host?: string;
  origin?: string;
  url?: string;
}

/** Why a WebSocket upgrade is refused, or undefined when it may proceed. */
export function refuseUpgrade(req: UpgradeRequest, want: { hostHeader: string; origin: string; token: string }): string | undefined {
  if (!isLoopbackAddress(req.remoteAddress)) return 'remote address is not loopback';
  if (req.host !== want.hostHeader) return 'wrong Host header';
  let url: URL;
  try {
    url = new URL(req.url ?? '/', want.origin);
  } catch {
    return 'wrong path';
  }
  if (url.pathname !== '/ws') return 'wrong path';
  if (req.origin !== want.origin) return 'foreign Origin';
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(want.token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'token missing or wrong';
  return undefined;
}

function deny(res: ServerResponse, status: number, why: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status} ${why}\n`);
}
