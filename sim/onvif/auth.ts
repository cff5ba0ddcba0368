import { createHash, randomBytes } from 'node:crypto';
import { asNode, text, type XmlNode } from './soap';
import type { DeviceFaults } from './types';

/** Server side of HTTP Digest (RFC 7616) and WS-UsernameToken as an ONVIF device does them. */

export type AuthOutcome =
  | { kind: 'none' }
  | { kind: 'ok'; username: string; via: 'digest-MD5' | 'digest-SHA-256' | 'wsse' }
  | { kind: 'stale' } // Digest nonce expired: re-challenge, not a failed login
  | { kind: 'fail'; via: 'digest' | 'wsse'; reason: string };

type Algo = 'MD5' | 'SHA-256';
const MAX_NONCES = 64; // a device remembers few nonces; bounds memory with 1,000 sims
const MAX_WSSE_NONCES = 256;

function h(algo: Algo, s: string): string {
  return createHash(algo === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');
}

/** Splits `a=b, c="d, e"` into a map; quoted values may contain commas. */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  return out;
}

export class DeviceAuth {
  private readonly nonces = new Map<string, { issued: number; ncs: Set<number> }>();
  private readonly wsseNonces = new Map<string, number>();
  readonly opaque = randomBytes(8).toString('hex');
  /** The one nonce a fixed-nonce device hands out for its whole life. */
  private readonly lifeNonce = randomBytes(16).toString('hex');

  constructor(
    readonly realm: string,
    private readonly now: () => number,
    private readonly faults: () => DeviceFaults,
  ) {}

  private algos(): Algo[] {
    const mode = this.faults().auth;
    if (mode === 'wsse-only') return [];
    if (mode === 'digest-sha256-only') return ['SHA-256'];
    if (mode === 'digest-md5-only') return ['MD5'];
    return ['SHA-256', 'MD5']; // preference order: strongest first
  }

  wsseAllowed(): boolean {
    const mode = this.faults().auth;
    return mode === 'both' || mode === 'wsse-only';
  }

  /** One WWW-Authenticate value per algorithm, in preference order. */
  challenges(stale = false): string[] {
    const algos = this.algos();
    if (algos.length === 0) return [];
    const fixed = this.faults().fixedNonce;
    const nonce = fixed ? this.lifeNonce : randomBytes(16).toString('hex');
    if (!fixed || !this.nonces.has(nonce)) {
      if (this.nonces.size >= MAX_NONCES) this.nonces.delete(this.nonces.keys().next().value!);
      this.nonces.set(nonce, { issued: this.now(), ncs: new Set() });
    }
    return algos.map(
      (a) =>
        `Digest realm="${this.realm}", qop="auth", algorithm=${a}, nonce="${nonce}", opaque="${this.opaque}"` +
        (stale ? ', stale=true' : ''),
    );
  }

  /**
   * Checks whichever credential the request carries. Digest wins when both are present
   * (what devices do); the caller records the both-kinds misuse.
   */
  verify(
    authorization: string | undefined,
    method: string,
    url: string,
    header: XmlNode | undefined,
    password: (u: string) => string | undefined,
  ): AuthOutcome {
    if (authorization && /^digest\s/i.test(authorization) && this.algos().length > 0) {
      return this.verifyDigest(authorization.slice(7), method, url, password);
    }
    const token = asNode(asNode(header?.['Security'])?.['UsernameToken']);
    if (token && this.wsseAllowed()) return this.verifyWsse(token, password);
    // A credential kind this device does not do is ignored (answered with a challenge), not counted.
    return { kind: 'none' };
  }

  private verifyDigest(params: string, method: string, url: string, password: (u: string) => string | undefined): AuthOutcome {
    const p = parseAuthParams(params);
    const algo = (p['algorithm'] ?? 'MD5').toUpperCase() as Algo;
    const fail = (reason: string): AuthOutcome => ({ kind: 'fail', via: 'digest', reason });
    if (!this.algos().includes(algo)) return fail('algorithm not offered');
    const entry = p['nonce'] ? this.nonces.get(p['nonce']) : undefined;
    if (!entry || (!this.faults().fixedNonce && this.now() - entry.issued > this.faults().nonceTtlMs)) {
      if (entry) this.nonces.delete(p['nonce']!);
      return { kind: 'stale' };
    }
    if (p['opaque'] !== this.opaque || p['qop'] !== 'auth' || p['uri'] !== url || !p['cnonce']) return fail('bad parameters');
    const nc = Number.parseInt(p['nc'] ?? '', 16);
    if (!Number.isFinite(nc) || nc < 1 || entry.ncs.has(nc)) return fail('nonce count replayed');
    // A device that issues a nonce per request refuses a second use like a wrong password (and logs it so).
    if (this.faults().singleUseNonce && entry.ncs.size > 0) return fail('nonce already used');
    const starred = this.faults().ignoreUsernameStar ? undefined : p['username*']?.match(/^UTF-8''(.*)$/i)?.[1];
    // Header text arrives as Latin-1 (one char per byte): a UTF-8 username is decoded back from its bytes.
    let user = Buffer.from(p['username'] ?? '', 'latin1').toString('utf8');
    if (starred !== undefined) {
      try {
        user = decodeURIComponent(starred);
      } catch {
        return fail('bad username*');
      }
    }
    const pw = password(user);
    if (pw === undefined) return fail('unknown user');
    const ha1 = h(algo, `${user}:${this.realm}:${pw}`);
    const ha2 = h(algo, `${method}:${url}`);
    const expected = h(algo, `${ha1}:${p['nonce']}:${p['nc']}:${p['cnonce']}:auth:${ha2}`);
    if (expected !== p['response']) return fail('wrong response');
    entry.ncs.add(nc);
    return { kind: 'ok', username: user, via: `digest-${algo}` };
  }

  private verifyWsse(token: XmlNode, password: (u: string) => string | undefined): AuthOutcome {
    const fail = (reason: string): AuthOutcome => ({ kind: 'fail', via: 'wsse', reason });
    const user = text(token['Username']) ?? '';
    const pwNode = token['Password'];
    const given = text(pwNode) ?? '';
    const type = String(asNode(pwNode)?.['@Type'] ?? '');
    const nonceB64 = text(token['Nonce']) ?? '';
    const created = text(token['Created']) ?? '';
    const pw = password(user);
    if (pw === undefined) return fail('unknown user');
    if (type.endsWith('#PasswordText')) {
      return given === pw ? { kind: 'ok', username: user, via: 'wsse' } : fail('wrong password');
    }
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs) || Math.abs(this.now() - createdMs) > this.faults().wsseWindowMs) return fail('stale Created');
    if (!nonceB64 || this.wsseNonces.has(nonceB64)) return fail('nonce replayed');
    const digest = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonceB64, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(pw, 'utf8')]))
      .digest('base64');
    if (digest !== given) return fail('wrong digest');
    if (this.wsseNonces.size >= MAX_WSSE_NONCES) this.wsseNonces.delete(this.wsseNonces.keys().next().value!);
    this.wsseNonces.set(nonceB64, createdMs);
    return { kind: 'ok', username: user, via: 'wsse' };
  }
}
