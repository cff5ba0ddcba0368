/**
 * A rough strength indication (not a guarantee): estimated entropy from the
 * character pool and length, penalised for repeats and runs that guessing tools
 * try first. The NVR's rule is the hard gate; this only nudges.
 */
export type StrengthLabel = 'very weak' | 'weak' | 'fair' | 'strong' | 'very strong';

export interface Strength {
  bits: number;
  score: 0 | 1 | 2 | 3 | 4;
  label: StrengthLabel;
}

const LABELS: StrengthLabel[] = ['very weak', 'weak', 'fair', 'strong', 'very strong'];
const COMMON = ['password', 'admin', '123456', 'qwerty', 'letmein', 'welcome', 'dahua', 'abc123', '888888', '111111'];

export function estimateStrength(password: string): Strength {
  const chars = Array.from(password);
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 32;
  // Count only characters that add information: repeats and +1/-1 runs add little.
  let effective = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!.codePointAt(0)!;
    const prev = i > 0 ? chars[i - 1]!.codePointAt(0)! : undefined;
    effective += prev === undefined || Math.abs(c - prev) > 1 ? 1 : 0.25;
  }
  let bits = pool > 0 ? effective * Math.log2(pool) : 0;
  const lower = password.toLowerCase();
  if (COMMON.some((w) => lower.includes(w))) bits = Math.min(bits, 20);
  const score = bits < 28 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  return { bits: Math.round(bits), score, label: LABELS[score]! };
}
