import { FORBIDDEN_CHARS, PASSWORD_MAX, PASSWORD_MESSAGES, PASSWORD_MIN, type PasswordCheck, type PasswordProblem } from '../../../common/reset/password';

/**
 * The NVR's rule as the password step shows it, before typing: one line per
 * part of the shared rule (common/reset/password.ts), each naming the problems
 * of that rule that turn it ✗.
 */
export const RULES: readonly { text: string; problems: readonly PasswordProblem[] }[] = [
  { text: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, problems: ['empty', 'too-short', 'too-long'] },
  { text: 'At least two kinds: letters, digits, symbols', problems: ['one-category'] },
  { text: `None of these characters: ${FORBIDDEN_CHARS.join(' ')}`, problems: ['forbidden-char'] },
  { text: 'No < or >', problems: ['camera-unsafe-char'] },
  { text: 'No spaces or control characters', problems: ['space', 'control-char'] },
  { text: 'Plain keyboard characters only (no accents or emoji)', problems: ['non-ascii'] },
];

export interface RuleLine {
  text: string;
  /** Nothing typed yet, kept, or broken. */
  state: 'todo' | 'good' | 'bad';
  /** What breaks it, in words (a forbidden character named); only on a broken line. */
  why?: string;
}

/** Each line of the rule as the password typed so far meets it (✓) or breaks it (✗, and why). */
export function ruleLines(password: string, check: Pick<PasswordCheck, 'problems' | 'forbiddenFound'>): RuleLine[] {
  return RULES.map((r) => {
    const found = r.problems.filter((p) => check.problems.includes(p));
    if (password.length === 0) return { text: r.text, state: 'todo' };
    if (found.length === 0) return { text: r.text, state: 'good' };
    const why = whyBroken(found, check.forbiddenFound);
    return why ? { text: r.text, state: 'bad', why } : { text: r.text, state: 'bad' };
  });
}

/** The forbidden characters themselves, so the technician knows what to remove; else the shared rule's words. */
function whyBroken(found: readonly PasswordProblem[], forbiddenFound: readonly string[]): string | undefined {
  if (!found.includes('forbidden-char')) return found.map((p) => PASSWORD_MESSAGES[p]).join(' ');
  return forbiddenFound.length > 0 ? `remove ${forbiddenFound.map((c) => `“${c}”`).join(' and ')}: the NVR refuses these characters` : undefined;
}
