import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkExternalUrl, SUPPORT_EMAIL } from './external-links';

describe('checkExternalUrl', () => {
  it.each([
    ['javascript:alert(1)', /type "javascript"/],
    ['JaVaScRiPt:alert(1)', /type "javascript"/],
    ['file:///etc/passwd', /type "file"/],
    ['data:text/html,<script>alert(1)</script>', /type "data"/],
    ['http://htmicrochip.com/help', /type "http"/],
    ['\\\\evil-host\\share\\x.exe', /backslashes/],
    ['//evil-host/share', /type "none"/],
    ['https://htmicrochip.com\\@evil.example/', /backslashes/],
    ['mailto:someone@example.com', /only be addressed/],
    [`mailto:${SUPPORT_EMAIL},attacker@example.com`, /only be addressed/],
    [`mailto:${SUPPORT_EMAIL}?subject=Reset`, /may not set "subject"/],
    [`mailto:${SUPPORT_EMAIL}?body=x&cc=attacker@example.com`, /may not set "cc"/],
    [`mailto:${SUPPORT_EMAIL}?bcc=attacker@example.com`, /may not set "bcc"/],
    [`mailto:${SUPPORT_EMAIL}?to=attacker@example.com`, /may not set "to"/],
    [`mailto:${SUPPORT_EMAIL}?body=a&body=b`, /body twice/],
    [`mailto:${SUPPORT_EMAIL}?body=%E0%A4%A`, /not correctly encoded/],
    [`mailto:${SUPPORT_EMAIL}%0D%0ABcc:x@example.com`, /only be addressed/],
    [`mailto:${SUPPORT_EMAIL}?body=x\r\nSubject: hi`, /control characters/],
    [`mailto:${SUPPORT_EMAIL}#frag`, /fragment/],
    ['https://evil.example/htmicrochip.com', /help pages/],
    ['https://htmicrochip.com.evil.example/', /help pages/],
    ['https://user:pw@htmicrochip.com/', /user name/],
    ['https://htmicrochip.com:8443/', /port/],
    [' https://htmicrochip.com/', /spaces/],
    ['', /type "none"/],
  ])('refuses %s', (url, reason) => {
    const r = checkExternalUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it.each([42, null, undefined, {}, ['mailto:x'], 'x'.repeat(20_000)])('refuses non-URL input %#', (v) => {
    expect(checkExternalUrl(v).ok).toBe(false);
  });

  it('accepts the support address with only a body, and rebuilds the URL', () => {
    const r = checkExternalUrl(`MAILTO:${SUPPORT_EMAIL.toUpperCase()}?body=abc%26subject%3Dx`);
    expect(r).toEqual({ ok: true, scheme: 'mailto', url: `mailto:${SUPPORT_EMAIL}?body=abc%26subject%3Dx` });
  });

  it('accepts the vendor help pages over https', () => {
    expect(checkExternalUrl('https://support.htmicrochip.com/hc/articles/1')).toMatchObject({ ok: true, scheme: 'https' });
  });

  it('round-trips any body text exactly (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (body) => {
        const r = checkExternalUrl(`mailto:${SUPPORT_EMAIL}?body=${encodeURIComponent(body)}`);
        expect(r.ok).toBe(true);
        if (r.ok) expect(decodeURIComponent(r.url.split('?body=')[1] ?? '')).toBe(body);
      }),
    );
  });

  it('never accepts anything but mailto/https (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = checkExternalUrl(s);
        if (r.ok) expect(r.url.startsWith(`mailto:${SUPPORT_EMAIL}`) || r.url.startsWith('https://')).toBe(true);
      }),
    );
  });
});
