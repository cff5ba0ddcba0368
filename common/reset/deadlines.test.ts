import { describe, it, expect } from 'vitest';
import { ResetCase, HOUR, CODE_LOCK_MS } from './case';
import { caseStatus, dueReminders, formatRemaining } from './deadlines';

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);
const base = ResetCase.parse({ id: 'case-abc123', createdAt: T0, updatedAt: T0, nvr: { label: 'Shop NVR' }, step: 'code' });

describe('case deadlines', () => {
  it('delivery window: 24 h from sending, overdue after', () => {
    const c = { ...base, sentAt: T0 };
    expect(caseStatus(c, T0 + 23 * HOUR)).toMatchObject({ deliveryDeadline: T0 + 24 * HOUR, deliveryOverdue: false });
    expect(caseStatus(c, T0 + 25 * HOUR).deliveryOverdue).toBe(true);
    expect(caseStatus({ ...c, codeReceivedAt: T0 + HOUR }, T0 + 25 * HOUR).deliveryOverdue).toBe(false);
  });

  it('code validity: 24 h from arrival', () => {
    const c = { ...base, sentAt: T0, codeReceivedAt: T0 + HOUR };
    expect(caseStatus(c, T0 + 24 * HOUR).codeExpired).toBe(false);
    const late = caseStatus(c, T0 + 25 * HOUR);
    expect(late.codeExpired).toBe(true);
    expect(late.warnings.join(' ')).toMatch(/new QR code/);
    // Once the password is set, the code no longer matters.
    expect(caseStatus({ ...c, passwordSetAt: T0 + 2 * HOUR }, T0 + 48 * HOUR).codeExpired).toBe(false);
  });

  it('warns before the 5-wrong-entries lock and reports the lock', () => {
    const wrong = (n: number) => Array.from({ length: n }, (_, i) => ({ at: T0 + i * 1000, result: 'wrong' as const }));
    const c = { ...base, codeReceivedAt: T0 };
    expect(caseStatus({ ...c, attempts: wrong(3) }, T0 + 10_000)).toMatchObject({ attemptsLeftBeforeLock: 2 });
    expect(caseStatus({ ...c, attempts: wrong(3) }, T0 + 10_000).warnings.join()).toMatch(/2 wrong entries left/);
    const locked = caseStatus({ ...c, attempts: wrong(5) }, T0 + 10_000);
    expect(locked.lockedUntil).toBe(T0 + 4000 + CODE_LOCK_MS);
    expect(caseStatus({ ...c, attempts: wrong(5) }, T0 + 4000 + CODE_LOCK_MS).lockedUntil).toBeUndefined();
  });

  it('the case list stops counting down the code once the NVR accepted it', () => {
    const c = { ...base, sentAt: T0, codeReceivedAt: T0 + HOUR };
    expect(caseStatus(c, T0 + 2 * HOUR).nextDeadline?.what).toBe('security code expires');
    expect(caseStatus({ ...c, attempts: [{ at: T0 + 2 * HOUR, result: 'accepted' as const }] }, T0 + 3 * HOUR).nextDeadline).toBeUndefined();
  });

  it('two codes per QR', () => {
    expect(caseStatus({ ...base, codesForQr: 2 }, T0).warnings.join()).toMatch(/two codes/);
  });

  it('reminders fire 2 h before a deadline, once', () => {
    const c = { ...base, sentAt: T0 };
    expect(dueReminders(c, T0 + 21 * HOUR)).toEqual([]);
    const due = dueReminders(c, T0 + 22 * HOUR);
    expect(due.map((d) => d.key)).toEqual([`delivery:${T0}`]);
    expect(dueReminders({ ...c, notified: [`delivery:${T0}`] }, T0 + 22 * HOUR)).toEqual([]);
  });

  it('formats remaining time', () => {
    expect(formatRemaining(0)).toBe('expired');
    expect(formatRemaining(90 * 60_000)).toBe('1 h 30 min');
    expect(formatRemaining(30_000)).toBe('less than a minute');
    expect(formatRemaining(24 * HOUR - 1000)).toBe('23 h 59 min');
  });
});
