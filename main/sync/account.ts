import type { Clock } from '../../common/clock';
import type { SyncOutcome } from '../../common/sync/outcomes';
import type { Candidate, CameraCandidates, SiteEvidence } from '../../common/sync/candidates';
import type { SyncRow, SyncStep } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { DeviceLease } from '../core/credential-gate';
import { JournalWriteError, type JournalRecord } from './journal';
import { describeError, isTransient } from './errors';
import { isClientError, type ClientFactory, type DeviceClient, type UserEntry } from './port';

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
  clock: Clock;
  /** Writes a journal record (or only keeps it in memory); rejects with JournalWriteError. */
  record(rec: JournalRecord): Promise<void>;
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
  prior: { setUserSent: boolean; replaced?: Replaced; verified: boolean; setAt?: number; answered?: boolean };
  onStep(row: SyncRow): void;
  /** Counts every request the account's client made (bench). */
  onRequests?(n: number): void;
}

export interface CameraEvidence extends CameraCandidates {
  /** Time from SetUser until the new password signed in, when the camera applied late (0: at once). */
  applyDelayMs?: number;
  /** The camera's accounts, as an earlier account's GetUsers listed them. */
  users?: string[];
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
  step(s: SyncStep): void;
}

/** A sign-in's answer: the users it listed, a refusal, or how the account ended. */
export type Look = { kind: 'ok'; users: UserEntry[] } | { kind: 'refused' } | { kind: 'end'; end: End };

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
    job, key, row, setSent: false, stop, cancellable: true,
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

/** One credentialed sign-in (GetUsers), journalled before it leaves. `verifyNew`: the new password's check after SetUser. */
export async function look(a: Account, password: string, verifyNew = false): Promise<Look> {
  const { job, row, key } = a;
  const { lease } = job;
  if (!lease.canTry(job.limit)) return { kind: 'end', end: end('auth-failed', budgetDetail(a)) };
  const journalled = job.record({ t: 'try', key, device: lease.device, at: job.clock.now(), ...(verifyNew ? { verify: true } : {}) });
  // A try must be on disk before its credential leaves (an unanswered one counts on resume), except the new
  // password's look after SetUser: a resumed run never counts that one (journal.ts), so it need not wait for the disk.
  journalled.catch(() => {}); // awaited below where it matters; never left unhandled if the look ends first
  row.attempts++;
  const before = lease.failures();
  try {
    const users = await retrying(a, async () => {
      // The credential-less first round trip (the challenge) goes out while the disk writes the try.
      await a.client.learnAuth?.();
      if (!verifyNew) await journalled;
      return a.client.getUsers({ username: job.target.username, password });
    }, before);
    // Not awaited: losing it in a crash only makes the resumed budget stricter.
    job.record({ t: 'settled', key }).catch(() => {});
    return { kind: 'ok', users };
  } catch (err) {
    if (err instanceof JournalWriteError) throw err;
    if (isClientError(err) && (err.kind === 'auth-failed' || (err.kind === 'cancelled' && lease.failures() !== before))) {
      if (lease.failures() === before) lease.recordFailure();
      row.failedAuths = lease.failures();
      return { kind: 'refused' };
    }
    job.record({ t: 'settled', key }).catch(() => {});
    if (isClientError(err) && err.kind === 'locked') return { kind: 'end', end: lockEnd(a, err.retryAfterMs) };
    const d = describeError(err);
    return { kind: 'end', end: end(d.outcome, d.detail, d.subcode !== undefined ? { subcode: d.subcode } : {}) };
  }
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
  const name = a.job.target.username;
  const user = users.find((u) => u.username === name) ?? users.find((u) => u.username.toLowerCase() === name.toLowerCase());
  a.row.userLevel = user?.userLevel || 'Administrator';
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
