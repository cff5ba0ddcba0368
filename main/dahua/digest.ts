import { createHash, randomBytes } from 'node:crypto';

/**
 * The HTTP Digest answer Dahua's CGI needs (RFC 7616, qop=auth, MD5 or SHA-256).
 * A protocol folder of its own (main/onvif has one too; protocols do not import each other).
 */

export interface CgiChallenge {
  algorithm: 'MD5' | 'SHA-256';
  realm: string;
  nonce: string;
  opaque?: string;
  nc: number;
}

/** The Digest challenges among rawHeaders' WWW-Authenticate values; SHA-256 first when offered. */
export function cgiChallenge(rawHeaders: string[]): CgiChallenge | undefined {
  const found: CgiChallenge[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'www-authenticate') continue;
    const v = rawHeaders[i + 1]!.trim();
    if (!/^Digest\s/i.test(v)) continue;
    const p: Record<string, string> = {};
    for (const m of v.slice(7).matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) p[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    const algorithm = (p['algorithm'] ?? 'MD5').toUpperCase();
    const qop = (p['qop'] ?? '').split(',').map((q) => q.trim());
    if ((algorithm !== 'MD5' && algorithm !== 'SHA-256') || !qop.includes('auth') || p['realm'] === undefined || !p['nonce']) continue;
    found.push({ algorithm, realm: p['realm'], nonce: p['nonce'], ...(p['opaque'] !== undefined ? { opaque: p['opaque'] } : {}), nc: 0 });
  }
  return found.find((c) => c.algorithm === 'SHA-256') ?? found[0];
}

const h = (algo: CgiChallenge['algorithm'], s: string) => createHash(algo === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');
const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** The Authorization header for one request (advances nc). */
export function cgiAuthorization(c: CgiChallenge, username: string, password: string, method: string, uri: string, cnonce = randomBytes(8).toString('hex')): string {
  c.nc += 1;
  const nc = c.nc.toString(16).padStart(8, '0');
  const response = h(c.algorithm, `${h(c.algorithm, `${username}:${c.realm}:${password}`)}:${c.nonce}:${nc}:${cnonce}:auth:${h(c.algorithm, `${method}:${uri}`)}`);
  return (
    `Digest username=${q(username)}, realm=${q(c.realm)}, nonce=${q(c.nonce)}, uri=${q(uri)}, algorithm=${c.algorithm}, qop=auth, ` +
    `nc=${nc}, cnonce="${cnonce}", response="${response}"${c.opaque !== undefined ? `, opaque=${q(c.opaque)}` : ''}`
  );
}
