import { randomBytes, randomInt } from 'node:crypto';

/**
 * The vendor's side of the reset, as the simulated site needs it: which QR
 * texts an NVR issued, the codes support sent for them, and the checks support
 * applies to incoming mail. Written independently of common/reset on purpose:
 * the sim must not share the client's understanding of the rules.
 */
export const SUPPORT_ADDRESS = 'support_gpwd@htmicrochip.com';
export const DAY = 24 * 3600_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export interface ResetRequest {
  qrText: string;
  serial: string;
  nonce: string;
  email: string;
  issuedAt: number;
  codes: { code: string; issuedAt: number }[];
}

export interface Reply {
  at: number;
  from: string;
  /** The registered email the reply goes to (support knows it from the QR text). */
  to: string;
  accepted: boolean;
  /** Present when accepted: the code the NVR will take for 24 h. */
  code?: string;
  text: string;
}

export interface IncomingMail {
  to: string;
  subject?: string;
  body?: string;
}

export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

export function makeQrText(serial: string, nonce: string, email: string): string {
  return `https://gpwd.htmicrochip.com/r?sn=${encodeURIComponent(serial)}&n=${nonce}&e=${encodeURIComponent(email)}`;
}

export function newCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** Support answers one message: a code for a well-formed request, a refusal that says why otherwise. */
export function answer(mail: IncomingMail, requests: Map<string, ResetRequest>, now: number): Reply {
  const refuse = (to: string, why: string): Reply => ({
    at: now,
    from: SUPPORT_ADDRESS,
    to,
    accepted: false,
    text: `Your request could not be processed: ${why} Send an email to ${SUPPORT_ADDRESS} with no subject and only the text of the QR code in the body.`,
  });
  if ((mail.to ?? '').trim().toLowerCase() !== SUPPORT_ADDRESS) return refuse('(sender)', `it was addressed to ${mail.to}.`);
  const body = (mail.body ?? '').replace(/\r?\n$/, '');
  const req = requests.get(body);
  if (mail.subject && mail.subject.trim() !== '') return refuse(req?.email ?? '(sender)', 'the message has a subject line.');
  if (!body.trim()) return refuse('(sender)', 'the message body is empty.');
  if (!req) {
    const hint = [...requests.keys()].some((k) => body.includes(k)) ? 'the body holds more than the QR text.' : 'the body is not the text of an NVR reset QR code.';
    return refuse('(sender)', hint);
  }
  if (req.codes.length >= 2) return refuse(req.email, 'two security codes were already issued for this QR code; generate a new QR code on the NVR.');
  const code = newCode();
  req.codes.push({ code, issuedAt: now });
  return {
    at: now,
    from: SUPPORT_ADDRESS,
    to: req.email,
    accepted: true,
    code,
    text: `Your security code is ${code.slice(0, 4)}-${code.slice(4)}. It is valid for 24 hours.`,
  };
}

/** RFC 6068: '+' is a literal plus in a mailto, not a space (URLSearchParams would get this wrong). */
export function parseMailto(url: string): IncomingMail & { extraHeaders: string[] } {
  const m = /^mailto:([^?]*)(?:\?(.*))?$/is.exec(url);
  if (!m) throw new Error('not a mailto URL');
  const mail: IncomingMail & { extraHeaders: string[] } = { to: decodeURIComponent(m[1] ?? ''), extraHeaders: [] };
  for (const pair of (m[2] ?? '').split('&')) {
    if (!pair) continue;
    const [k = '', v = ''] = pair.split(/=(.*)/s);
    const key = decodeURIComponent(k).toLowerCase();
    const value = decodeURIComponent(v);
    if (key === 'subject') mail.subject = value;
    else if (key === 'body') mail.body = value;
    else mail.extraHeaders.push(key);
  }
  return mail;
}
