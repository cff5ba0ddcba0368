import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimIdentity } from '../identities';
import { DeviceAuth } from './auth';
import { MEDIA_NS, MEDIA_OPERATIONS, MEDIA_PATH, mediaOperation, SNAPSHOT_PATH, snapshotOf } from './media';
import { envelope, escapeXml, faultXml, NS, parseRequest, SoapFault, text, asNode, type ParsedRequest, type XmlNode } from './soap';
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
 * as real cameras do — a wrong password on the snapshot URL locks the camera like a SOAP one.
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
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities']);
const ADMIN_ONLY = new Set(['GetUsers', 'SetUser', 'CreateUsers']);
const SOAP_TYPE = 'application/soap+xml; charset=utf-8';

export async function startDevice(opts: StartDeviceOptions): Promise<SimDevice> {
  if (!opts.address.startsWith('127.')) throw new Error(`sim devices bind to loopback only, got ${opts.address}`);
  const base = opts.clock ?? Date.now;
  const faults: DeviceFaults = { ...DEFAULT_FAULTS, ...opts.faults, lockout: { ...DEFAULT_FAULTS.lockout, ...opts.faults?.lockout } };
  const now = () => base() + faults.clockSkewMs;
  const store = new UserStore(opts.users, now);
  const auth = new DeviceAuth(`Login to ${opts.identity.serialNumber}`, now, () => faults);
  const stats: DeviceStats = {
    requests: 0, failedAuths: 0, consecutiveFailures: 0, maxConsecutiveFailures: 0,
    setUserCount: {}, lockedUntil: 0, bothCredentialKinds: 0, authOk: {}, snapshots: 0,
  };
  let xaddr = '';
  let origin = '';
  const picture = snapshotOf(opts.identity);

  /** What every answer carries: the device's own clock in Date (RFC 9110), and Connection: close where the firmware does that. */
  const common = (res: ServerResponse): Record<string, string> => {
    res.sendDate = false;
    return { ...(faults.noDateHeader ? {} : { Date: new Date(now()).toUTCString() }), ...(faults.connectionClose ? { Connection: 'close' } : {}) };
  };
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { ...common(res), 'Content-Type': SOAP_TYPE, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  const recordFailure = () => {
    stats.failedAuths++;
    stats.consecutiveFailures++;
    stats.maxConsecutiveFailures = Math.max(stats.maxConsecutiveFailures, stats.consecutiveFailures);
    const { afterFailures, lockMs } = faults.lockout;
    if (afterFailures > 0 && stats.consecutiveFailures >= afterFailures) {
      stats.lockedUntil = now() + lockMs;
      stats.consecutiveFailures = 0;
    }
  };

  /** The device's one sign-in check (SOAP, media and snapshot alike): lock first, then the credential. */
  const authenticate = (req: IncomingMessage, method: string, header: XmlNode | undefined): Refusal | { username: string } => {
    if (now() < stats.lockedUntil) {
      const secs = Math.max(1, Math.ceil((stats.lockedUntil - now()) / 1000));
      return { status: 401, reason: 'Account locked: too many failed logins', headers: { 'Retry-After': String(secs) } };
    }
    const authorization = req.headers.authorization;
    if (authorization && asNode(header?.['Security'])) stats.bothCredentialKinds++;
    const outcome = auth.verify(authorization, method, req.url ?? '', header, (u) => store.password(u));
    const challenge = (stale: boolean): Record<string, string[]> => {
      const c = auth.challenges(stale);
      return c.length ? { 'WWW-Authenticate': c } : {};
    };
    if (outcome.kind === 'none') return { status: 401, reason: 'Sender not authorized', headers: challenge(false) };
    if (outcome.kind === 'stale') return { status: 401, reason: 'Stale nonce', headers: challenge(true) };
    if (outcome.kind === 'fail') {
      recordFailure();
      if (outcome.via === 'wsse') return { status: 400, reason: 'Sender not authorized', headers: {} };
      return { status: 401, reason: 'Sender not authorized', headers: challenge(false) };
    }
    stats.consecutiveFailures = 0;
    stats.authOk[outcome.via] = (stats.authOk[outcome.via] ?? 0) + 1;
    return { username: outcome.username };
  };

  const snapshot = (req: IncomingMessage, res: ServerResponse) => {
    const plain = (status: number, body: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { ...common(res), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    if (req.method !== 'GET') return plain(405, 'GET only', { Allow: 'GET' });
    if (!faults.authOff) {
      const who = authenticate(req, 'GET', undefined);
      if ('status' in who) return plain(who.status, who.reason, who.headers);
    }
    stats.snapshots++;
    if (faults.snapshotNotImage) {
      // Firmware that answers its web login page with 200 instead of a picture.
      const page = '<html><head><title>Login</title></head><body><form>Please log in</form></body></html>';
      res.writeHead(200, { ...common(res), 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      return void res.end(page);
    }
    res.writeHead(200, { ...common(res), 'Content-Type': 'image/jpeg', 'Content-Length': picture.length });
    res.end(picture);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (faults.timeout) return; // hold the socket open; stop() destroys it
    if (faults.drop) return void req.socket.destroy();
    if (faults.http500) {
      // A crashed embedded web server, not a SOAP fault: the client must report kind 'http'.
      res.writeHead(500, { 'Content-Type': 'text/html' });
      return void res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === SNAPSHOT_PATH) return snapshot(req, res);
    if (faults.malformedXml) return send(res, 200, envelope('<tds:GetUsersResponse><tds:User>').slice(0, -20));
    if (req.method !== 'POST') return send(res, 405, faultXml('Sender', ['InvalidArgVal'], 'POST only'), { Allow: 'POST' });
    if (path !== PATH && path !== MEDIA_PATH) return send(res, 404, faultXml('Sender', ['InvalidArgVal'], 'No such service'));
    const parsed = parseRequest(raw);
    if (!parsed) return send(res, 400, faultXml('Sender', ['WellFormed'], 'Request is not a well-formed SOAP envelope'));
    const media = path === MEDIA_PATH;

    if ((media || !PRE_AUTH.has(parsed.operation)) && !faults.authOff) {
      const who = authenticate(req, 'POST', parsed.header);
      if ('status' in who) return send(res, who.status, faultXml('Sender', ['NotAuthorized'], who.reason), who.headers);
      if (!media && ADMIN_ONLY.has(parsed.operation) && store.level(who.username) !== 'Administrator') {
        return send(res, 400, faultXml('Sender', ['NotAuthorized'], 'Insufficient privileges for this operation'));
      }
    }
    if (media) {
      try {
        if (!MEDIA_OPERATIONS.has(parsed.operation)) throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], `${parsed.operation} is not supported`);
        return send(res, 200, envelope(mediaOperation(parsed.operation, parsed.op, origin, faults)));
      } catch (e) {
        if (e instanceof SoapFault) return send(res, e.status, e.xml());
        throw e;
      }
    }
    try {
      const answer = envelope(operation(parsed, raw));
      // The password changed, then the web service restarts: the client never hears back.
      if (parsed.operation === 'SetUser' && faults.dropAfterSetUser) return void req.socket.destroy();
      send(res, 200, answer);
    } catch (e) {
      if (e instanceof SoapFault) return send(res, e.status, e.xml());
      throw e;
    }
  };

  const operation = ({ operation: name, op }: ParsedRequest, raw: string): string => {
    const id = opts.identity;
    switch (name) {
      case 'GetSystemDateAndTime': {
        const d = new Date(now());
        return (
          `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
          `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>` +
          `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
          `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
          `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
        );
      }
      case 'GetDeviceInformation':
        return (
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(id.manufacturer)}</tds:Manufacturer>` +
          `<tds:Model>${escapeXml(id.model)}</tds:Model><tds:FirmwareVersion>${escapeXml(id.firmwareVersion)}</tds:FirmwareVersion>` +
          `<tds:SerialNumber>${escapeXml(id.serialNumber)}</tds:SerialNumber><tds:HardwareId>${escapeXml(id.hardwareId)}</tds:HardwareId>` +
          `</tds:GetDeviceInformationResponse>`
        );
      case 'GetServices':
        // Two entries: the onvif package cannot cope with a single-service list.
        return (
          `<tds:GetServicesResponse>` +
          `<tds:Service><tds:Namespace>${NS.tds}</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
          `<tds:Service><tds:Namespace>${MEDIA_NS}</tds:Namespace><tds:XAddr>${origin}${MEDIA_PATH}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
          `<tds:Service><tds:Namespace>http://www.onvif.org/ver10/events/wsdl</tds:Namespace><tds:XAddr>${xaddr.replace('device_service', 'event_service')}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>` +
          `</tds:GetServicesResponse>`
        );
      case 'GetCapabilities':
        return (
          `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${xaddr}</tt:XAddr></tt:Device>` +
          `<tt:Media><tt:XAddr>${origin}${MEDIA_PATH}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
          `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`
        );
      case 'GetUsers':
        return (
          `<tds:GetUsersResponse>` +
          store.list().map((u) => `<tds:User><tt:Username>${escapeXml(u.username)}</tt:Username><tt:UserLevel>${u.userLevel}</tt:UserLevel></tds:User>`).join('') +
          `</tds:GetUsersResponse>`
        );
      case 'SetUser': {
        const wire = faults.storeEscaped ? wirePasswords(raw) : [];
        const users = readUsers(op).map((u, i) => (faults.storeEscaped ? { ...u, password: wire[i] ?? u.password } : u));
        for (const u of users) stats.setUserCount[u.username] = (stats.setUserCount[u.username] ?? 0) + 1;
        store.setUsers(users, {
          maxPasswordLength: faults.maxPasswordLength,
          fixedAdmin: faults.fixedAdmin,
          noop: faults.setUserNoop,
          delayMs: faults.setUserDelayMs,
          lenient: faults.passwordRule === 'lenient',
        });
        return `<tds:SetUserResponse/>`;
      }
      case 'CreateUsers':
        store.createUsers(readUsers(op), { maxPasswordLength: faults.maxPasswordLength, lenient: faults.passwordRule === 'lenient' });
        return `<tds:CreateUsersResponse/>`;
      default:
        throw new SoapFault(400, 'Receiver', ['ActionNotSupported'], `${name} is not supported`);
    }
  };

  const server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413, faultXml('Sender', ['InvalidArgVal'], 'Request too large'), { Connection: 'close' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const go = () => handle(req, res, Buffer.concat(chunks).toString('utf8'));
      if (faults.latencyMs > 0) setTimeout(go, faults.latencyMs);
      else go();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  origin = `http://${opts.address}:${port}`;
  xaddr = `${origin}${PATH}`;

  return {
    identity: opts.identity,
    address: opts.address,
    port,
    xaddr,
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
    now,
    stats: () => ({ ...stats, setUserCount: { ...stats.setUserCount }, authOk: { ...stats.authOk }, lockedUntil: now() < stats.lockedUntil ? stats.lockedUntil : 0 }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Refusal {
  status: number;
  reason: string;
  headers: Record<string, string | string[]>;
}

function readUsers(op: Record<string, unknown>): UserInput[] {
  const list = Array.isArray(op['User']) ? (op['User'] as unknown[]) : [];
  return list.map((u) => {
    const n = asNode(u) ?? {};
    return { username: text(n['Username']) ?? '', password: text(n['Password']) ?? '', userLevel: text(n['UserLevel']) ?? '' };
  });
}

/** What a careless firmware stores: each Password element's text exactly as it was on the wire (`&` arrives as `&amp;`). */
function wirePasswords(raw: string): string[] {
  // The users' Password elements are in the Body; a WS-UsernameToken in the Header has one of its own.
  const body = raw.slice(Math.max(0, raw.search(/<(?:[\w.-]+:)?Body[\s>]/)));
  return [...body.matchAll(/<(?:[\w.-]+:)?Password(?:\s[^>]*)?>([^<]*)<\/(?:[\w.-]+:)?Password>/g)].map((m) => m[1]!);
}
