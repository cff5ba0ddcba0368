import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { composeSupportMailto, parseMailto, supportRefusal, SUPPORT_ADDRESS } from './mailto';
import { checkExternalUrl } from '../external-links';
import { checkQrText } from './qr-text';

const SAMPLES = [
  'https://gpwd.htmicrochip.com/r?sn=HS123&n=abc&e=a%40b.com',
  'a&b=c?d#e%f+g h',
  'line1\nline2\r\nline3',
  'unicode ✓ 中文 🔒 ñ',
  '%25%2B already-encoded-looking',
  "!*'()~ unreserved",
  '&subject=Hello',
  '&cc=attacker@example.com',
];

describe('support mailto', () => {
  it('is exactly address + body, no subject', () => {
    expect(composeSupportMailto('abc')).toBe(`mailto:${SUPPORT_ADDRESS}?body=abc`);
  });

  it.each(SAMPLES)('encodes %j so it round-trips as the only parameter', (text) => {
    const url = composeSupportMailto(text);
    const parsed = parseMailto(url);
    expect(parsed).toEqual({ to: SUPPORT_ADDRESS, subject: undefined, body: text, otherHeaders: [] });
    // Exactly one parameter, and nothing after the body could be read as another one or a fragment.
    expect(url.split('?')).toHaveLength(2);
    expect(url).not.toMatch(/[&#\s]/);
    // URL parsing agrees (URLSearchParams would read '+' as space; our encoding has no raw '+').
    expect(new URL(url).searchParams.get('body')).toBe(text);
    expect([...new URL(url).searchParams.keys()]).toEqual(['body']);
  });

  it.each(SAMPLES)('passes the openExternal allow-list unchanged: %j', (text) => {
    const url = composeSupportMailto(text);
    expect(checkExternalUrl(url)).toEqual({ ok: true, url, scheme: 'mailto' });
  });

  it('any QR text the wizard accepts yields a mailto the allow-list accepts unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 600 }), (raw) => {
        const r = checkQrText(raw);
        if (!r.ok) return;
        const url = composeSupportMailto(r.text);
        expect(checkExternalUrl(url)).toEqual({ ok: true, url, scheme: 'mailto' });
      }),
    );
  });

  it('round-trips any well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), (text) => {
        expect(parseMailto(composeSupportMailto(text)).body).toBe(text);
      }),
    );
  });

  it('refuses broken Unicode instead of throwing URIError later', () => {
    expect(() => composeSupportMailto('ab\ud800cd')).toThrow(/Unicode/);
    expect(() => composeSupportMailto('')).toThrow();
  });

  it('support refuses subject, extra text, wrong address', () => {
    expect(supportRefusal({ to: SUPPORT_ADDRESS, body: 'Q' }, 'Q')).toBeUndefined();
    expect(supportRefusal({ to: SUPPORT_ADDRESS, subject: 'Password reset', body: 'Q' }, 'Q')).toMatch(/subject/);
    expect(supportRefusal({ to: SUPPORT_ADDRESS, body: 'Q\n\nSent from my phone' }, 'Q')).toMatch(/exactly/);
    expect(supportRefusal({ to: 'support@example.com', body: 'Q' }, 'Q')).toMatch(/not support_gpwd/);
    expect(supportRefusal({ to: SUPPORT_ADDRESS, body: '' }, 'Q')).toMatch(/empty/);
  });
});
