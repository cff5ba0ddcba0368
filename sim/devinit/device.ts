import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firmwareOf, type DevInitFirmware } from './firmware';
import { CODES, outsideCall, type Device, type DevInitState, type DevInitStats, type Reply } from './methods';

/**
 * A factory-fresh Dahua-family camera's web service: `/OutsideCmd` (the init
 * wizard's JSON-RPC, no sign-in, methods.ts), and `/RPC2_Login` + `/RPC2`, which
 * answer "not initialised" (268632086) until an account is set and the normal
 * two-step Default-hash sign-in after. Every request body is kept (bounded) so a
 * test can prove no password crossed the wire outside the seal.
 */

export interface DevInitSimOptions {
  address: string;
  port?: number;
  /** The camera's serial: the realm of its sign-in. */
  serial: string;
  firmware?: Partial<DevInitFirmware>;
  /** The device took an account (its ONVIF side follows). */
  onAccount?(password: string): void;
  /**
   * Ms left on a lock of the same admin account held by the camera's other services (its ONVIF side), 0 when
   * none. Whether a real camera shares one counter between its web sign-in and ONVIF is not documented; sharing
   * is the dangerous reading (a recorder hammering ONVIF also locks the web sign-in), so the simulator shares it.
   */
  lockedElsewhere?(): number;
  clock?: () => number;
}

export interface LoggedRequest {
  path: string;
  method: string;
  /** The body exactly as it arrived. */
  body: string;
}

export interface DevInitSim {
  url: string;
  port: number;
  firmware: DevInitFirmware;
  setFirmware(f: Partial<DevInitFirmware>): void;
  /** What the device holds now (its own truth, to judge a run by). */
  state(): Readonly<DevInitState>;
  stats(): DevInitStats;
  /** Every request so far, oldest first (the last 2,000). */
  requests(): LoggedRequest[];
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const MAX_LOG = 2000;
const KEEPALIVE_S = 60;
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

interface Session {
  user: string;
  random: string;
  active: boolean;
}

export async function startDevInitSim(o: DevInitSimOptions): Promise<DevInitSim> {
  if (!o.address.startsWith('127.')) throw new Error(`the simulated camera binds to loopback only, got ${o.address}`);
  const device = freshDevice(o);
  const { firmware, state, stats } = device;
  const log: LoggedRequest[] = [];
  const routes = routesOf(device, loginService(device, `Login to ${o.serial}`, o.clock ?? Date.now, o.lockedElsewhere ?? (() => 0)));
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    stats.requests++;
    // A camera still booting (or nothing at that address): the connection is reset before anything is read.
    if (firmware.down) return void req.socket.destroy();
    readCapped(req, (raw) => {
      const path = (req.url ?? '').split('?')[0]!;
      log.push({ path, method: req.method ?? '', body: raw });
      if (log.length > MAX_LOG) log.shift();
      const route = routes.get(path);
      if (req.method !== 'POST' || !route || (path === '/OutsideCmd' && !firmware.outsideCmd)) return notFound(res);
      answer(req, res, raw, route);
    });
  });
  const port = await listen(server, o.port ?? 0, o.address);

  return {
    url: `http://${o.address}:${port}`,
    port,
    firmware,
    setFirmware(f) {
      Object.assign(firmware, f, f.lockout ? { lockout: { ...firmware.lockout, ...f.lockout } } : {});
    },
    state: () => ({ ...state }),
    stats: () => ({ ...stats, calls: { ...stats.calls } }),
    requests: () => [...log],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A camera as it leaves the factory (or, with `firmware.initialised`, one that already has an unknown password). */
function freshDevice(o: DevInitSimOptions): Device {
  const firmware = firmwareOf(o.firmware);
  const state: DevInitState = { initialised: firmware.initialised, agreed: false, ...(firmware.initialised ? { password: randomBytes(12).toString('base64') } : {}) };
  const stats: DevInitStats = { requests: 0, accountCalls: 0, accountsTaken: 0, weakKeyAccounts: 0, sessionMisuse: 0, logins: 0, loginFailures: 0, calls: {} };
  return { firmware, state, stats, onAccount: (p) => o.onAccount?.(p) };
}

type Route = (body: Record<string, unknown>, method: string) => Reply;

/** The three POST paths, each its handler (`/OutsideCmd` answers only on firmware that has it). */
function routesOf(d: Device, login: ReturnType<typeof loginService>): Map<string, Route> {
  return new Map<string, Route>([
    ['/OutsideCmd', (body, method) => outsideCall(d, method, { params: body['params'], session: 'session' in body })],
    ['/RPC2_Login', (body) => login.login(body)],
    ['/RPC2', (body) => login.call(body)],
  ]);
}

/** One JSON-RPC request: a body that is no call object is an "Invalid request"; a `drop` reply resets the connection. */
function answer(req: IncomingMessage, res: ServerResponse, raw: string, route: Route): void {
  const body = parseObject(raw);
  const id = body?.['id'] ?? null;
  if (!body || typeof body['method'] !== 'string') return json(res, { error: { code: CODES.invalidRequest, message: 'Invalid request' }, id, result: false });
  const reply = route(body, body['method']);
  if (reply === 'drop') return void req.socket.destroy();
  json(res, render(reply, id, body['session'] ?? 0));
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The body, once whole; a body over MAX_BODY ends the request unanswered. */
function readCapped(req: IncomingMessage, then: (raw: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    if (size <= MAX_BODY) then(Buffer.concat(chunks).toString('utf8'));
  });
}

async function listen(server: Server, port: number, address: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => (server.off('error', reject), resolve()));
  });
  return (server.address() as AddressInfo).port;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Dahua's JSON-RPC answer: `result` true with `params`, or false with `error`; the session echoed unless the reply names one. */
function render(reply: Exclude<Reply, 'drop'>, id: unknown, session: unknown): Record<string, unknown> {
  const base = { id, session: reply.session ?? session };
  if ('code' in reply) return { ...base, error: { code: reply.code, message: reply.message }, result: false, ...(reply.params !== undefined ? { params: reply.params } : {}) };
  return { ...base, params: reply.params ?? null, result: true };
}

/**
 * `/RPC2_Login` and `/RPC2` as the camera's own web page uses them: "not
 * initialised" before an account exists, then the challenge and the Default
 * hash (DOMAIN.md, "Web JSON-RPC"), with remainLoginTimes and a lock.
 */
function loginService(d: Device, realm: string, now: () => number, lockedElsewhere: () => number) {
  const sessions = new Map<string, Session>();
  let consecutive = 0;
  let lockedUntil = 0;
  const fail = (code: number, message: string, params?: unknown) => ({ code, message, ...(params ? { params } : {}) });

  const login = (req: Record<string, unknown>): Reply => {
    const p = (req['params'] ?? {}) as Record<string, unknown>;
    const user = typeof p['userName'] === 'string' ? p['userName'] : '';
    if (!d.state.initialised) return fail(CODES.notInitialised, 'Device not initialized');
    const pending = typeof req['session'] === 'string' ? sessions.get(req['session']) : undefined;
    if (!pending || !p['password']) {
      const id = randomBytes(16).toString('hex');
      const s: Session = { user, random: String(randomInt(100_000_000, 999_999_999)), active: false };
      sessions.set(id, s);
      return { code: 268632079, message: 'Component error: login challenge!', params: { encryption: 'Default', random: s.random, realm }, session: id };
    }
    const held = Math.max(lockedUntil - now(), lockedElsewhere());
    if (held > 0) return fail(268632081, 'User locked', { remainLockSecond: Math.ceil(held / 1000) });
    const expected = md5(`${user}:${pending.random}:${md5(`${user}:${realm}:${d.state.password ?? ''}`)}`);
    if (user !== 'admin' || user !== pending.user || p['password'] !== expected) {
      sessions.delete(String(req['session']));
      d.stats.loginFailures++;
      const { afterFailures, lockMs } = d.firmware.lockout;
      const remain = Math.max(0, afterFailures - ++consecutive);
      if (remain === 0) {
        lockedUntil = now() + lockMs;
        consecutive = 0;
      }
      return fail(268632085, 'User or password not valid', { remainLoginTimes: remain, remainLockSecond: remain === 0 ? Math.ceil(lockMs / 1000) : 0 });
    }
    consecutive = 0;
    d.stats.logins++;
    pending.active = true;
    return { params: { keepAliveInterval: KEEPALIVE_S }, session: req['session'] };
  };

  const call = (req: Record<string, unknown>): Reply => {
    const s = typeof req['session'] === 'string' ? sessions.get(req['session']) : undefined;
    if (!s?.active) return fail(287637505, 'Invalid session in request data!');
    switch (req['method']) {
      case 'global.logout':
        sessions.delete(String(req['session']));
        return {};
      case 'global.keepAlive':
        return { params: { timeout: KEEPALIVE_S } };
      default:
        return fail(CODES.methodNotFound, 'Method not found');
    }
  };
  return { login, call };
}
