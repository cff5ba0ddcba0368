/**
 * The one allow-list for handing URLs to the OS (shell.openExternal, xdg-open).
 * Everything else — javascript:, file:, data:, http:, UNC paths, other mail
 * recipients, extra mail headers — is refused. The URL we hand on is rebuilt
 * from the parts we checked, never the caller's string.
 */
export const SUPPORT_EMAIL = 'support_gpwd@htmicrochip.com';

/** Vendor help pages (the seed article's help centre and the vendor site). */
export const HELP_HOSTS: readonly string[] = ['htmicrochip.com', 'www.htmicrochip.com', 'support.htmicrochip.com'];

/** Longest URL we accept: a QR text is a few hundred characters; mail clients choke past ~8 KB anyway. */
export const MAX_EXTERNAL_URL = 16 * 1024;

export type ExternalCheck = { ok: true; url: string; scheme: 'mailto' | 'https' } | { ok: false; reason: string };

const refuse = (reason: string): ExternalCheck => ({ ok: false, reason });

export function checkExternalUrl(input: unknown): ExternalCheck {
  if (typeof input !== 'string') return refuse('The link is not text.');
  if (input.length > MAX_EXTERNAL_URL) return refuse('The link is too long to hand to another program.');
  // Control characters, whitespace at the ends and backslashes are how
  // parsers are made to disagree (CRLF header injection, UNC paths).
  if (/[\u0000-\u001f\u007f\s\\]/.test(input)) return refuse('The link contains spaces, backslashes or control characters.');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(input)?.[1]?.toLowerCase();
  if (scheme === 'mailto') return checkMailto(input);
  if (scheme === 'https') return checkHttps(input);
  return refuse(`Links of type "${scheme ?? 'none'}" are not opened by this app; only mail to vendor support and the vendor's help pages are.`);
}

function checkMailto(input: string): ExternalCheck {
  const rest = input.slice('mailto:'.length);
  if (rest.includes('#')) return refuse('The mail link carries a fragment.');
  const q = rest.indexOf('?');
  const rawTo = q === -1 ? rest : rest.slice(0, q);
  const to = safeDecode(rawTo);
  if (to === undefined || to.toLowerCase() !== SUPPORT_EMAIL) {
    return refuse(`Mail links may only be addressed to ${SUPPORT_EMAIL}.`);
  }
  let body: string | undefined;
  if (q !== -1) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq))?.toLowerCase();
      const value = safeDecode(eq === -1 ? '' : pair.slice(eq + 1));
      if (key === undefined || value === undefined) return refuse('The mail link is not correctly encoded.');
      // Support refuses messages with a subject or anything besides the QR text.
      if (key !== 'body') return refuse(`The mail link may not set "${key}": support needs no subject and nothing but the QR text.`);
      if (body !== undefined) return refuse('The mail link sets the body twice.');
      body = value;
    }
  }
  const url = body === undefined ? `mailto:${SUPPORT_EMAIL}` : `mailto:${SUPPORT_EMAIL}?body=${encodeURIComponent(body)}`;
  return { ok: true, url, scheme: 'mailto' };
}

function checkHttps(input: string): ExternalCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('The web link is not a valid URL.');
  }
  if (url.username || url.password) return refuse('The web link carries a user name or password.');
  if (url.port) return refuse('The web link names a port.');
  if (!HELP_HOSTS.includes(url.hostname.toLowerCase())) {
    return refuse(`Only the vendor's help pages (${HELP_HOSTS.join(', ')}) are opened from the app.`);
  }
  return { ok: true, url: url.href, scheme: 'https' };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
