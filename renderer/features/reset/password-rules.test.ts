import { describe, expect, it } from 'vitest';
import { checkPassword, PASSWORD_MESSAGES, type PasswordProblem, type PasswordWarning } from '../../../common/reset/password';
import { RULES, ruleLines } from './password-rules';

const WARNINGS: readonly PasswordWarning[] = ['not-letters-and-numbers'];
const lines = (pw: string) => ruleLines(pw, checkPassword(pw));
const broken = (pw: string) => lines(pw).filter((l) => l.state === 'bad');

describe('the password step’s rule lines', () => {
  it('every problem of the shared rule turns some line ✗ (a new problem in common/ needs its line here)', () => {
    const problems = Object.keys(PASSWORD_MESSAGES).filter((k) => !(WARNINGS as readonly string[]).includes(k)) as PasswordProblem[];
    const shown = new Set(RULES.flatMap((r) => r.problems));
    expect(problems.filter((p) => !shown.has(p))).toEqual([]);
  });

  it.each([
    ['Camera<2024', 'No < or >'],
    ['Camera>2024', 'No < or >'],
    ['Cam;era2024', 'None of these characters'],
    ['Cam era2024', 'No spaces or control characters'],
    ['Caméra2024x', 'Plain keyboard characters only'],
    ['abcdefghij', 'At least two kinds'],
    ['Ab1', '8 to 32 characters'],
  ])('%s breaks the line “%s”, and only the lines its problems name', (pw, line) => {
    expect(broken(pw).map((l) => l.text.slice(0, line.length))).toContain(line);
    expect(broken(pw).map((l) => l.text)).toEqual(RULES.filter((r) => r.problems.some((p) => checkPassword(pw).problems.includes(p))).map((r) => r.text));
  });

  it('says why: the forbidden character itself, else the shared rule’s words', () => {
    expect(broken('Cam;era2024')[0]!.why).toBe('remove “;”: the NVR refuses these characters');
    expect(broken('Camera<2024')[0]!.why).toBe(PASSWORD_MESSAGES['camera-unsafe-char']);
  });

  it('nothing typed: every line still to do; a good password keeps every line', () => {
    expect(lines('').every((l) => l.state === 'todo')).toBe(true);
    expect(lines('Camera2024x').every((l) => l.state === 'good')).toBe(true);
  });
});
