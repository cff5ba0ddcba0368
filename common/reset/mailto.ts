import { SUPPORT_EMAIL } from '../external-links';
import { isWellFormed } from './unicode';

/**
 * Support's rules (seed): to support_gpwd@htmicrochip.com, NO subject, body =
 * the QR text and nothing else. The composer takes nothing but the body, so no
 * caller can add a subject, cc, bcc or other header; every character of the
 * text is percent-encoded (encodeURIComponent) so &, ?, #, =, + cannot start a
 * new parameter or a fragment.
 */
export const SUPPORT_ADDRESS = SUPPORT_EMAIL;

export function composeSupportMailto(qrText: string): string {
  if (qrText.length === 0) throw new Error('empty QR text');
  if (!isWellFormed(qrText)) throw new Error('QR text has broken Unicode');
  return `mailto:${SUPPORT_ADDRESS}?body=${encodeURIComponent(qrText)}`;
}

export interface ParsedMailto {
  to: string;
  subject: string | undefined;
  body: string | undefined;
  /** Header names other than body/subject (cc, bcc, in-reply-to…). */
  otherHeaders: string[];
}

/**
 * RFC 6068 parsing without URLSearchParams: that API turns '+' into a space,
 * which is not what a mail client does with a mailto body.
 */
export function parseMailto(url: string): ParsedMailto {
  if (!/^mailto:/i.test(url)) throw new Error('not a mailto: URL');
  const rest = url.slice('mailto:'.length);
  const q = rest.indexOf('?');
  const to = decodeURIComponent(q < 0 ? rest : rest.slice(0, q));
  let subject: string | undefined;
  let body: string | undefined;
  const otherHeaders: string[] = [];
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
      if (name === 'subject') subject = value;
      else if (name === 'body') body = value;
      else if (name === 'to') otherHeaders.push('to');
      else otherHeaders.push(name);
    }
  }
  return { to, subject, body, otherHeaders };
}

/** What support checks before answering; the sim's mailbox and the app both use this wording. */
export function supportRefusal(msg: { to: string; subject?: string | undefined; body?: string | undefined }, expectedBody?: string): string | undefined {
  if (msg.to.trim().toLowerCase() !== SUPPORT_ADDRESS) return `Sent to ${msg.to}, not ${SUPPORT_ADDRESS}.`;
  if (msg.subject && msg.subject.trim()) return 'The message has a subject line; support requires no subject.';
  if (!msg.body || !msg.body.trim()) return 'The message body is empty; it must be the QR text.';
  if (expectedBody !== undefined && msg.body.replace(/\r?\n$/, '') !== expectedBody) {
    return 'The body is not exactly the QR text (extra text, a signature or a changed character).';
  }
  return undefined;
}
