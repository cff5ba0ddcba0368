import { describe, expect, it } from 'vitest';
import type { SyncRow } from './report';
import { budgetLeftSummary, isRetryable, needsNewPassword, rowBudget } from './retry';

const row = (o: Partial<SyncRow>): SyncRow => ({
  key: 'k', xaddr: 'http://10.0.0.1/onvif/device_service', username: 'admin', step: 'done', detail: '', nextStep: '', attempts: 1, failedAuths: 0, ms: 1, ...o,
});

describe('the retry rule (main and the Sync screen)', () => {
  it.each<[string, Partial<SyncRow>, number, 'same' | 'another', boolean]>([
    ['unreachable, budget left', { outcome: 'unreachable' }, 0, 'same', true],
    ['updated: nothing to retry', { outcome: 'updated' }, 0, 'same', false],
    ['unsupported: a retry cannot help', { outcome: 'unsupported' }, 0, 'same', false],
    ['auth-failed with the budget used up: waits for a new run', { outcome: 'auth-failed', failedAuths: 2 }, 0, 'same', false],
    ['auth-failed with one refusal left', { outcome: 'auth-failed', failedAuths: 1 }, 0, 'same', true],
    ['locked: waits for its countdown', { outcome: 'locked-out', unlockAt: 10_000 }, 5_000, 'same', false],
    ['locked, countdown over', { outcome: 'locked-out', unlockAt: 10_000 }, 10_001, 'same', true],
    ['refused the password by its rule: not with the same one', { outcome: 'rejected', subcode: 'PasswordTooLong' }, 0, 'same', false],
    ['refused the password by its rule: yes with another', { outcome: 'rejected', subcode: 'PasswordTooWeak' }, 0, 'another', true],
    ['rejected for another reason (FixedUser)', { outcome: 'rejected', subcode: 'FixedUser' }, 0, 'same', true],
  ])('%s', (_name, r, now, pw, want) => {
    const it = row(r);
    expect(isRetryable(it, rowBudget(it), 2, now, pw)).toBe(want);
  });

  it('names the rule refusals that need another password', () => {
    expect(['PasswordTooWeak', 'Password', 'PasswordTooLong', 'FixedUser', undefined].map((subcode) => needsNewPassword({ outcome: 'rejected', subcode }))).toEqual([true, true, true, false, false]);
    expect(needsNewPassword({ outcome: 'unverified', subcode: 'PasswordTooWeak' })).toBe(false);
  });
});

describe('the budget left before a retry, in plain words', () => {
  it('groups the failed cameras by what they have left; one camera counts once whatever its accounts', () => {
    const rows = [
      row({ xaddr: 'http://10.0.0.1/x', outcome: 'auth-failed', failedAuths: 1 }),
      row({ xaddr: 'http://10.0.0.1/x', username: 'onvif', outcome: 'auth-failed', failedAuths: 1 }),
      row({ xaddr: 'http://10.0.0.2/x', outcome: 'unreachable', failedAuths: 1 }),
      row({ xaddr: 'http://10.0.0.3:8000/x', outcome: 'timeout', failedAuths: 1 }),
      row({ xaddr: 'http://10.0.0.4/x', outcome: 'auth-failed', failedAuths: 2 }),
      row({ xaddr: 'http://10.0.0.5/x', outcome: 'updated', failedAuths: 0 }),
    ];
    expect(budgetLeftSummary(rows, 2)).toBe('Before a retry: 1 of 2 allowed refused sign-ins left on 3 cameras; no refused sign-in left on 1 camera (it waits about 30 minutes for a new run).');
    expect(budgetLeftSummary(rows.slice(5), 2)).toBeUndefined();
  });
});
