import type { Clock } from '../../common/clock';
import type { SyncOutcome } from '../../common/sync/outcomes';
import type { Candidate, CameraCandidates, SiteEvidence } from '../../common/sync/candidates';
import type { SyncRow, SyncStep } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { DeviceLease } from '../core/credential-gate';
import { ADMINISTRATOR, levelIn, type Administrators } from './administrators';
import { JournalWriteError, type JournalRecord } from './journal';
import { describeError, isPrivilegeFault, isTransient } from './errors';
import { isClientError, type ClientFactory, type Credentials, type DeviceClient, type UserEntry } from './port';

/** One account's run on one camera: what its stages (pipeline.ts, verify.ts) share. */

/** What one account's pipeline needs; it runs inside the credential gate's exchange for its device. */
export interface AccountJob {
  target: SyncTarget;
  candidates: string[];
  /** Passwords known to be current for this account alone (memory only): tried first, never for another account. */
  known: string[];
  newPassword: string;
  lease: DeviceLease;
  /** Refused sign-ins this run allows per device (all its accounts together). */
  limit: number;
  /** What the run learnt about the site's passwords so far; updated by this job. */
  evidence: SiteEvidence;
  /** What earlier accounts of this camera showed in this run (how late it applies a change, its users). */
  camera: CameraEvidence;
  /** The Administrators each camera proved in this run (and runs opened as its steps): they change accounts that may not change themselves. */
  administrators: Administrators;
  clock: Clock;
  /** Writes a journal record (or only keeps it in memory); rejects with JournalWriteError. */
  record(rec: JournalRecord, o?: { lazy?: boolean }): Promise<void>;
  /** Sends the journal's queued records to disk now: a lazy one is about to be waited on. */
  flushJournal(): void;
  factory: ClientFactory;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** How long after SetUser a camera may take to switch to the new password (its second look waits that long). */
  lateApplyMs: number;
  defaultLockMs: number;
  /** The run's cancel signal: honoured until SetUser is sent, never after. */
  signal: AbortSignal;
  /** From the journal: this account was sent SetUser earlier in the run (by this process or one that died). */
  prior: { setUserSent: boolean; replaced?: Replaced; verified: boolean; setAt?: number; answered?: boolean; via?: string };
  onStep(row: SyncRow): void;
  /** Counts every request the account's client made (bench). */
  onRequests?(n: number): void;
}

export interface CameraEvidence extends CameraCandidates {
  /** Time from SetUser until the new password signed in, when the camera applied late (0: at once). */
  applyDelayMs?: number;
  /** The camera's accounts and their levels, as an earlier account's GetUsers listed them. */
  users?: UserEntry[];
}

/** The password a SetUser replaced: a position in the shared list or in the account's known passwords. */
export type Replaced = { kind: 'current' | 'known'; index: number };

/** One account's run: its row, its client, and what has happened so far. */
export interface Account {
  job: AccountJob;
  key: string;
  row: SyncRow;
  client: DeviceClient;
  /** Set once SetUser is journalled: from then on only verification decides the outcome. */
  setSent: boolean;
  /** The client's signal fires on cancel before SetUser, or when the budget fills. */
  readonly stop: AbortController;
  cancellable: boolean;
  /**
   * How a sign-in as this account is made: GetUsers (an Administrator's call, and it lists the camera's
   * accounts), or GetDeviceInformation for an account of another level, which may not list users.
   */
  check: 'users' | 'device';
  /** The camera's accounts as this account's last GetUsers listed them. */
  users?: UserEntry[];
  /** The password this account signed in with (memory only). */
  signedWith?: string;
  step(s: SyncStep): void;
}

/**
 * A sign-in's answer: the users it listed (none for GetDeviceInformation), a refusal, `not-admin` (the
 * camera took the password but refuses GetUsers to an account that is not an Administrator), or how the
 * account ended.
 */
export type Look = { kind: 'ok'; users: UserEntry[] } | { kind: 'refused' } | { kind: 'not-admin' } | { kind: 'end'; end: End };

/** What the change stage hands to verification. */
export interface Changed {
  old: string | undefined;
  /** performance.now() when SetUser left. */
  setAt: number;
  /** SetUser's answer was lost (reset, timeout): the change may or may not have landed. */
  setError?: unknown;
  resuming?: boolean;
}

/** How an account's pipeline ended. `final` ends are not re-read in the light of a sent SetUser. */
export interface End {
  outcome: SyncOutcome;
  detail: string;
  extra?: Partial<SyncRow>;
  final?: boolean;
}

export const end = (outcome: SyncOutcome, detail: string, extra?: Partial<SyncRow>, final = false): End => ({ outcome, detail, extra, final });

export function openAccount(job: AccountJob): Account {
  const { target, lease } = job;
  const key = targetKey(target);
  const row: SyncRow = {
    key, xaddr: target.xaddr, username: target.username, deviceId: target.deviceId,
    step: 'queued', detail: '', nextStep: '', attempts: 0, failedAuths: lease.failures(), ms: 0,
  };
  const stop = new AbortController();
  const a: Account = {
    job, key, row, setSent: false, stop, cancellable: true, check: job.prior.via !== undefined ? 'device' : 'users',
    step: (s) => {
      row.step = s;
      job.onStep({ ...row });
    },
    client: undefined as unknown as DeviceClient,
  };
  a.client = job.factory({
    xaddr: target.xaddr, timeoutMs: job.timeoutMs, signal: stop.signal,
    allowBasic: target.allowBasic, allowPasswordText: target.allowPasswordText,
    // Every refusal the camera may count, a wrong password or a reused nonce it logs as one.
    onAuthFailure: () => {
      lease.recordFailure();
      row.failedAuths = lease.failures();
      // A full budget stops the client at once (e.g. before a second scheme for the same password).
      if (!lease.canTry(job.limit)) stop.abort();
    },
  });
  return a;
}

/**
 * One credentialed sign-in, journalled before it leaves: GetUsers, or GetDeviceInformation for an account
 * that is not an Administrator. `verifyNew`: the new password's check after SetUser (`afterWindow`: once the
 * camera had its time to apply it; the journal decides from both whether a kill during it counts). `as`: another
 * account of the camera (an Administrator the journal names) signs in instead, with GetUsers.
 */
export async function look(a: Account, password: string, o: { verifyNew?: boolean; afterWindow?: boolean; as?: string } = {}): Promise<Look> {
  const { job, row, key } = a;
  const { lease } = job;
  if (!lease.canTry(job.limit)) return { kind: 'end', end: end('auth-failed', budgetDetail(a)) };
  // A try must be on disk before its credential leaves (an unanswered one counts on resume). It waits for
  // company (lazy) while the challenge is out, then is sent at once if still queued. The new password's look
  // after SetUser is not waited on (a resumed run may leave it uncounted: journal.ts FOLDS.try), but goes at once.
  const check = o.verifyNew ? { verify: true, ...(o.afterWindow ? { afterWindow: true } : {}) } : {};
  const journalled = job.record({ t: 'try', key, device: lease.device, at: job.clock.now(), ...check }, { lazy: !o.verifyNew });
  journalled.catch(() => {}); // awaited below where it matters; never left unhandled if the look ends first
  row.attempts++;
  const before = lease.failures();
  const cred = { username: o.as ?? job.target.username, password };
  try {
    const users = await retrying(a, async () => {
      // The credential-less first round trip (the challenge) goes out while the disk writes the try.
      await a.client.learnAuth?.();
      if (!o.verifyNew) {
        job.flushJournal();
        await journalled;
      }
      return signedCall(a, cred, o.as !== undefined);
    }, before);
    // Not awaited: losing it in a crash only makes the resumed budget stricter.
    job.record({ t: 'settled', key }, { lazy: true }).catch(() => {});
    return { kind: 'ok', users };
  } catch (err) {
    return lookFailed(a, err, before);
  }
}

/** The call that proves a credential: GetUsers lists the camera's accounts; an account of another level proves itself with GetDeviceInformation. */
async function signedCall(a: Account, cred: Credentials, asAdmin: boolean): Promise<UserEntry[]> {
  if (a.check === 'device' && !asAdmin) {
    await a.client.getDeviceInformation(cred);
    return [];
  }
  const users = await a.client.getUsers(cred);
  if (!asAdmin) a.users = users;
  return users;
}

function lookFailed(a: Account, err: unknown, before: number): Look {
  const { job, row, key } = a;
  const { lease } = job;
  if (err instanceof JournalWriteError) throw err;
  if (isClientError(err) && (err.kind === 'auth-failed' || (err.kind === 'cancelled' && lease.failures() !== before))) {
    if (lease.failures() === before) lease.recordFailure();
    row.failedAuths = lease.failures();
    return { kind: 'refused' };
  }
  job.record({ t: 'settled', key }, { lazy: true }).catch(() => {});
  if (isPrivilegeFault(err)) return { kind: 'not-admin' };
  if (isClientError(err) && err.kind === 'locked') return { kind: 'end', end: lockEnd(a, err.retryAfterMs) };
  const d = describeError(err);
  return { kind: 'end', end: end(d.outcome, d.detail, d.subcode !== undefined ? { subcode: d.subcode } : {}) };
}

async function retrying<T>(a: Account, fn: () => Promise<T>, failedBefore: number): Promise<T> {
  const { job } = a;
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      // Never again once the device has refused a credential: that is how lockouts happen.
      if (i >= job.retries || !isTransient(err) || job.signal.aborted || job.lease.failures() !== failedBefore) throw err;
      await sleep(job.retryBaseMs * 2 ** i, job.signal);
    }
  }
}

export function lockEnd(a: Account, retryAfterMs: number | undefined): End {
  const until = a.job.clock.now() + (retryAfterMs ?? a.job.defaultLockMs);
  a.job.lease.lock(until);
  return end('locked-out', `The device reports this account locked${retryAfterMs ? '' : ' (no unlock time given; assuming 30 minutes)'}.`, { unlockAt: until });
}

export function budgetDetail(a: Account): string {
  return `No password signed in (${a.row.attempts} tried this time, ${a.job.lease.failures()} of ${a.job.limit} allowed refusals used on this camera); stopped before the device could lock it.`;
}

export function levelOf(a: Account, users: UserEntry[]): string {
  a.row.userLevel = levelIn(users, a.job.target.username) || ADMINISTRATOR;
  return a.row.userLevel;
}

/** Undefined for a known password this pass was not given (a resumed run after a restart). */
export function passwordOf(job: AccountJob, c: Candidate): string | undefined {
  if (c.kind === 'new') return job.newPassword;
  return c.kind === 'known' ? job.known[c.index] : job.candidates[c.index];
}

export function markSignedIn(a: Account, c: Candidate): void {
  a.row.candidate = c.kind === 'new' ? 0 : c.kind === 'current' ? c.index + 1 : undefined;
  a.row.known = c.kind === 'known' ? c.index + 1 : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
