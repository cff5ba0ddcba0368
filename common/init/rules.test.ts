import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InitAddress, initEmailProblem, initPasswordProblem, maskEmail, parseInitAddress } from './rules';
import { InitOutcome, INIT_OUTCOMES } from './outcomes';

describe('init password rule', () => {
  it.each([
    ['Site-pass-2024', undefined],
    ['sitepass2024', undefined],
    ['short1', /At least 8/],
    ['Pass word12', /No spaces/],
    ['Pass\u00a0word12', /No spaces/],
    // The offending character is named, quoted.
    ["Pass'word12", /[“"]'[”"]/],
    ['Pass&word12', /[“"]&[”"]/],
    ['Site;2024ab:', /[“"];[”"].*[“"]:[”"]/],
    ['abcdefghijk', /two kinds/],
    ['A1'.repeat(17), /At most 32/],
    ['Pässwort123', /plain letters/],
  ])('%j', (pw, problem) => {
    const p = initPasswordProblem(pw);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(problem);
    // The message never repeats the password.
    if (p) expect(p).not.toContain(pw);
  });
});

describe('reset e-mail', () => {
  it('none is allowed; one plain address is; anything that smuggles more is not', () => {
    expect(initEmailProblem('')).toBeUndefined();
    expect(initEmailProblem('owner@example.com')).toBeUndefined();
    for (const bad of ['owner', 'a@b.com,c@d.com', 'a@b.com\r\nBcc: x@y.z', 'a@b.com?subject=x']) expect(initEmailProblem(bad)).toMatch(/not usable/);
  });

  it.each([
    ['owner@example.com', 'o***@example.com'],
    ['o@x.io', 'o***@x.io'],
    ['@example.com', '***'],
    ['nobody', '***'],
    ['a@', '***'],
  ])('masks %j as %j', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it('never shows more of the local part than its first character', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (e) => {
        const local = e.slice(0, e.lastIndexOf('@'));
        const masked = maskEmail(e);
        if (local.length > 1) expect(masked).not.toContain(local);
      }),
    );
  });
});

describe('init targets', () => {
  it.each([
    ['192.168.1.108', 'http://192.168.1.108:80'],
    [' 192.168.1.108:8080 ', 'http://192.168.1.108:8080'],
    ['http://192.168.1.108', 'http://192.168.1.108:80'],
    ['http://192.168.1.108:81/', 'http://192.168.1.108:81'],
    ['Camera.local:80', 'http://camera.local:80'],
  ])('%j → %s', (input, url) => {
    expect(parseInitAddress(input)).toEqual({ ok: true, url });
    expect(InitAddress.parse(input)).toBe(url);
  });

  it.each(['https://192.168.1.108', 'http://admin:pw@192.168.1.108', 'http://192.168.1.108/cgi-bin/x', 'http://192.168.1.108/?a=1', 'ftp://x', '192.168.1.300', '192.168.1.1:0', '192.168.1.1:70000', '', 'a b', 'http://', '[::1]:80'])(
    'refuses %j',
    (input) => {
      expect(parseInitAddress(input).ok).toBe(false);
      expect(InitAddress.safeParse(input).success).toBe(false);
    },
  );

  it('never throws on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseInitAddress(s)));
  });
});

describe('outcomes', () => {
  it('every outcome has words and a next step; only initialised and already-initialised count as done', () => {
    for (const o of InitOutcome.options) expect(INIT_OUTCOMES[o].nextStep.length).toBeGreaterThan(10);
    expect(InitOutcome.options.filter((o) => INIT_OUTCOMES[o].success)).toEqual(['initialised', 'already-initialised']);
  });
});
