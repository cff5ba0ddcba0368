import { createHash, randomBytes } from 'node:crypto';

/** Client side of HTTP Digest (RFC 7616), MD5 and SHA-256, qop=auth only. */

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

const hash = (algo: DigestAlgorithm, s: string) =>
  createHash(algo === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/**
 * Last nonce count used per nonce, across clients: a device may hand out one
 * fixed nonce for its whole life (DOMAIN.md), and a new client starting again at
 * nc=1 would be a replay the device counts as a failed sign-in. Bounded; the
 * oldest nonces are forgotten first.
 */
const lastNc = new Map<string, number>();
const MAX_REMEMBERED_NONCES = 8192;

function nextNc(c: DigestChallenge): number {
  const id = `${c.algorithm}\u0000${c.realm}\u0000${c.nonce}`;
  const n = Math.max(c.nc, lastNc.get(id) ?? 0) + 1;
  lastNc.delete(id);
  if (lastNc.size >= MAX_REMEMBERED_NONCES) lastNc.delete(lastNc.keys().next().value!);
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

/** Builds the Authorization value and advances the challenge's nonce count (never reused for a nonce, across clients). */
export function digestAuthorization(
  c: DigestChallenge,
  username: string,
  password: string,
  method: string,
  uri: string,
  cnonce = randomBytes(8).toString('hex'),
): string {
  c.nc = nextNc(c);
  const nc = c.nc.toString(16).padStart(8, '0');
  const ha1 = hash(c.algorithm, `${username}:${c.realm}:${password}`);
  const ha2 = hash(c.algorithm, `${method}:${uri}`);
  const response = hash(c.algorithm, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const user = `username=${quote(headerUsername(username))}`;
  return (
    `Digest ${user}, realm=${quote(c.realm)}, nonce=${quote(c.nonce)}, uri=${quote(uri)}, ` +
    `algorithm=${c.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"` +
    (c.opaque !== undefined ? `, opaque=${quote(c.opaque)}` : '')
  );
}
