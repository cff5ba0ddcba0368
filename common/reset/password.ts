/**
 * The NVR's password rule (Dahua family, DOMAIN.md): 8–32 characters, at least
 * two of letters / digits / symbols, none of ' " ; : &, no spaces or control
 * characters. Non-ASCII is refused too: the NVR's on-screen keyboard cannot type
 * it and the onvif package hashes passwords as ASCII (wrong digests otherwise).
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 32;
export const FORBIDDEN_CHARS = ['\'', '"', ';', ':', '&'] as const;

export type PasswordProblem =
  | 'empty'
  | 'too-short'
  | 'too-long'
  | 'forbidden-char'
  | 'space'
  | 'control-char'
  | 'non-ascii'
  | 'one-category';

export type PasswordWarning = 'not-letters-and-numbers';

export interface PasswordCheck {
  ok: boolean;
  problems: PasswordProblem[];
  /** The seed recommends letters and numbers only; other valid passwords get this warning. */
  warnings: PasswordWarning[];
  /** Length in characters (code points), as the NVR counts them. */
  length: number;
  categories: { letters: boolean; digits: boolean; symbols: boolean };
  forbiddenFound: string[];
}

export const PASSWORD_MESSAGES: Record<PasswordProblem | PasswordWarning, string> = {
  empty: 'Enter a password.',
  'too-short': `At least ${PASSWORD_MIN} characters.`,
  'too-long': `At most ${PASSWORD_MAX} characters.`,
  'forbidden-char': `The NVR refuses these characters: ${FORBIDDEN_CHARS.join(' ')}`,
  space: 'No spaces.',
  'control-char': 'No control characters (tabs, line breaks…).',
  'non-ascii': 'Only plain letters A–Z, digits and keyboard symbols (no accents or emoji).',
  'one-category': 'Use at least two kinds: letters, digits, symbols.',
  'not-letters-and-numbers': 'Recommended by the vendor: letters and numbers only, both present.',
};

export function checkPassword(password: string): PasswordCheck {
  const chars = Array.from(password);
  const problems: PasswordProblem[] = [];
  const forbiddenFound = FORBIDDEN_CHARS.filter((c) => password.includes(c));
  const letters = /[A-Za-z]/.test(password);
  const digits = /[0-9]/.test(password);
  const symbols = /[!-/:-@[-`{-~]/.test(password);
  if (chars.length === 0) problems.push('empty');
  else if (chars.length < PASSWORD_MIN) problems.push('too-short');
  if (chars.length > PASSWORD_MAX) problems.push('too-long');
  if (forbiddenFound.length) problems.push('forbidden-char');
  // Spaces of any kind (including no-break and ideographic); tabs and line breaks count as control characters.
  if (/[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/.test(password)) problems.push('space');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(password)) problems.push('control-char');
  if (/[^\u0000-\u007f\u00a0\u0080-\u009f]/.test(password)) problems.push('non-ascii');
  if (chars.length > 0 && [letters, digits, symbols].filter(Boolean).length < 2) problems.push('one-category');
  const warnings: PasswordWarning[] = [];
  if (!(letters && digits && !symbols)) warnings.push('not-letters-and-numbers');
  return {
    ok: problems.length === 0,
    problems,
    warnings,
    length: chars.length,
    categories: { letters, digits, symbols },
    forbiddenFound,
  };
}

/** Both fields of the NVR's form: the rule plus "confirm matches". */
export function checkPasswordPair(password: string, confirm: string): PasswordCheck & { matches: boolean } {
  const check = checkPassword(password);
  const matches = password.length > 0 && password === confirm;
  return { ...check, matches, ok: check.ok && matches };
}
