import { OUTCOMES, type SyncOutcome } from '../../common/sync/outcomes';
import type { SyncRow } from '../../common/sync/report';
import type { SyncTarget } from '../../common/sync/target';

/**
 * What close-the-loop needs from camera sync, whichever host runs it (the
 * app's `site.*` feature through the composition root, or the CLI's
 * `sync --nvr` through its SyncRun). Every exchange with a camera goes through
 * the credential gate and camera sync's own journal; this module never signs in
 * to a camera on its own except `probe`, which asks the gate first.
 */

/** Passwords known to be current for one account (the NVR's stored password for the account it signs in with), by targetKey. Memory only. */
export type KnownPasswords = Record<string, string[]>;

export interface AccountChange {
  target: SyncTarget;
  /**
   * What the account holds after camera sync: the new password (updated, already
   * current), the one it had (the change was refused or never sent), or unknown
   * (SetUser sent, never verified).
   */
  holds: 'new' | 'old' | 'unknown';
  /** Decided by this call; false when camera sync's journal already held the outcome (an earlier run). */
  fresh: boolean;
  /** Plain words for the channel's detail (no secret). */
  detail: string;
}

export type ProbeResult =
  | { kind: 'accepted'; index: number }
  /** The camera answers without checking any password (ONVIF authentication off): any stored password works. */
  | { kind: 'auth-off' }
  /** No candidate was accepted, or the camera could not be asked; `why` in plain words. */
  | { kind: 'unknown'; why: string };

export interface CameraPort {
  /** Those of these accounts camera sync has not finished yet (its journal decides): the ones `change` would change now. */
  pending(accounts: readonly SyncTarget[]): SyncTarget[];
  /** Camera sync for these accounts of one camera (known passwords tried first for their account). Never throws for a camera's own failure. */
  change(accounts: readonly SyncTarget[], known: KnownPasswords): Promise<AccountChange[]>;
  /**
   * Puts one account back on `to` (the password the NVR stores) from `from` (the
   * new password): one journalled, verified SetUser through camera sync's engine.
   */
  rollback(account: SyncTarget, from: string, to: string): Promise<{ ok: boolean; detail: string }>;
  /** Which of these passwords the account accepts now, one sign-in each through the gate, stopping at the first accepted. */
  probe(account: SyncTarget, candidates: readonly string[]): Promise<ProbeResult>;
}

/**
 * What a camera sync row says once close-the-loop put its account back (no
 * password in it). A host's `rollback` ends the main run's open record of the
 * account with it (SyncRun.settleAsPutBack), so no later pass or resume
 * verifies the new password on a camera that no longer holds it.
 */
export const PUT_BACK = 'Put back on the password the NVR stores (verified), because the NVR refused the new one: this account keeps its old password.';

/** The loop's sense of time: deadlines on the app clock, waits that tests can drive. */
export interface LoopClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What an account holds after camera sync ended with this outcome (undefined: it never ran). */
export function holdsAfter(outcome: SyncOutcome | undefined): AccountChange['holds'] {
  // auth-off: the camera checks no password on ONVIF; what was sent is what it holds, as far as anyone can tell.
  if (outcome === 'updated' || outcome === 'already-current' || outcome === 'auth-off') return 'new';
  return outcome === 'unverified' ? 'unknown' : 'old';
}

/** The sentence a channel's detail carries about its camera account (never a password). */
export function accountDetail(row: Pick<SyncRow, 'username' | 'outcome' | 'detail'> | undefined, username: string): string {
  if (!row?.outcome) return `Camera: the account "${username}" was not changed.`;
  return `Camera (${row.username}): ${OUTCOMES[row.outcome].label}. ${row.detail}`.trim();
}
