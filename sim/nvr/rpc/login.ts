import { createHash, randomBytes, randomInt } from 'node:crypto';
import { errorBody, obj, type Session } from './answers';
import type { Nvr } from './nvr';
import { CODES, type LoginFaults, type RefusalKind } from './types';

/**
 * `global.login` on /RPC2_Login, in every variant the public clients handle
 * (DOMAIN.md "Login variants"): step one answers the challenge (error 268632079,
 * or 401 in the JSON, or HTTP 401 with the same JSON) with a session, realm, random and
 * the `encryption`; step two carries the password hashed as that encryption says.
 * Every refusal of a second step spends the one failure counter; the lock follows it.
 */

export const KEEPALIVE_S = 60;
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/**
 * The 8-character MD5 fold of "OldDigest" firmware: byte pairs of MD5(password) summed mod 62
 * and written 0-9, A-Z, a-z (DahuaConsole dahua_logon_modes.py `dahua_gen1_hash`; the same
 * fold as `sofia_hash` in a public Python NVR tool).
 */
export function oldDigest(password: string): string {
  const d = createHash('md5').update(password, 'latin1').digest();
  let out = '';
  for (let i = 0; i < 8; i++) {
    const n = (d[2 * i]! + d[2 * i + 1]!) % 62;
    out += String.fromCharCode(n < 10 ? n + 48 : n < 36 ? n + 55 : n + 61);
  }
  return out;
}

/** What step two's `password` must be, per encryption (dahua-rpc lib/rpcLogin.ts getAuth; DahuaConsole). */
const HASHES: Record<LoginFaults['encryption'], (user: string, password: string, random: string, realm: string) => string> = {
  Default: (u, p, random, realm) => md5(`${u}:${random}:${md5(`${u}:${realm}:${p}`)}`),
  Basic: (u, p) => Buffer.from(`${u}:${p}`, 'latin1').toString('base64'),
  OldDigest: (_u, p) => oldDigest(p),
  // WatchNet: the password itself, with loginType "WatchNet" (dahua-rpc; ipcmanview).
  WatchNet: (_u, p) => p,
};

/** Codes, and the strings some firmware sends instead (spelled so), per refusal. */
export const REFUSALS: Record<RefusalKind, { code: number; text?: string; message: string }> = {
  'user-or-password': { code: CODES.wrongPassword, message: 'User or password not valid' },
  user: { code: CODES.userNotValid, text: 'UserNotValidt', message: 'User not valid' },
  password: { code: CODES.passwordNotValid, text: 'PasswordNotValid', message: 'Password not valid' },
  blacklisted: { code: CODES.blacklisted, text: 'InBlackList', message: 'User in blackList' },
  'has-been-used': { code: CODES.hasBeenUsed, text: 'HasBeedUsed', message: 'User has be used' },
  locked: { code: CODES.locked, text: 'HasBeenLocked', message: 'User locked' },
};

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(user: string, style: LoginFaults['session'], now: number): Session {
    const id = style === 'number' ? randomInt(1, 2 ** 31 - 1) : randomBytes(16).toString('hex');
    const s: Session = { id, user, random: String(randomInt(100_000_000, 999_999_999)), active: false, calls: 0, lastSeen: now };
    this.byId.set(String(id), s);
    return s;
  }

  /** The session a request names, only when it comes back with the type it was handed out with. */
  get(sid: unknown): Session | undefined {
    if (typeof sid !== 'string' && typeof sid !== 'number') return undefined;
    const s = this.byId.get(String(sid));
    return s && typeof s.id === typeof sid ? s : undefined;
  }

  delete(s: Session): void {
    this.byId.delete(String(s.id));
  }
}

export interface LoginAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One /RPC2_Login request. */
export function login(nvr: Nvr, sessions: Sessions, req: Record<string, unknown>): LoginAnswer {
  const id = req['id'];
  const p = obj(req['params']) ?? {};
  const user = typeof p['userName'] === 'string' ? p['userName'] : '';
  // Refused before any password: not a failed sign-in.
  if (nvr.faults.blacklisted) return { status: 200, body: errorBody(id, 0, CODES.blacklisted, 'User in blocklist', {}) };
  if (nvr.faults.notInitialised) return { status: 200, body: errorBody(id, 0, CODES.notInitialised, 'Device not initialized', {}) };
  const pending = sessions.get(req['session']);
  if (!pending || !p['password']) return challenge(nvr, sessions, id, user);
  return secondStep(nvr, sessions, id, pending, p);
}

function challenge(nvr: Nvr, sessions: Sessions, id: unknown, user: string): LoginAnswer {
  const f = nvr.faults.login;
  const s = sessions.create(user, f.session, nvr.now());
  const params = { authorization: randomBytes(20).toString('hex'), encryption: f.encryption, mac: '3CEF8C000001', random: s.random, realm: nvr.realm };
  const code = f.challenge === 'code' ? CODES.challenge : 401;
  return { status: f.challenge === 'http-401' ? 401 : 200, body: errorBody(id, s.id, code, 'Component error: login challenge!', params) };
}

function secondStep(nvr: Nvr, sessions: Sessions, id: unknown, pending: Session, p: Record<string, unknown>): LoginAnswer {
  const { stats } = nvr;
  if (nvr.now() < stats.lockedUntil) {
    stats.lockedRefusals++;
    sessions.delete(pending);
    return refused(nvr, id, pending, 'locked', { remainLockSecond: Math.ceil((stats.lockedUntil - nvr.now()) / 1000) });
  }
  const kind = nvr.faults.login.refuseAs ?? verify(nvr, pending, p);
  if (kind) {
    sessions.delete(pending);
    return refused(nvr, id, pending, kind, spendFailure(nvr));
  }
  stats.consecutiveFailures = 0;
  stats.logins++;
  pending.active = true;
  pending.lastSeen = nvr.now();
  return { status: 200, body: { id, params: { keepAliveInterval: KEEPALIVE_S }, result: true, session: pending.id } };
}

/** Why the second step is refused, or undefined when it signs in. */
function verify(nvr: Nvr, pending: Session, p: Record<string, unknown>): RefusalKind | undefined {
  const f = nvr.faults.login;
  const split = f.refusals === 'split' || f.refusalForm === 'string';
  const stored = p['userName'] === pending.user ? nvr.password(pending.user) : undefined;
  if (stored === undefined) return split ? 'user' : 'user-or-password';
  const expected = HASHES[f.encryption](pending.user, stored, pending.random, nvr.realm);
  const ok = p['password'] === expected && p['authorityType'] === f.encryption && (f.encryption !== 'WatchNet' || p['loginType'] === 'WatchNet');
  if (ok) return undefined;
  return split ? 'password' : 'user-or-password';
}

/** One refused sign-in (RPC or CGI): the shared counter, and the lock at the limit. */
export function spendFailure(nvr: Nvr): { remainLoginTimes: number; remainLockSecond: number } {
  const { stats } = nvr;
  stats.loginFailures++;
  stats.consecutiveFailures++;
  const { afterFailures, lockMs } = nvr.faults.lockout;
  const remain = afterFailures > 0 ? Math.max(0, afterFailures - stats.consecutiveFailures) : 99;
  if (afterFailures > 0 && remain === 0) {
    stats.lockedUntil = nvr.now() + lockMs;
    stats.consecutiveFailures = 0;
    return { remainLoginTimes: 0, remainLockSecond: Math.ceil(lockMs / 1000) };
  }
  return { remainLoginTimes: remain, remainLockSecond: 0 };
}

/** A refusal in the firmware's form: the code, or the string (in error.message and params.error). */
function refused(nvr: Nvr, id: unknown, s: Session, kind: RefusalKind, counts: Record<string, number>): LoginAnswer {
  const r = REFUSALS[kind];
  // Counts go with 268632085 (and the lock's remaining seconds with the lock), as firmware that counts sends them.
  const shown = kind === 'user-or-password' ? counts : kind === 'locked' ? { remainLockSecond: counts['remainLockSecond'] } : {};
  if (nvr.faults.login.refusalForm === 'string' && r.text) {
    return { status: 200, body: errorBody(id, s.id, CODES.codeNotSet, r.text, { ...shown, error: r.text }) };
  }
  return { status: 200, body: errorBody(id, s.id, r.code, r.message, shown) };
}
