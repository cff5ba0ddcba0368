import { createHash, randomUUID } from 'node:crypto';
import type { HttpAnswer } from './http';

/**
 * Client side of HTTP Digest (RFC 7616: MD5 and SHA-256, qop=auth), the one copy
 * in the app, with the nonce reuse a device allows and no more:
 * - A nonce is reused (nc increasing, across clients too: a device may hand out
 *   one nonce for life) so that a device is challenged once, not per request.
 * - `stale=true`: the nonce expired and the password was not judged; sign again
 *   with the new nonce, not a refused sign-in.
 * - Some devices issue a fresh nonce for every request and answer
 *   `Connection: close`; a cached nonce is always refused there, and shows in the
 *   device's log as a refused login (DOMAIN.md). So a nonce is reused only where
 *   the device has not said `Connection: close`, and, until a reuse has worked on
 *   that device, only for the credential that just signed in with it. Only a
 *   refusal of a fresh nonce (or of a reuse the device has shown it accepts)
 *   counts as a wrong password.
 */

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
  opaque?: string;
  stale: boolean;
  /** Count of requests sent with this nonce (nc). */
  nc: number;
}

export interface ParsedChallenges {
  digest: DigestChallenge[];
  /** Digest challenges we cannot answer (other algorithms, -sess, no qop=auth). */
  unsupported: string[];
  basic: boolean;
}

export interface Credentials {
  username: string;
  password: string;
}

function params(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  return out;
}

/** Reads every WWW-Authenticate header (rawHeaders keeps them apart; a device sends one per algorithm). */
export function parseChallenges(rawHeaders: string[]): ParsedChallenges {
  const out: ParsedChallenges = { digest: [], unsupported: [], basic: false };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'www-authenticate') continue;
    const value = rawHeaders[i + 1]!.trim();
    const scheme = value.split(/\s/, 1)[0]!.toLowerCase();
    if (scheme === 'basic') {
      out.basic = true;
      continue;
    }
    if (scheme !== 'digest') continue;
    const p = params(value.slice(6));
    const algo = (p['algorithm'] ?? 'MD5').toUpperCase();
    const qops = (p['qop'] ?? '').split(',').map((q) => q.trim().toLowerCase());
    if ((algo !== 'MD5' && algo !== 'SHA-256') || !qops.includes('auth') || !p['nonce'] || p['realm'] === undefined) {
      out.unsupported.push(algo);
      continue;
    }
    out.digest.push({
      algorithm: algo,
      realm: p['realm'],
      nonce: p['nonce'],
      ...(p['opaque'] !== undefined ? { opaque: p['opaque'] } : {}),
      stale: (p['stale'] ?? '').toLowerCase() === 'true',
      nc: 0,
    });
  }
  return out;
}

/** Strongest algorithm we support wins, whatever order the device listed them in. */
export function pickChallenge(list: DigestChallenge[]): DigestChallenge | undefined {
  return list.find((c) => c.algorithm === 'SHA-256') ?? list[0];
}

const hash = (algo: DigestAlgorithm, s: string) => createHash(algo === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');
const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** Bounded memories keyed by nonce or origin: the oldest entries are forgotten first. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, v);
  }
}

/**
 * Last nonce count used per nonce, across clients: a device may hand out one
 * fixed nonce for its whole life (DOMAIN.md), and a new client starting again at
 * nc=1 would be a replay the device counts as a failed sign-in.
 */
const lastNc = new Bounded<number>(8192);

function nextNc(c: DigestChallenge): number {
  const id = `${c.algorithm}\u0000${c.realm}\u0000${c.nonce}`;
  const n = Math.max(c.nc, lastNc.get(id) ?? 0) + 1;
  lastNc.set(id, n);
  return n;
}

/**
 * The username as it travels in the header: ASCII as is; otherwise its UTF-8
 * bytes in the plain `username` parameter (node writes header strings as
 * Latin-1, one byte per char). RFC 7616's `username*` alone is ignored by some
 * servers (DOMAIN.md), while the UTF-8 form is what they all hash.
 */
function headerUsername(username: string): string {
  return /^[\x20-\x7e]*$/.test(username) ? username : Buffer.from(username, 'utf8').toString('latin1');
}

/** A cnonce of 16 hex digits (about 60 random bits) from Node's buffered UUID source: no system call per request. */
const newCnonce = () => randomUUID().replace(/-/g, '').slice(0, 16);

/** Builds the Authorization value and advances the challenge's nonce count (never reused for a nonce, across clients). */
export function digestAuthorization(c: DigestChallenge, username: string, password: string, method: string, uri: string, cnonce = newCnonce()): string {
  c.nc = nextNc(c);
  const nc = c.nc.toString(16).padStart(8, '0');
  const ha1 = hash(c.algorithm, `${username}:${c.realm}:${password}`);
  const ha2 = hash(c.algorithm, `${method}:${uri}`);
  const response = hash(c.algorithm, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username=${quote(headerUsername(username))}, realm=${quote(c.realm)}, nonce=${quote(c.nonce)}, uri=${quote(uri)}, ` +
    `algorithm=${c.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"` +
    (c.opaque !== undefined ? `, opaque=${quote(c.opaque)}` : '')
  );
}

/** What a device has shown about reusing its nonces: unknown until a reuse worked ('yes') or it said `Connection: close` ('no'). */
type Reuse = 'unknown' | 'yes' | 'no';
const reuseByOrigin = new Bounded<Reuse>(8192);

/** One request's signature, kept to judge the answer. */
export interface Signed {
  authorization: string;
  /** The nonce had not signed anything before (from a challenge just received). */
  fresh: boolean;
  who: string;
}

/** What a 401 to a signed request means. */
export type Refusal = 'stale' | 'nonce' | 'password';

/**
 * One client's Digest state for one origin: the challenge it signs with and
 * whether it may sign the next request without asking for a fresh one.
 */
export class DigestSession {
  private challenge: DigestChallenge | undefined;
  private fresh = false;
  /** The credential that last signed in with the current nonce. */
  private provenFor: string | undefined;

  constructor(readonly origin: string) {}

  get hasChallenge(): boolean {
    return this.challenge !== undefined;
  }

  /** Takes a challenge the device just issued (a 401): the next request signs with it, as a fresh nonce. */
  take(c: DigestChallenge): void {
    this.challenge = c;
    this.fresh = true;
    this.provenFor = undefined;
  }

  /** The Authorization for the next request, or undefined when a fresh challenge must be asked for first. */
  sign(cred: Credentials, method: string, uri: string): Signed | undefined {
    const c = this.challenge;
    if (!c) return undefined;
    const who = identity(cred);
    if (!this.fresh) {
      const reuse = reuseByOrigin.get(this.origin) ?? 'unknown';
      if (reuse === 'no' || (reuse === 'unknown' && this.provenFor !== who)) return undefined;
    }
    const signed = { authorization: digestAuthorization(c, cred.username, cred.password, method, uri), fresh: this.fresh, who };
    this.fresh = false;
    return signed;
  }

  /** Every answer from the device: one that closes its connection gets a fresh nonce per request. */
  observe(answer: Pick<HttpAnswer, 'headers'>): void {
    const connection = answer.headers['connection'];
    if (typeof connection === 'string' && /\bclose\b/i.test(connection) && (reuseByOrigin.get(this.origin) ?? 'unknown') === 'unknown') {
      reuseByOrigin.set(this.origin, 'no');
    }
  }

  /** A signed request was answered (not 401): the credential holds, and a reused nonce is shown to work here. */
  accepted(s: Signed): void {
    this.provenFor = s.who;
    if (!s.fresh && (reuseByOrigin.get(this.origin) ?? 'unknown') === 'unknown') reuseByOrigin.set(this.origin, 'yes');
  }

  /**
   * A 401 to a signed request: `stale` (sign again with the new nonce), `nonce`
   * (a reused nonce refused where reuse never worked: the device may log it as a
   * refused login, but the password was not judged) or `password` (refused).
   * The answer's challenge, when it has one, signs the next request.
   */
  refused(s: Signed, challenge: DigestChallenge | undefined): Refusal {
    if (challenge) this.take(challenge);
    else this.challenge = undefined;
    if (challenge?.stale) return 'stale';
    if (s.fresh || reuseByOrigin.get(this.origin) === 'yes') return 'password';
    reuseByOrigin.set(this.origin, 'no');
    return 'nonce';
  }
}

/** A credential's identity inside one session, without keeping the password itself. */
function identity(c: Credentials): string {
  return createHash('sha256').update(`${c.username}\u0000${c.password}`, 'utf8').digest('hex');
}

/** What withDigest reports beside the answer. */
export interface DigestHooks {
  /** A refusal the device counts: `password` judged wrong, or `nonce` (a reused nonce refused; logged by some devices). */
  onRefused(kind: 'password' | 'nonce'): void;
}

/**
 * A request signed by Digest, for callers with no other scheme to try (a
 * snapshot GET, the Dahua CGI reads): the first round trip fetches the
 * challenge, a stale or refused-reuse answer is signed again with the new
 * nonce, a wrong password is reported once and its 401 returned. Answers that
 * are not 401 are returned as they are; a 401 without a usable Digest challenge
 * is returned for the caller to name.
 */
export async function withDigest(session: DigestSession, cred: Credentials, method: string, uri: string, send: (authorization?: string) => Promise<HttpAnswer>, hooks: DigestHooks): Promise<HttpAnswer> {
  for (let round = 0; round < 5; round++) {
    const signed = session.sign(cred, method, uri);
    const answer = await send(signed?.authorization);
    session.observe(answer);
    if (answer.status !== 401) {
      if (signed) session.accepted(signed);
      return answer;
    }
    const best = pickChallenge(parseChallenges(answer.rawHeaders).digest);
    if (!signed) {
      if (!best) return answer;
      session.take(best);
      continue;
    }
    const why = session.refused(signed, best);
    if (why === 'password') {
      hooks.onRefused('password');
      return answer;
    }
    if (why === 'nonce') hooks.onRefused('nonce');
  }
  throw new DigestLoop();
}

/** The device kept challenging without ever judging the credential. */
export class DigestLoop extends Error {
  constructor() {
    super('the device keeps challenging without judging the credentials');
  }
}
