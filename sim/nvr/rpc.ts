import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cameraLogin, type CameraLogin } from './camera-login';
import { camerasOf, encryptInfo, makeRsa, openEnvelope, sealReply, type SimRsa } from './sec-camera';

/**
 * The simulated NVR's web JSON-RPC (what its own web page uses): /RPC2_Login
 * with the two-step global.login and real "Default" hashing, /RPC2 with
 * sessions, Dahua's error codes, remainLoginTimes and a lock after 5 failures
 * for 30 minutes. It keeps the NVR's channel list and works out each
 * channel's online state by really signing in to that camera with the stored
 * credentials (camera-login.ts). Written from DOMAIN.md, independently of main/.
 */

export const CODES = {
  challenge: 268632079,
  wrongPassword: 268632085,
  locked: 268632081,
  blacklisted: 268632073,
  notInitialised: 268632086,
  invalidSession: 287637505,
  methodNotFound: 268894210,
  invalidRequest: 268894209,
} as const;

export interface SimChannel {
  enable: boolean;
  /** What the NVR stores and reports. */
  address: string;
  port: number;
  username: string;
  /** The stored password the NVR signs in with (never reported unmasked when maskPasswords is on). */
  password: string;
  protocol: 'Private' | 'Onvif' | string;
  deviceType: string;
  name: string;
  title: string;
  /** Where the NVR really reaches the camera (its PoE switch may route a private address). */
  reachXaddr?: string;
  state: 'Connected' | 'Disconnected' | 'Unknown';
  /** Last sign-in result of the NVR to this camera. */
  lastLogin?: CameraLogin;
  /** Sign-ins to this channel's camera the camera refused (a stale stored password): what locks cameras. */
  refusedLogins?: number;
}

export interface NvrRpcFaults {
  slotStyle: 'uuid' | 'indexed';
  /** The NVR answers stored passwords as "******" (some firmwares). */
  maskPasswords: boolean;
  /** Every answer is an HTML page instead of JSON. */
  notJson: boolean;
  /** Every request is redirected to https on the same host (self-signed on real devices). */
  httpsRedirect: boolean;
  /** A session ends after this many /RPC2 calls (0 = never): "session expired mid-read". */
  expireSessionAfterCalls: number;
  /** When > 0: only this many sessions expire that way, then the fault clears itself. */
  expireSessionTimes: number;
  notInitialised: boolean;
  blacklisted: boolean;
  /** Extra unused slots appended to the RemoteDevice table. */
  extraUnusedSlots: number;
  /** configManager.setConfig of RemoteDevice is refused (firmware that wants secSetCamera). */
  refuseSetConfig: boolean;
  /** No /RPC2_Login or /RPC2 (HTTP 404): only the older CGI API answers. */
  rpcMissing: boolean;
  /** Methods this firmware does not have (answered 268894210). */
  missingMethods: string[];
  /**
   * How this firmware takes stored passwords. 'plain': `configManager.setConfig`
   * (and no secSetCamera at all). 'encrypted-only' (newer firmware): a setConfig
   * of RemoteDevice that would change any slot's Password is refused whole
   * (other changes, such as Enable, are taken), and passwords go through
   * `Security.getEncryptInfo` + `LogicDeviceManager.secSetCamera` (sec-camera.ts).
   */
  remoteDeviceWrite: 'plain' | 'encrypted-only';
  /** Methods the NVR carries out and then drops the connection without answering (its web service restarts). */
  dropAnswer: string[];
  /** Methods the NVR carries out and never answers (the client times out). */
  stallAnswer: string[];
  lockout: { afterFailures: number; lockMs: number };
}

export const DEFAULT_RPC_FAULTS: NvrRpcFaults = {
  slotStyle: 'uuid',
  maskPasswords: false,
  notJson: false,
  httpsRedirect: false,
  expireSessionAfterCalls: 0,
  expireSessionTimes: 0,
  notInitialised: false,
  blacklisted: false,
  extraUnusedSlots: 0,
  refuseSetConfig: false,
  rpcMissing: false,
  missingMethods: [],
  remoteDeviceWrite: 'plain',
  dropAnswer: [],
  stallAnswer: [],
  lockout: { afterFailures: 5, lockMs: 30 * 60_000 },
};

export interface NvrRpcStats {
  /** Refused global.login second steps (wrong user or password), all time. */
  loginFailures: number;
  consecutiveFailures: number;
  logins: number;
  /** Sign-in attempts refused because of the lock (not counted as failures). */
  lockedRefusals: number;
  keepAlives: number;
  logouts: number;
  /** NVR-clock ms; 0 when not locked. */
  lockedUntil: number;
  calls: Record<string, number>;
  /** Accepted RemoteDevice writes, and slots written back with the mask as their password. */
  setConfigs: number;
  maskWrites: number;
  /** Accepted secSetCamera calls, and ones refused (garbage envelopes, unknown shapes). */
  secSetCameras: number;
  secSetCameraRefusals: number;
  /** RemoteDevice setConfigs refused because they changed a password on 'encrypted-only' firmware. */
  plainPasswordRefusals: number;
  /** CGI requests (any), and ones that carried a password in the URL (must stay 0). */
  cgiRequests: number;
  passwordInUrl: number;
}

export interface NvrRpcOptions {
  address: string;
  port?: number;
  identity: { serialNumber: string; model: string; firmwareVersion: string };
  /** The NVR's accounts (shared with its ONVIF service and reset page). */
  password(username: string): string | undefined;
  channels: SimChannel[];
  faults?: Partial<NvrRpcFaults>;
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
  setFaults(f: Partial<NvrRpcFaults>): void;
  stats(): NvrRpcStats;
  /** One round of the NVR signing in to every enabled channel's camera. */
  pollNow(): Promise<void>;
  /** Starts or changes the background round (ms; 0 stops it). */
  setPollInterval(ms: number): void;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const KEEPALIVE_S = 60;
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

interface Session {
  id: string;
  user: string;
  random: string;
  active: boolean;
  calls: number;
  lastSeen: number;
}

export async function startNvrRpc(o: NvrRpcOptions): Promise<NvrRpcSim> {
  if (!o.address.startsWith('127.')) throw new Error(`the NVR RPC binds to loopback only, got ${o.address}`);
  const now = o.clock ?? Date.now;
  const faults: NvrRpcFaults = { ...DEFAULT_RPC_FAULTS, ...o.faults, lockout: { ...DEFAULT_RPC_FAULTS.lockout, ...o.faults?.lockout } };
  const realm = `Login to ${o.identity.serialNumber}`;
  const sessions = new Map<string, Session>();
  const stats: NvrRpcStats = { loginFailures: 0, consecutiveFailures: 0, logins: 0, lockedRefusals: 0, keepAlives: 0, logouts: 0, lockedUntil: 0, calls: {}, setConfigs: 0, maskWrites: 0, secSetCameras: 0, secSetCameraRefusals: 0, plainPasswordRefusals: 0, cgiRequests: 0, passwordInUrl: 0 };

  const json = (res: ServerResponse, body: unknown) => {
    if (faults.notJson) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end('<html><body>Web service restarting…</body></html>');
    }
    const text = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const err = (id: unknown, session: unknown, code: number, message: string, params?: unknown) => ({
    error: { code, message },
    id,
    ...(params !== undefined ? { params } : {}),
    result: false,
    session,
  });

  /** One refused sign-in (RPC or CGI): the shared counter, and the lock at the limit. */
  const refuse = (): { remain: number; lockSeconds: number } => {
    stats.loginFailures++;
    stats.consecutiveFailures++;
    const { afterFailures, lockMs } = faults.lockout;
    const remain = afterFailures > 0 ? Math.max(0, afterFailures - stats.consecutiveFailures) : 99;
    if (afterFailures > 0 && remain === 0) {
      stats.lockedUntil = now() + lockMs;
      stats.consecutiveFailures = 0;
      return { remain: 0, lockSeconds: Math.ceil(lockMs / 1000) };
    }
    return { remain, lockSeconds: 0 };
  };

  const login = (req: Record<string, unknown>): unknown => {
    const id = req['id'];
    const p = obj(req['params']) ?? {};
    const user = typeof p['userName'] === 'string' ? p['userName'] : '';
    if (faults.blacklisted) return err(id, 0, CODES.blacklisted, 'User in blocklist', {});
    if (faults.notInitialised) return err(id, 0, CODES.notInitialised, 'Device not initialized', {});
    const sid = req['session'];
    const pending = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!pending || !p['password']) {
      // Step one: a fresh session and the challenge.
      const s: Session = { id: randomBytes(16).toString('hex'), user, random: String(randomInt(100_000_000, 999_999_999)), active: false, calls: 0, lastSeen: now() };
      sessions.set(s.id, s);
      return err(id, s.id, CODES.challenge, 'Component error: login challenge!', { authorization: randomBytes(20).toString('hex'), encryption: 'Default', mac: '3CEF8C000001', random: s.random, realm });
    }
    if (now() < stats.lockedUntil) {
      stats.lockedRefusals++;
      sessions.delete(pending.id);
      return err(id, pending.id, CODES.locked, 'User locked', { remainLockSecond: Math.ceil((stats.lockedUntil - now()) / 1000) });
    }
    const stored = o.password(user);
    const expected = stored === undefined ? undefined : md5(`${user}:${pending.random}:${md5(`${user}:${realm}:${stored}`)}`);
    const ok = expected !== undefined && p['password'] === expected && p['authorityType'] === 'Default' && user === pending.user;
    if (!ok) {
      sessions.delete(pending.id);
      const { remain, lockSeconds } = refuse();
      return err(id, pending.id, CODES.wrongPassword, 'User or password not valid', { remainLoginTimes: remain, remainLockSecond: lockSeconds });
    }
    stats.consecutiveFailures = 0;
    stats.logins++;
    pending.active = true;
    pending.lastSeen = now();
    return { id, params: { keepAliveInterval: KEEPALIVE_S }, result: true, session: pending.id };
  };

  const table = (): unknown => {
    const slot = (c: SimChannel) => ({
      Address: c.address,
      Enable: c.enable,
      Port: c.port,
      UserName: c.username,
      Password: faults.maskPasswords ? '******' : c.password,
      ProtocolType: c.protocol,
      DeviceType: c.deviceType,
      Name: c.name,
      VideoInputs: [{ Enable: true, Name: c.name, ServiceType: 'AUTO' }],
    });
    const unused = { Address: '192.168.0.0', Enable: false, Port: 37777, UserName: 'admin', Password: '', ProtocolType: 'Private', DeviceType: '', Name: '', VideoInputs: [] };
    const slots = [...o.channels.map(slot), ...Array.from({ length: faults.extraUnusedSlots }, () => unused)];
    if (faults.slotStyle === 'indexed') return slots;
    return Object.fromEntries(slots.map((s, i) => [`uuid:System_CONFIG_NETCAMERA_INFO_${i}`, s]));
  };

  /**
   * One slot as written (setConfig's table or a secSetCamera DeviceInfo): a Password left
   * out or empty keeps the stored one; a mask written back is stored literally, as real
   * firmware does (that channel then fails to sign in).
   */
  const applySlot = (c: SimChannel | undefined, v: Record<string, unknown>) => {
    if (!c) return;
    const was = `${c.enable}|${c.username}|${c.password}`;
    if (typeof v['Enable'] === 'boolean') c.enable = v['Enable'];
    if (typeof v['UserName'] === 'string') c.username = v['UserName'];
    if (typeof v['Password'] === 'string' && v['Password']) {
      if (/^\*+$/.test(v['Password'])) stats.maskWrites++;
      c.password = v['Password'];
    }
    // A recorder drops a channel whose connection settings changed and reconnects with the new
    // ones on its next round: until then it is not connected (no stale "Connected" from the old password).
    if (`${c.enable}|${c.username}|${c.password}` !== was) c.state = 'Disconnected';
  };
  const changesPassword = (c: SimChannel | undefined, v: Record<string, unknown>) => !!c && typeof v['Password'] === 'string' && v['Password'] !== '' && v['Password'] !== c.password;
  // One RSA key for the NVR's life, made when the firmware first needs it (2048 bits takes a moment).
  let keyPair: SimRsa | undefined;
  const rsa = () => (keyPair ??= makeRsa());
  if (faults.remoteDeviceWrite === 'encrypted-only') rsa();

  const call = (s: Session, method: string, params: Record<string, unknown>): { params?: unknown; result?: unknown } | { code: number; message: string } => {
    if (faults.missingMethods.includes(method)) return { code: CODES.methodNotFound, message: 'Method not found' };
    switch (method) {
      case 'global.keepAlive':
        stats.keepAlives++;
        return { params: { timeout: KEEPALIVE_S }, result: true };
      case 'global.logout':
        stats.logouts++;
        sessions.delete(s.id);
        return { result: true };
      case 'magicBox.getSerialNo':
        return { params: { sn: o.identity.serialNumber }, result: true };
      case 'magicBox.getDeviceType':
        return { params: { type: o.identity.model }, result: true };
      case 'magicBox.getSoftwareVersion': {
        const [version, build] = o.identity.firmwareVersion.split(', Build Date ');
        return { params: { version: { Version: version, BuildDate: build ?? '' } }, result: true };
      }
      case 'configManager.getConfig':
        if (params['name'] === 'RemoteDevice') return { params: { table: table() }, result: true };
        if (params['name'] === 'ChannelTitle') return { params: { table: o.channels.map((c) => ({ Name: c.title })) }, result: true };
        return { code: CODES.invalidRequest, message: 'Invalid request: unknown config name' };
      case 'configManager.setConfig': {
        if (params['name'] !== 'RemoteDevice') return { code: CODES.invalidRequest, message: 'Invalid request: unknown config name' };
        if (faults.refuseSetConfig) return { code: CODES.invalidRequest, message: 'Invalid request' };
        const t = params['table'];
        const entries: [number, Record<string, unknown>][] = Array.isArray(t)
          ? t.map((v, i) => [i, obj(v) ?? {}])
          : obj(t)
            ? Object.entries(t as object).map(([k, v]) => [Number(/(\d+)$/.exec(k)?.[1] ?? NaN), obj(v) ?? {}])
            : [];
        if (!entries.length || entries.some(([i]) => !Number.isInteger(i))) return { code: CODES.invalidRequest, message: 'Invalid request: table' };
        if (faults.remoteDeviceWrite === 'encrypted-only' && entries.some(([i, v]) => changesPassword(o.channels[i], v))) {
          // Newer firmware: nothing of the write is applied; passwords only through secSetCamera.
          stats.plainPasswordRefusals++;
          return { code: CODES.invalidRequest, message: 'Invalid request' };
        }
        // The whole table comes back: each slot's fields as written; a Password left out keeps the stored one.
        for (const [i, v] of entries) applySlot(o.channels[i], v);
        stats.setConfigs++;
        return { result: true };
      }
      case 'Security.getEncryptInfo':
        if (faults.remoteDeviceWrite !== 'encrypted-only') return { code: CODES.methodNotFound, message: 'Method not found' };
        return { params: encryptInfo(rsa()), result: true };
      case 'LogicDeviceManager.secSetCamera': {
        if (faults.remoteDeviceWrite !== 'encrypted-only') return { code: CODES.methodNotFound, message: 'Method not found' };
        let opened;
        let cameras;
        try {
          opened = openEnvelope(rsa(), params);
          cameras = camerasOf(opened.body);
        } catch {
          // Bad hex, another key, not JSON, an unknown cipher or shape: a refusal, never a crash.
          stats.secSetCameraRefusals++;
          return { code: CODES.invalidRequest, message: 'Invalid request' };
        }
        for (const cam of cameras) applySlot(o.channels[cam.channel], cam.info);
        stats.secSetCameras++;
        // The answer comes back sealed with the caller's key, like the request.
        return { params: { content: sealReply({ result: true }, opened.key, opened.cipher) }, result: true };
      }
      case 'LogicDeviceManager.getCameraState':
        return {
          params: { states: o.channels.map((c, i) => ({ channel: i, connectionState: c.enable ? c.state : 'Unknown', uniqueChannel: i })) },
          result: true,
        };
      default:
        return { code: CODES.methodNotFound, message: 'Method not found' };
    }
  };

  const rpc = (req: Record<string, unknown>): unknown => {
    const id = req['id'];
    const sid = req['session'];
    const s = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!s || !s.active || now() - s.lastSeen > KEEPALIVE_S * 2000) {
      if (s) sessions.delete(s.id);
      return err(id, sid ?? 0, CODES.invalidSession, 'Invalid session in request data!');
    }
    const method = typeof req['method'] === 'string' ? req['method'] : '';
    stats.calls[method] = (stats.calls[method] ?? 0) + 1;
    s.calls++;
    if (faults.expireSessionAfterCalls > 0 && s.calls > faults.expireSessionAfterCalls) {
      sessions.delete(s.id);
      if (faults.expireSessionTimes > 0 && --faults.expireSessionTimes === 0) faults.expireSessionAfterCalls = 0;
      return err(id, sid, CODES.invalidSession, 'Invalid session in request data!');
    }
    s.lastSeen = now();
    const r = call(s, method, obj(req['params']) ?? {});
    if ('code' in r) return err(id, sid, r.code, r.message);
    return { id, ...r, session: sid };
  };

  // The older HTTP API with Digest (MD5), reads only: what an app may fall back to where RPC2 is missing.
  const nonce = randomBytes(12).toString('hex');
  const opaque = randomBytes(6).toString('hex');
  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  };
  const cgiAuthorised = (req: IncomingMessage): 'ok' | 'none' | 'fail' => {
    const h = req.headers.authorization ?? '';
    if (!/^Digest\s/i.test(h)) return 'none';
    const p: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) p[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
    const user = p['username'] ?? '';
    const stored = o.password(user);
    const md5l = (x: string) => createHash('md5').update(x, 'utf8').digest('hex');
    const ok =
      stored !== undefined &&
      p['nonce'] === nonce &&
      p['uri'] === req.url &&
      p['response'] === md5l(`${md5l(`${user}:${realm}:${stored}`)}:${nonce}:${p['nc']}:${p['cnonce']}:auth:${md5l(`GET:${req.url}`)}`);
    return ok ? 'ok' : 'fail';
  };
  const cgi = (req: IncomingMessage, res: ServerResponse) => {
    stats.cgiRequests++;
    const url = new URL(req.url ?? '/', 'http://nvr');
    if ([...url.searchParams.keys()].some((k) => /pwd|pass/i.test(k))) stats.passwordInUrl++;
    const challenge = { 'WWW-Authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}", opaque="${opaque}"` };
    if (req.method !== 'GET') return text(res, 405, 'Error\r\nMethod Not Allowed!\r\n');
    const auth = cgiAuthorised(req);
    if (auth === 'none') return text(res, 401, 'Error\r\nUnauthorized!\r\n', challenge);
    if (now() < stats.lockedUntil) {
      stats.lockedRefusals++;
      return text(res, 401, 'Error\r\nUnauthorized!\r\n', challenge);
    }
    if (auth === 'fail') {
      refuse();
      return text(res, 401, 'Error\r\nUnauthorized!\r\n', challenge);
    }
    stats.consecutiveFailures = 0;
    const action = url.searchParams.get('action');
    const lines = (rows: [string, unknown][]) => text(res, 200, rows.map(([k, v]) => `${k}=${String(v)}`).join('\r\n') + '\r\n');
    switch (`${url.pathname}?${action}`) {
      case '/cgi-bin/magicBox.cgi?getSerialNo':
        return lines([['sn', o.identity.serialNumber]]);
      case '/cgi-bin/magicBox.cgi?getDeviceType':
        return lines([['type', o.identity.model]]);
      case '/cgi-bin/magicBox.cgi?getSoftwareVersion':
        return lines([['version', o.identity.firmwareVersion.split(', Build Date ')[0]]]);
      case '/cgi-bin/configManager.cgi?getConfig': {
        const name = url.searchParams.get('name');
        if (name === 'ChannelTitle') return lines(o.channels.map((c, i) => [`table.ChannelTitle[${i}].Name`, c.title]));
        if (name !== 'RemoteDevice') return text(res, 400, 'Error\r\nBad Request!\r\n');
        return lines(
          o.channels.flatMap((c, i): [string, unknown][] => {
            const k = `table.RemoteDevice[${i}]`;
            return [[`${k}.Enable`, c.enable], [`${k}.Address`, c.address], [`${k}.Port`, c.port], [`${k}.UserName`, c.username], [`${k}.Password`, '******'],
              [`${k}.ProtocolType`, c.protocol], [`${k}.DeviceType`, c.deviceType], [`${k}.VideoInputs[0].Name`, c.name]];
          }),
        );
      }
      case '/cgi-bin/LogicDeviceManager.cgi?getCameraState':
        return void (timer ? Promise.resolve() : pollNow()).then(() =>
          lines(o.channels.flatMap((c, i): [string, unknown][] => [[`states[${i}].channel`, i], [`states[${i}].connectionState`, c.enable ? c.state : 'Unknown']])),
        );
      default:
        return text(res, 501, 'Error\r\nNot Implemented!\r\n');
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (faults.httpsRedirect) {
      res.writeHead(302, { Location: `https://${o.address}/`, 'Content-Length': 0 });
      return void res.end();
    }
    const path = (req.url ?? '').split('?')[0]!;
    if (path.startsWith('/cgi-bin/')) return void cgi(req, res);
    if (faults.rpcMissing) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return void res.end('not found');
    }
    if (req.method !== 'POST' || (path !== '/RPC2_Login' && path !== '/RPC2')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return void res.end('not found');
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = obj(JSON.parse(raw));
    } catch {
      body = undefined;
    }
    if (!body) return json(res, err(null, 0, CODES.invalidRequest, 'Invalid request'));
    if (path === '/RPC2_Login') {
      if (body['method'] !== 'global.login') return json(res, err(body['id'], 0, CODES.invalidRequest, 'Only global.login here'));
      return json(res, login(body));
    }
    if (body['method'] === 'LogicDeviceManager.getCameraState' && !timer && Date.now() - lastRound > (o.stateMaxAgeMs ?? 5000)) {
      // Like a recorder that reconnects on demand: the state it reports comes from a real sign-in.
      return void pollNow().then(() => json(res, rpc(body)));
    }
    const answer = rpc(body);
    const method = String(body['method']);
    // Carried out, but the answer never arrives: what the client cannot tell from a write that did not land.
    if (faults.dropAnswer.includes(method)) return void res.socket?.destroy();
    if (faults.stallAnswer.includes(method)) return;
    return json(res, answer);
  };

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
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
      if (size <= MAX_BODY) handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.address, () => (server.off('error', reject), resolve()));
  });
  const port = (server.address() as AddressInfo).port;

  let round: Promise<void> | undefined;
  let lastRound = 0;
  const pollNow = (): Promise<void> => {
    // One round at a time, like a recorder's reconnect loop: never two sign-ins at once to a camera.
    round ??= Promise.all(
      o.channels.map(async (c) => {
        if (!c.enable || !c.reachXaddr) {
          c.state = c.enable ? 'Disconnected' : 'Unknown';
          return;
        }
        c.lastLogin = await cameraLogin(c.reachXaddr, c.username, c.password);
        if (c.lastLogin === 'refused') c.refusedLogins = (c.refusedLogins ?? 0) + 1;
        c.state = c.lastLogin === 'ok' ? 'Connected' : 'Disconnected';
      }),
    ).then(() => {
      round = undefined;
      lastRound = Date.now();
    });
    return round;
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const setPollInterval = (ms: number) => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (ms > 0) {
      timer = setInterval(() => void pollNow(), ms);
      timer.unref();
      void pollNow();
    }
  };
  setPollInterval(o.pollMs ?? 0);

  return {
    url: `http://${o.address}:${port}`,
    port,
    channels: o.channels,
    faults,
    setFaults(f) {
      Object.assign(faults, f, f.lockout ? { lockout: { ...faults.lockout, ...f.lockout } } : {});
    },
    stats: () => ({ ...stats, calls: { ...stats.calls }, lockedUntil: now() < stats.lockedUntil ? stats.lockedUntil : 0 }),
    pollNow,
    setPollInterval,
    async stop() {
      setPollInterval(0);
      await round;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
