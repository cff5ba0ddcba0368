import { hostOf } from '../discovery/net';
import { OUTCOMES } from './outcomes';
import type { SyncRow } from './report';

/**
 * Which failed rows "Retry failed" may touch, and what is left of each
 * camera's budget: one rule for main (which reads the budget from the
 * credential gate) and the Sync screen (which reads it from the rows).
 */

/** Device faults that say the new password breaks the camera's own rule: the same password would be refused again. */
const RULE_SUBCODES = new Set(['PasswordTooWeak', 'Password', 'PasswordTooLong']);

/** The camera refused this new password under its own rule: a retry needs another new password. */
export function needsNewPassword(row: Pick<SyncRow, 'outcome' | 'subcode'>): boolean {
  return row.outcome === 'rejected' && row.subcode !== undefined && RULE_SUBCODES.has(row.subcode);
}

/** A camera's budget as the caller knows it: refusals counted now, and a lock it reported. */
export interface DeviceBudget {
  failures: number;
  lockedUntil?: number;
}

/**
 * May a retry touch this row now? Not a success nor a final failure; not a
 * camera still locked (it waits for its countdown) nor one whose refusals fill
 * the budget (it waits for a new run); and not a camera that refused the
 * password itself, unless the retry brings another one.
 */
export function isRetryable(row: SyncRow, budget: DeviceBudget, max: number, now: number, newPassword: 'same' | 'another'): boolean {
  if (!row.outcome || !OUTCOMES[row.outcome].retryable) return false;
  if (budget.lockedUntil !== undefined && budget.lockedUntil > now) return false;
  if (budget.failures >= max) return false;
  return newPassword === 'another' || !needsNewPassword(row);
}

/** A row's camera budget as its row last saw it (the Sync screen's view; main asks the gate instead). */
export function rowBudget(row: SyncRow): DeviceBudget {
  return { failures: row.failedAuths, ...(row.unlockAt !== undefined ? { lockedUntil: row.unlockAt } : {}) };
}

/**
 * What the failed cameras have left of their budget, in plain words, for the
 * screen before a retry: "1 of 2 allowed refusals left on 3 cameras; none left on
 * 1 camera (it waits 30 minutes for a new run)". Undefined when nothing failed.
 */
export function budgetLeftSummary(rows: SyncRow[], max: number): string | undefined {
  const byCamera = new Map<string, number>();
  for (const r of rows) {
    if (!r.outcome || OUTCOMES[r.outcome].success) continue;
    const camera = hostOf(r.xaddr);
    byCamera.set(camera, Math.max(byCamera.get(camera) ?? 0, r.failedAuths));
  }
  if (!byCamera.size) return undefined;
  const cameras = new Map<number, number>();
  for (const used of byCamera.values()) {
    const left = Math.max(0, max - used);
    cameras.set(left, (cameras.get(left) ?? 0) + 1);
  }
  const parts = [...cameras].sort((a, b) => b[0] - a[0]).map(([left, n]) => {
    const on = `on ${n} camera${n === 1 ? '' : 's'}`;
    return left === 0 ? `no refused sign-in left ${on} (${n === 1 ? 'it waits' : 'they wait'} about 30 minutes for a new run)` : `${left} of ${max} allowed refused sign-in${max === 1 ? '' : 's'} left ${on}`;
  });
  return `Before a retry: ${parts.join('; ')}.`;
}
