import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { SimIdentity } from '../identities';
import { DeviceAuth } from './auth';
import { MEDIA_OPERATIONS, MEDIA_PATH, mediaOperation, SNAPSHOT_PATH, snapshotOf } from './media';
import { ADMIN_ONLY, deviceOperation, PRE_AUTH, type DeviceContext } from './operations';
import { envelope, faultXml, parseRequest, SoapFault, asNode, type XmlNode } from './soap';
import { DEFAULT_FAULTS, type DeviceFaults, type DeviceStats } from './types';
import { UserStore, type UserInput } from './users';

/**
 * One simulated ONVIF device service (SOAP 1.2 over node:http) on its own loopback address.
 *
 * Lockout policy (Dahua-typical, see DOMAIN.md): `lockout.afterFailures` consecutive failed
 * authentications of any kind (Digest or UsernameToken, any user) lock the whole device for
 * `lockout.lockMs` of device clock. While locked every request to an operation that needs
 * authentication gets HTTP 401 + Retry-After + ter:NotAuthorized "account locked", and is not
 * checked (so it does not extend the lock). A successful login resets the consecutive counter.
 *
 * The same server answers the Media service (`/onvif/media_service`) and the snapshot endpoint
 * (`GET /onvif/snapshot`, HTTP Digest): one user store, one failure counter, one lock for all three,
 * as real cameras do — a wrong password on the snapshot URL locks the camera like a SOAP one. The
 * picture carries the camera's own clock in its OSD, as of the request.
 *
 * A request goes through named stages: receive (size cap, latency) → fault injection → route
 * (snapshot, device or media service) → sign in (lock, credential, level) → the action's handler
 * (operations.ts, one per SOAP action).
 */

export interface StartDeviceOptions {
  identity: SimIdentity;
  address: string; // 127.x.y.z only
  port?: number;
  users: UserInput[];
  faults?: Partial<DeviceFaults>;
  clock?: () => number;
}

export interface SimDevice {
  identity: SimIdentity;
  address: string;
  port: number;
  xaddr: string;
  users: {
    list(): { username: string; userLevel: string }[];
    checkPassword(u: string, p: string): boolean;
    /** Whether the account holds this password once a late SetUser lands. */
    eventuallyHolds(u: string, p: string): boolean;
    setPassword(u: string, p: string): void;
  };
  faults: DeviceFaults;
  setFaults(f: Partial<DeviceFaults>): void;
  /** Device clock (base clock + clockSkewMs). */
  now(): number;
  stats(): DeviceStats;
  stop(): Promise<void>;
}

const PATH = '/onvif/device_service';
const MAX_BODY = 256 * 1024;
const SOAP_TYPE = 'application/soap+xml; charset=utf-8';

/** One device's state, as every stage of a request reads it. */
interface Device extends DeviceContext {
  auth: DeviceAuth;
  /** The last picture served, by the device-clock second its OSD shows (a burst of requests encodes it once). */
  picture?: { second: number; jpeg: Buffer };
}

interface Refusal {
  status: number;
  reason: string;
  headers: Record<string, string | string[]>;
}

export async function startDevice(opts: StartDeviceOptions): Promise<SimDevice> {
  if (!opts.address.startsWith('127.')) throw new Error(`sim devices bind to loopback only, got ${opts.address}`);
  const d = deviceOf(opts);
  const server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => receive(d, req, res));
  const port = await listen(server, opts.address, opts.port ?? 0);
  d.origin = `http://${opts.address}:${port}`;
  d.xaddr = `${d.origin}${PATH}`;
  return facade(d, server, opts.address, port);
}

function deviceOf(opts: StartDeviceOptions): Device {
  const base = opts.clock ?? Date.now;
  const faults: DeviceFaults = { ...DEFAULT_FAULTS, ...opts.faults, lockout: { ...DEFAULT_FAULTS.lockout, ...opts.faults?.lockout } };
  const now = () => base() + faults.clockSkewMs;
  return {
    identity: opts.identity, origin: '', xaddr: '', faults, now,
    store: new UserStore(opts.users, now),
    auth: new DeviceAuth(`Login to ${opts.identity.serialNumber}`, now, () => faults),
    stats: { requests: 0, held: 0, failedAuths: 0, consecutiveFailures: 0, maxConsecutiveFailures: 0, setUserCount: {}, lockedUntil: 0, bothCredentialKinds: 0, authOk: {}, snapshots: 0, delayedAnswers: 0, lateMs: 0 },
  };
}

/**
 * How an answer leaves. The device does its work as the request arrives, and the answer leaves `latencyMs`
 * after the arrival, as on a camera with its own processor: the simulated cameras share one thread here, and
 * work done after the wait put every camera's processing time on every other camera's answer (the sync
 * bench's "50 ms a request" was 50 ms plus the simulator's own CPU, 0.3 ms a request on average). A change
 * applied before its answer leaves is also the harder case for a client: a request it gave up on may still
 * have changed the device.
 */
interface Reply {
  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void;
  /** The connection closes without an answer. */
  drop(): void;
}

/**
 * Runs `go` at `due` (performance.now() time) or later, never sooner. A node timer counts from the event
 * loop's cached clock, which lags while the loop is busy: a plain setTimeout fired 0.45 ms early on average
 * in the sync bench (the simulated cameras answered in 49.6 ms, not 50). It is checked again when it fires,
 * and a remainder under a millisecond is waited out a loop turn at a time (setImmediate, other requests are
 * served meanwhile): a second timer waits at least a whole millisecond, and left the simulated cameras'
 * answers 0.8 ms past their latency on average, charged to the client in the sync bench (0.26–0.32 ms with this).
 */
export function atOrAfter(due: number, go: () => void): void {
  const ms = due - performance.now();
  if (ms > 1) setTimeout(() => atOrAfter(due, go), ms);
  else if (ms > 0) setImmediate(() => atOrAfter(due, go));
  else go();
}

function replyOf(d: Device, req: IncomingMessage, res: ServerResponse, latencyMs: number): Reply {
  const due = performance.now() + latencyMs;
  const later = (go: () => void) =>
    atOrAfter(due, () => {
      if (latencyMs > 0) {
        d.stats.delayedAnswers++;
        d.stats.lateMs += performance.now() - due;
      }
      go();
    });
  return {
    send: (status, headers, body) => later(() => res.writeHead(status, headers).end(body)),
    drop: () => later(() => req.socket.destroy()),
  };
}

/** Stage 1: the body, capped; then the answer, which leaves after the device's latency. */
function receive(d: Device, req: IncomingMessage, res: ServerResponse): void {
  d.stats.requests++;
  res.sendDate = false; // the device's own clock goes in Date (common)
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) {
      send(d, replyOf(d, req, res, 0), 413, faultXml('Sender', ['InvalidArgVal'], 'Request too large'), { Connection: 'close' });
      req.destroy();
    } else chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return;
    route(d, req, replyOf(d, req, res, d.faults.latencyMs), Buffer.concat(chunks).toString('utf8'));
  });
}

/** Stage 2: injected faults that stop a request before it is read, then where it goes. */
function route(d: Device, req: IncomingMessage, res: Reply, raw: string): void {
  const { faults } = d;
  if (faults.timeout) return void d.stats.held++; // hold the socket open; stop() destroys it
  if (faults.drop) return res.drop();
  if (faults.http500) {
    // A crashed embedded web server, not a SOAP fault: the client must report kind 'http'. The web server's own
    // headers still go with it (its clock in Date), as with every other answer.
    return res.send(500, { 'Content-Type': 'text/html', ...common(d) }, '<html><body><h1>500 Internal Server Error</h1></body></html>');
  }
  const path = (req.url ?? '').split('?')[0];
  if (path === SNAPSHOT_PATH) return serveSnapshot(d, req, res);
  if (faults.malformedXml) return send(d, res, 200, envelope('<tds:GetUsersResponse><tds:User>').slice(0, -20));
  if (req.method !== 'POST') return send(d, res, 405, faultXml('Sender', ['InvalidArgVal'], 'POST only'), { Allow: 'POST' });
  if (path !== PATH && path !== MEDIA_PATH) return send(d, res, 404, faultXml('Sender', ['InvalidArgVal'], 'No such service'));
  answerSoap(d, req, res, raw, path === MEDIA_PATH);
}

/** Stages 3–4 for SOAP: sign in where the action needs it (and the level it needs), then the action's handler. */
function answerSoap(d: Device, req: IncomingMessage, res: Reply, raw: string, media: boolean): void {
  const parsed = parseRequest(raw);
  if (!parsed) return send(d, res, 400, faultXml('Sender', ['WellFormed'], 'Request is not a well-formed SOAP envelope'));
  if ((media || !PRE_AUTH.has(parsed.operation)) && !d.faults.authOff) {
    const who = authenticate(d, req, 'POST', parsed.header);
    if ('status' in who) return send(d, res, who.status, faultXml('Sender', ['NotAuthorized'], who.reason), who.headers);
    if (!media && ADMIN_ONLY.has(parsed.operation) && d.store.level(who.username) !== 'Administrator') {
      return send(d, res, 400, faultXml('Sender', ['NotAuthorized'], 'Insufficient privileges for this operation'));
    }
  }
  try {
    if (media && !MEDIA_OPERATIONS.has(parsed.operation)) throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], `${parsed.operation} is not supported`);
    const answer = envelope(media ? mediaOperation(parsed.operation, parsed.op, d.origin, d.faults) : deviceOperation(d, parsed, raw));
    // The password changed, then the web service restarts: the client never hears back.
    if (!media && parsed.operation === 'SetUser' && d.faults.dropAfterSetUser) return res.drop();
    send(d, res, 200, answer);
  } catch (e) {
    if (e instanceof SoapFault) return send(d, res, e.status, e.xml());
    throw e;
  }
}

/** The device's one sign-in check (SOAP, media and snapshot alike): lock first, then the credential. */
function authenticate(d: Device, req: IncomingMessage, method: string, header: XmlNode | undefined): Refusal | { username: string } {
  const { stats } = d;
  if (d.now() < stats.lockedUntil) {
    const secs = Math.max(1, Math.ceil((stats.lockedUntil - d.now()) / 1000));
    return { status: 401, reason: 'Account locked: too many failed logins', headers: { 'Retry-After': String(secs) } };
  }
  const authorization = req.headers.authorization;
  if (authorization && asNode(header?.['Security'])) stats.bothCredentialKinds++;
  const outcome = d.auth.verify(authorization, method, req.url ?? '', header, (u) => d.store.password(u));
  const challenge = (stale: boolean): Record<string, string[]> => {
    const c = d.auth.challenges(stale);
    return c.length ? { 'WWW-Authenticate': c } : {};
  };
  if (outcome.kind === 'none') return { status: 401, reason: 'Sender not authorized', headers: challenge(false) };
  if (outcome.kind === 'stale') return { status: 401, reason: 'Stale nonce', headers: challenge(true) };
  // Out of connections, the right password is refused as a wrong one is (DeviceFaults.connectionsExhausted).
  if (outcome.kind === 'fail' || (outcome.kind === 'ok' && d.faults.connectionsExhausted)) {
    recordFailure(d);
    if (outcome.via === 'wsse') return { status: 400, reason: 'Sender not authorized', headers: {} };
    return { status: 401, reason: 'Sender not authorized', headers: challenge(false) };
  }
  stats.consecutiveFailures = 0;
  stats.authOk[outcome.via] = (stats.authOk[outcome.via] ?? 0) + 1;
  return { username: outcome.username };
}

function recordFailure(d: Device): void {
  const { stats } = d;
  stats.failedAuths++;
  stats.consecutiveFailures++;
  stats.maxConsecutiveFailures = Math.max(stats.maxConsecutiveFailures, stats.consecutiveFailures);
  const { afterFailures, lockMs } = d.faults.lockout;
  if (afterFailures > 0 && stats.consecutiveFailures >= afterFailures) {
    stats.lockedUntil = d.now() + lockMs;
    stats.consecutiveFailures = 0;
  }
}

/** `GET /onvif/snapshot` behind the same sign-in: the camera's picture with its own clock in the OSD. */
function serveSnapshot(d: Device, req: IncomingMessage, res: Reply): void {
  const plain = (status: number, body: string, headers: Record<string, string | string[]> = {}) =>
    res.send(status, { ...common(d), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers }, body);
  if (req.method !== 'GET') return plain(405, 'GET only', { Allow: 'GET' });
  if (!d.faults.authOff) {
    const who = authenticate(d, req, 'GET', undefined);
    if ('status' in who) return plain(who.status, who.reason, who.headers);
  }
  d.stats.snapshots++;
  if (d.faults.snapshotNotImage) {
    // Firmware that answers its web login page with 200 instead of a picture.
    const page = '<html><head><title>Login</title></head><body><form>Please log in</form></body></html>';
    return res.send(200, { ...common(d), 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) }, page);
  }
  const jpeg = pictureNow(d);
  res.send(200, { ...common(d), 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length }, jpeg);
}

/** The picture as of the device's clock now; the OSD shows seconds, so one encoding serves a second's requests. */
function pictureNow(d: Device): Buffer {
  const at = d.now();
  const second = Math.floor(at / 1000);
  if (d.picture?.second !== second) d.picture = { second, jpeg: snapshotOf(d.identity, at) };
  return d.picture.jpeg;
}

/** What every answer carries: the device's own clock in Date (RFC 9110), and Connection: close where the firmware does that. */
function common(d: Device): Record<string, string> {
  return { ...(d.faults.noDateHeader ? {} : { Date: new Date(d.now()).toUTCString() }), ...(d.faults.connectionClose ? { Connection: 'close' } : {}) };
}

function send(d: Device, res: Reply, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.send(status, { ...common(d), 'Content-Type': SOAP_TYPE, 'Content-Length': Buffer.byteLength(body), ...headers }, body);
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

/** What tests and the site see of a running device: its state read back, its faults changeable, stop. */
function facade(d: Device, server: Server, address: string, port: number): SimDevice {
  const { faults, stats, store } = d;
  return {
    identity: d.identity,
    address,
    port,
    xaddr: d.xaddr,
    users: {
      list: () => store.list(),
      checkPassword: (u, p) => store.checkPassword(u, p),
      eventuallyHolds: (u, p) => store.eventuallyHolds(u, p),
      setPassword: (u, p) => store.setPassword(u, p),
    },
    faults,
    setFaults(f) {
      Object.assign(faults, f, f.lockout ? { lockout: { ...faults.lockout, ...f.lockout } } : {});
    },
    now: d.now,
    stats: () => ({ ...stats, setUserCount: { ...stats.setUserCount }, authOk: { ...stats.authOk }, lockedUntil: d.now() < stats.lockedUntil ? stats.lockedUntil : 0 }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
