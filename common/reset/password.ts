/**
 * The one password rule of the app: the reset wizard, camera sync (its form and
 * main) and the CLI all check a new password with it before anything is sent.
 * The NVR's rule (Dahua family, DOMAIN.md): 8–32 characters, at least two of
 * letters / digits / symbols, none of ' " ; : &, no spaces or control
 * characters. Non-ASCII is refused too: the NVR's on-screen keyboard cannot type
 * it and the onvif package hashes passwords as ASCII (wrong digests otherwise).
 * And < > too, because the same password goes to the cameras over ONVIF, where
 * some store the XML-escaped text literally (`<` becomes `&lt;`) and are left
 * with a password nobody knows (DOMAIN.md); `&` is already the vendor's.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 32;
export const FORBIDDEN_CHARS = ['\'', '"', ';', ':', '&'] as const;
/** Allowed by the NVR, refused for the cameras' sake (see above). */
export const CAMERA_UNSAFE_CHARS = ['<', '>'] as const;

export type PasswordProblem =
  | 'empty'
  | 'too-short'
  | 'too-long'
  | 'forbidden-char'
  | 'camera-unsafe-char'
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
  'camera-unsafe-char': `No ${CAMERA_UNSAFE_CHARS.join(' ')}: some cameras store them escaped and are left with a password nobody knows.`,
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
  if (CAMERA_UNSAFE_CHARS.some((c) => password.includes(c))) problems.push('camera-unsafe-char');
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

/** How a character is named in a sentence: itself when printable, else its code (a tab, a no-break space). */
function shown(ch: string): string {
  return /^[\p{L}\p{N}\p{S}\p{P}]$/u.test(ch) ? `"${ch}"` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The offending characters of a password, each once, in the order typed. */
function offending(password: string, test: (ch: string) => boolean): string {
  const found = [...new Set(Array.from(password).filter(test))].slice(0, 4).map(shown);
  return found.length > 1 ? `${found.slice(0, -1).join(', ')} and ${found.at(-1)}` : (found[0] ?? '');
}

/**
 * The rule in one plain sentence naming what is wrong — the offending character
 * first, as the technician typed it — or undefined when the password may be sent.
 * Never quotes the password itself (it may be logged or shown beside others).
 */
export function passwordRuleProblem(password: string): string | undefined {
  const c = checkPassword(password);
  if (c.ok) return undefined;
  const p = c.problems;
  if (p.includes('empty')) return 'Enter the new password.';
  if (p.includes('forbidden-char')) return `The new password contains ${offending(password, (ch) => (FORBIDDEN_CHARS as readonly string[]).includes(ch))}, which the NVR's rule does not allow (none of ${FORBIDDEN_CHARS.join(' ')}). Choose another password.`;
  if (p.includes('camera-unsafe-char')) return `The new password contains ${offending(password, (ch) => (CAMERA_UNSAFE_CHARS as readonly string[]).includes(ch))}, which some cameras store in escaped form over ONVIF, leaving them with a password nobody knows. Choose a password without < >.`;
  if (p.includes('space')) return 'The new password contains a space, which the NVR\'s rule does not allow. Choose another password.';
  if (p.includes('control-char')) return `The new password contains a control character (${offending(password, (ch) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(ch))}: a tab or line break?), which the NVR's rule does not allow.`;
  if (p.includes('non-ascii')) return `The new password contains ${offending(password, (ch) => /[^\u0000-\u007f]/.test(ch))}: only plain letters A–Z, digits and keyboard symbols (the NVR's keyboard has no other).`;
  if (p.includes('too-short')) return `The new password has ${c.length} characters; the NVR's rule needs at least ${PASSWORD_MIN}.`;
  if (p.includes('too-long')) return `The new password has ${c.length} characters; the NVR's rule allows at most ${PASSWORD_MAX}.`;
  return 'The new password uses one kind of character only; the NVR\'s rule needs at least two of letters, digits and symbols.';
}
