import { z } from 'zod';
import { checkPassword, FORBIDDEN_CHARS, PASSWORD_MESSAGES } from '../reset/password';
import { checkEmail } from '../reset/email';
import { parseHostTarget } from '../discovery/net';

/**
 * Pure rules of initialising a factory-fresh device: the password and e-mail
 * the technician gives, the target addresses, the masked e-mail shown at a glance.
 */

/**
 * The init password rule (manuals: 8–32 characters, at least two kinds, none of
 * ' " ; : & or space) is the NVR reset's rule (common/reset/password.ts), which
 * already refuses spaces; it is stricter than some devices (letters count as one
 * kind), never looser. A plain-words reason, or undefined when the password may be sent.
 */
export function initPasswordProblem(password: string): string | undefined {
  const check = checkPassword(password);
  if (check.ok) return undefined;
  const words = check.problems.map((p) => (p === 'forbidden-char' ? forbiddenWords(check.forbiddenFound) : PASSWORD_MESSAGES[p]));
  return `The new password does not meet the device's rule: ${words.join(' ')}`;
}

/**
 * Names the offending characters themselves ("remove “;”"), so the technician
 * knows what to change without reading the whole list; the list follows.
 */
function forbiddenWords(found: readonly string[]): string {
  return `Remove ${found.map((c) => `“${c}”`).join(' and ')}: devices refuse ${FORBIDDEN_CHARS.join(' ')}.`;
}

/** The reset e-mail the device registers (`Mail`): empty means none; otherwise one plain address. */
export function initEmailProblem(email: string): string | undefined {
  if (email === '') return undefined;
  const c = checkEmail(email);
  return c.ok ? undefined : `The reset e-mail is not usable: ${c.message}`;
}

/**
 * "owner@example.com" → "o***@example.com": enough for a technician to recognise
 * the address, not enough to copy it into a screenshot or a log. Anything that
 * is not one address is shown as "***".
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return '***';
  return `${email[0]}***${email.slice(at)}`.slice(0, 260);
}

/**
 * A device to initialise, as typed or listed in a targets file: `192.168.1.108`,
 * `192.168.1.108:8080` or `http://192.168.1.108[:port]`. Factory-fresh devices
 * serve their wizard over plain http (port 80 unless said); no path, no
 * credentials, no https.
 */
export function parseInitAddress(input: string): { ok: true; url: string } | { ok: false; reason: string } {
  const s = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return { ok: false, reason: 'not a URL' };
    }
    if (u.protocol !== 'http:') return { ok: false, reason: `${u.protocol.replace(':', '')} is not offered: a factory-fresh device's wizard is plain http` };
    if (u.username || u.password) return { ok: false, reason: 'credentials do not belong in the address' };
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return { ok: false, reason: 'give the device address only (no path)' };
    return parseInitAddress(u.host);
  }
  const t = parseHostTarget(s);
  if (!t.ok) return t;
  return { ok: true, url: `http://${t.target.host.toLowerCase()}:${t.target.port ?? 80}` };
}

export const InitAddress = z
  .string()
  .max(300)
  .refine((s) => parseInitAddress(s).ok, { message: 'an IPv4 address or host name, optionally with :port or as http://host[:port]' })
  .transform((s) => (parseInitAddress(s) as { url: string }).url);
