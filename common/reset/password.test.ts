import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkPassword, checkPasswordPair, passwordRuleProblem, type PasswordProblem } from './password';
import { generatePassword, GEN_SYMBOLS } from './generator';
import { estimateStrength } from './strength';

// [password, expected problems (empty = valid), why]
const TABLE: [string, PasswordProblem[], string][] = [
  ['Camera2024', [], 'letters and digits, 10 chars: the vendor recommendation'],
  ['abcd1234', [], 'exactly 8 characters'],
  ['A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6', [], 'exactly 32 characters'],
  ['pass-word!', [], 'letters and symbols are two categories'],
  ['1234-5678', [], 'digits and symbols are two categories'],
  ['', ['empty'], 'nothing typed'],
  ['abc123', ['too-short'], '6 characters'],
  ['Abcdefg1', [], '8 characters with letters and a digit'],
  ['A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q', ['too-long'], '33 characters (a real device accepted this; the NVR must not)'],
  ['abcdefgh', ['one-category'], 'letters only'],
  ['12345678', ['one-category'], 'digits only'],
  ['!!!!@@@@', ['one-category'], 'symbols only'],
  ["Camera'2024", ['forbidden-char'], "apostrophe"],
  ['Camera"2024', ['forbidden-char'], 'double quote'],
  ['Camera;2024', ['forbidden-char'], 'semicolon'],
  ['Camera:2024', ['forbidden-char'], 'colon'],
  ['Camera&2024', ['forbidden-char'], 'ampersand (also stored literally as &amp; by some devices)'],
  ['Camera 2024', ['space'], 'space'],
  ['Camera\u00a02024', ['space'], 'no-break space pasted from a document'],
  ['Camera\t2024', ['control-char'], 'tab'],
  ['Camera\n2024', ['control-char'], 'line break'],
  ['Camera\u00002024', ['control-char'], 'NUL'],
  ['Caméra2024', ['non-ascii'], 'accented letter'],
  ['Camera2024🔒', ['non-ascii'], 'emoji'],
  ['x'.repeat(999) + '1', ['too-long'], '1,000 characters'],
  ['Camera<2024', ['camera-unsafe-char'], 'allowed by the NVR, but some cameras store it escaped over ONVIF'],
  ['Camera>2024', ['camera-unsafe-char'], 'the same'],
];

describe('NVR password rule', () => {
  it.each(TABLE)('%j → %j (%s)', (pw, problems) => {
    const c = checkPassword(pw);
    expect(c.problems).toEqual(problems);
    expect(c.ok).toBe(problems.length === 0);
  });

  it('warns (not refuses) when the password is not letters-and-numbers', () => {
    expect(checkPassword('pass-word!').warnings).toEqual(['not-letters-and-numbers']);
    expect(checkPassword('Camera2024').warnings).toEqual([]);
  });

  it('counts emoji as one character each, like the NVR', () => {
    expect(checkPassword('🔒'.repeat(4)).length).toBe(4);
  });

  it('requires the confirmation to match', () => {
    expect(checkPasswordPair('Camera2024', 'Camera2024').ok).toBe(true);
    expect(checkPasswordPair('Camera2024', 'Camera2025')).toMatchObject({ ok: false, matches: false });
  });
});

// The one sentence every caller shows (sync form, main, CLI, reset wizard): it names what the technician typed.
describe('the rule in one sentence, naming the offending character', () => {
  it.each<[string, RegExp | undefined]>([
    ['Site2024x', undefined],
    ['Site;2024', /contains ";", which the NVR's rule does not allow/],
    ['Pass&2026x', /contains "&"/],
    ['a;b:c&d1234', /contains ";", ":" and "&"/],
    ['Pass<2026x', /contains "<", which some cameras store in escaped form/],
    ['Caméra2024', /contains "é": only plain letters/],
    ['Camera\t2024', /control character \(U\+0009/],
    ['Camera 2024', /contains a space/],
    ['abc12', /has 5 characters; the NVR's rule needs at least 8/],
    ['x'.repeat(40) + '1', /has 41 characters; the NVR's rule allows at most 32/],
    ['abcdefgh', /one kind of character/],
    ['', /Enter the new password/],
  ])('%j', (pw, want) => {
    const said = passwordRuleProblem(pw);
    if (want === undefined) expect(said).toBeUndefined();
    else expect(said).toMatch(want);
    // It never repeats the password itself.
    if (pw.length >= 3) expect(said ?? '').not.toContain(pw);
  });

  it('agrees with checkPassword on every input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (pw) => {
        expect(passwordRuleProblem(pw) === undefined).toBe(checkPassword(pw).ok);
      }),
      { numRuns: 500 },
    );
  });
});

describe('password generator', () => {
  it('always produces a password the NVR accepts, never with forbidden characters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), (length, symbols) => {
        const pw = generatePassword({ length, symbols });
        expect(checkPassword(pw).ok).toBe(true);
        expect(pw).not.toMatch(/['";:&\s<>]/);
        expect(pw.length).toBe(Math.min(32, Math.max(8, length)));
      }),
      { numRuns: 300 },
    );
  });

  it('uses only the safe symbol set', () => {
    expect(GEN_SYMBOLS).not.toMatch(/['";:&\s<>]/);
  });

  it('is driven by the random source (two draws differ)', () => {
    expect(generatePassword()).not.toBe(generatePassword());
  });
});

describe('strength', () => {
  it('orders obvious cases', () => {
    expect(estimateStrength('password1').score).toBe(0);
    expect(estimateStrength('abcd1234').score).toBeLessThan(estimateStrength('q7Rk2mXw9Tz4').score);
    expect(estimateStrength(generatePassword({ length: 20 })).score).toBeGreaterThanOrEqual(3);
  });
});
