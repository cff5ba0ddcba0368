import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlerFor } from './personality';
import { errorBody, isRefusal, obj, type Handler } from './rpc/answers';
import { makeCgi } from './rpc/cgi';
import { KEEPALIVE_S, login, Sessions } from './rpc/login';
import { initialFaults, keyRing, mergeFaults, newStats, withDefaults, type Nvr } from './rpc/nvr';
import { makePoller, type Poller } from './rpc/poll';
import { CODES, type NvrRequest, type NvrRpcFaultOptions, type NvrRpcFaults, type NvrRpcStats, type SimChannel, type StoredChannel } from './rpc/types';
import { enabled } from './rpc/slots';
import { looksSealed } from './sec-camera';

/**
 * The simulated NVR's web JSON-RPC (what its own web page uses), written from DOMAIN.md and
 * public reference clients, independently of main/: /RPC2_Login (login.ts, every login
 * variant), /RPC2 with sessions and one handler per method (personality.ts: the older
 * RemoteDevice table or the newer LogicDeviceManager camera list with sealed calls), the
 * CGI reads (cgi.ts), and the NVR signing in to its cameras (poll.ts).
 *
 * Choose the firmware and faults with `faults` (site option `nvrRpc`), e.g.
 * `nvrRpc: { firmware: 'logic-device-manager' }`; the default is the older table.
 * Tests judge a client by the NVR's own state: `stored(i)`, `requests()`, `stats()`,
 * and the cameras' own counters.
 */

export { CODES, DEFAULT_RPC_FAULTS } from './rpc/types';
export type { NvrRequest, NvrRpcFaultOptions, NvrRpcFaults, NvrRpcStats, SimChannel, StoredChannel } from './rpc/types';

export interface NvrRpcOptions {
  address: string;
  port?: number;
  identity: { serialNumber: string; model: string; firmwareVersion: string };
  /** The NVR's accounts (shared with its ONVIF service and reset page). */
  password(username: string): string | undefined;
  channels: SimChannel[];
  faults?: NvrRpcFaultOptions;
  clock?: () => number;
  /**
   * How often the NVR signs in to each channel's camera in the background; 0 = no
   * background round: a camera-state read then starts a round itself when the last
   * one is older than `stateMaxAgeMs`, so states are real without hammering cameras
   * in tests that never look.
   */
  pollMs?: number;
  /** Default 5000. */
  stateMaxAgeMs?: number;
}

export interface NvrRpcSim {
  url: string;
  port: number;
  channels: SimChannel[];
  faults: NvrRpcFaults;
  setFaults(f: NvrRpcFaultOptions): void;
  stats(): NvrRpcStats;
  /** Every request the NVR received, oldest first (a copy). */
  requests(): NvrRequest[];
  /** What channel `uniqueChannel` (0-based) stores, read from the NVR itself. */
  stored(uniqueChannel: number): StoredChannel;
  /** One round of the NVR signing in to every enabled channel's camera. */
  pollNow(): Promise<void>;
  /** Starts or changes the background round (ms; 0 stops it). */
  setPollInterval(ms: number): void;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

interface Server {
  address: string;
  nvr: Nvr;
  sessions: Sessions;
  poller: Poller;
  stateMaxAgeMs: number;
}

export async function startNvrRpc(o: NvrRpcOptions): Promise<NvrRpcSim> {
  if (!o.address.startsWith('127.')) throw new Error(`the NVR RPC binds to loopback only, got ${o.address}`);
  const faults = initialFaults(o.faults);
  const channels = o.channels.map(withDefaults);
  const nvr: Nvr = {
    identity: o.identity, password: o.password, realm: `Login to ${o.identity.serialNumber}`, faults, channels,
    homes: channels.map((c) => ({ address: c.address, port: c.port })), stats: newStats(), log: [], now: o.clock ?? Date.now, key: keyRing(faults),
  };
  // Made before the first getEncryptInfo, so a client's first sealed call is not slowed by key generation.
  if (faults.firmware === 'logic-device-manager') nvr.key();
  const poller = makePoller(nvr, o.pollMs ?? 0);
  const server = listen({ address: o.address, nvr, sessions: new Sessions(), poller, stateMaxAgeMs: o.stateMaxAgeMs ?? 5000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.address, () => (server.off('error', reject), resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.address}:${port}`,
    port,
    channels,
    faults,
    setFaults: (f) => void mergeFaults(faults, f),
    stats: () => ({ ...nvr.stats, calls: { ...nvr.stats.calls }, lockedUntil: nvr.now() < nvr.stats.lockedUntil ? nvr.stats.lockedUntil : 0 }),
    requests: () => nvr.log.map((r) => ({ ...r, ...(r.uniqueChannels ? { uniqueChannels: [...r.uniqueChannels] } : {}) })),
    stored: (i) => storedOf(nvr, i),
    pollNow: poller.pollNow,
    setPollInterval: poller.setPollInterval,
    async stop() {
      poller.setPollInterval(0);
      await poller.settled();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function storedOf(nvr: Nvr, i: number): StoredChannel {
  const c = nvr.channels[i];
  if (!c) throw new Error(`the NVR has no channel ${i} (0-based)`);
  return { enable: enabled(c), address: c.address, port: c.port, username: c.username, password: c.password, state: c.state, refusedLogins: c.refusedLogins ?? 0 };
}

function listen(s: Server) {
  const cgi = makeCgi(s.nvr, s.poller);
  return createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { Connection: 'close' });
        res.end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size <= MAX_BODY) void handle(s, cgi, req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function send(s: Server, res: ServerResponse, body: unknown, status = 200) {
  if (s.nvr.faults.notJson) {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return void res.end('<html><body>Web service restarting…</body></html>');
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function logged(s: Server, path: string, raw: string): { body: Record<string, unknown> | undefined; entry: NvrRequest } {
  let body: Record<string, unknown> | undefined;
  try {
    body = obj(JSON.parse(raw));
  } catch {
    body = undefined;
  }
  const sealed = looksSealed(body?.['params']);
  const entry: NvrRequest = { path, method: typeof body?.['method'] === 'string' ? body['method'] : '', sealed, raw };
  if (sealed) {
    entry.weakKey = s.nvr.faults.key !== 'rsa-2048';
    if (entry.weakKey) s.nvr.stats.sealedWithWeakKey++;
  }
  s.nvr.log.push(entry);
  return { body, entry };
}

async function handle(s: Server, cgi: ReturnType<typeof makeCgi>, req: IncomingMessage, res: ServerResponse, raw: string) {
  const { faults } = s.nvr;
  if (faults.httpsRedirect) {
    res.writeHead(302, { Location: `https://${s.address}/`, 'Content-Length': 0 });
    return void res.end();
  }
  const path = (req.url ?? '').split('?')[0]!;
  if (path.startsWith('/cgi-bin/')) {
    s.nvr.log.push({ path, method: new URL(req.url ?? '/', 'http://nvr').searchParams.get('action') ?? '', sealed: false, raw: req.url ?? '' });
    return void cgi(req, res);
  }
  if (faults.rpcMissing || req.method !== 'POST' || (path !== '/RPC2_Login' && path !== '/RPC2')) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return void res.end('not found');
  }
  const { body, entry } = logged(s, path, raw);
  if (!body) return send(s, res, errorBody(null, 0, CODES.invalidRequest, 'Invalid request'));
  if (path === '/RPC2_Login') {
    if (body['method'] !== 'global.login') return send(s, res, errorBody(body['id'], 0, CODES.invalidRequest, 'Only global.login here'));
    const answer = login(s.nvr, s.sessions, body);
    return send(s, res, answer.body, answer.status);
  }
  const answer = await dispatch(s, body, entry);
  // Carried out, but the answer never arrives: what the client cannot tell from a write that did not land.
  if (faults.dropAnswer.includes(entry.method)) return void res.socket?.destroy();
  if (faults.stallAnswer.includes(entry.method)) return;
  send(s, res, answer);
}

/** One /RPC2 call: the session, the session faults, then the method's handler. */
async function dispatch(s: Server, body: Record<string, unknown>, entry: NvrRequest): Promise<unknown> {
  const { nvr, sessions } = s;
  const { id, session: sid } = body;
  const session = sessions.get(sid);
  if (!session || !session.active || nvr.now() - session.lastSeen > KEEPALIVE_S * 2000) {
    if (session) sessions.delete(session);
    return errorBody(id, sid ?? 0, CODES.invalidSession, 'Invalid session in request data!');
  }
  const method = entry.method;
  nvr.stats.calls[method] = (nvr.stats.calls[method] ?? 0) + 1;
  session.calls++;
  if (nvr.faults.expireSessionAfterCalls > 0 && session.calls > nvr.faults.expireSessionAfterCalls) {
    sessions.delete(session);
    if (nvr.faults.expireSessionTimes > 0 && --nvr.faults.expireSessionTimes === 0) nvr.faults.expireSessionAfterCalls = 0;
    return errorBody(id, sid, CODES.invalidSession, 'Invalid session in request data!');
  }
  session.lastSeen = nvr.now();
  const handler: Handler | undefined = handlerFor(nvr.faults, method);
  const r = handler
    ? await handler({ nvr, params: body['params'], entry, session, endSession: () => sessions.delete(session), freshStates: () => s.poller.fresh(s.stateMaxAgeMs) })
    : { code: CODES.methodNotFound, message: 'Method not found' };
  if (isRefusal(r)) return errorBody(id, sid, r.code, r.message, r.params);
  return { id, ...r, session: sid };
}
