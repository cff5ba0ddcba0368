import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
  let origin = '';
  let hostHeader = '';

  const server = createServer((req, res) => void serveHttp(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  async function serveHttp(req: IncomingMessage, res: ServerResponse) {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return deny(res, 403, 'loopback only');
    // A DNS-rebinding page would arrive with its own Host header.
    if (req.headers.host !== hostHeader) return deny(res, 421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method');
    const file = await readRendererFile(opts.staticDir, req.url ?? '/');
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

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = checkUpgrade(req);
    if (refusal) {
      log.warn('refused WebSocket', { reason: refusal, remote: req.socket.remoteAddress });
      socket.end(`HTTP/1.1 ${refusal.startsWith('token') ? '401 Unauthorized' : '403 Forbidden'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function checkUpgrade(req: IncomingMessage): string | undefined {
    return refuseUpgrade(
      { remoteAddress: req.socket.remoteAddress, host: req.headers.host, origin: req.headers.origin, url: req.url },
      { hostHeader, origin, token },
    );
  }

  function attach(ws: WebSocket) {
    const unsubscribe = opts.events.subscribe((name, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'event', name, payload }));
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => unsubscribe());
    ws.on('message', (raw, isBinary) => void onMessage(ws, raw.toString(), isBinary));
  }

  async function onMessage(ws: WebSocket, raw: string, isBinary: boolean) {
    let data: unknown;
    try {
      data = isBinary ? undefined : JSON.parse(raw);
    } catch {
      data = undefined;
    }
    const msg = ClientMessage.safeParse(data);
    if (!msg.success) {
      log.warn('refused malformed message', { bytes: raw.length });
      const message = 'Malformed message: expected {kind:"call", id, name, input}.';
      // Answer the call if we can tell which it was, so the page does not wait forever.
      const id = (data as { id?: unknown } | undefined)?.id;
      ws.send(
        JSON.stringify(
          typeof id === 'number' && Number.isSafeInteger(id)
            ? { kind: 'result', id, envelope: { ok: false, error: { code: 'bad-request', message } } }
            : { kind: 'error', message },
        ),
      );
      return;
    }
    const envelope = await opts.dispatch(msg.data.name, msg.data.input, { host: 'browser' });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'result', id: msg.data.id, envelope }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The browser host has no TCP address.');
  hostHeader = `${host}:${address.port}`;
  origin = `http://${hostHeader}`;
  log.info('browser host listening', { origin });

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port: address.port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
