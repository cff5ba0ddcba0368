import type { Clock } from '../../common/clock';
import { nextStepFor, type SyncOutcome } from '../../common/sync/outcomes';
import type { SyncRow, SyncStep } from '../../common/sync/report';
import type { LockoutBudget } from './budget';
import type { Journal } from './journal';
import { isClientError, type ClientFactory, type UserEntry } from './port';
import { describeError, isTransient } from './errors';

export interface DeviceTarget {
  key: string;
  xaddr: string;
  username: string;
  deviceId?: string;
  allowBasic?: boolean;
  allowPasswordText?: boolean;
}

export interface DeviceJob {
  target: DeviceTarget;
  candidates: string[];
  newPassword: string;
  budget: LockoutBudget;
  clock: Clock;
  journal?: Journal;
  factory: ClientFactory;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** Some cameras apply a new password a moment after answering SetUser. */
  settleMs: number;
  /** How long to wait before looking again when the old password still works after SetUser. */
  lateApplyMs: number;
  defaultLockMs: number;
  /** The run's cancel signal. */
  signal: AbortSignal;
  /** The journal says SetUser went out before a crash: test the new password first. */
  resumeAfterSet: boolean;
  onStep(row: SyncRow): void;
  /** Counts every request the device's clients made (bench). */
  onRequests?(n: number): void;
}

class Stop extends Error {
  constructor(readonly outcome: SyncOutcome, detail: string, readonly extra: Partial<SyncRow> = {}) {
    super(detail);
  }
}

/** reach → sign in (candidates, in order, within the budget) → find user → SetUser → verify → outcome. */
export async function syncDevice(job: DeviceJob): Promise<SyncRow> {
  const { target, budget, journal, clock } = job;
  const { key, username } = target;
  const t0 = performance.now();
  const row: SyncRow = {
    key, xaddr: target.xaddr, username, deviceId: target.deviceId,
    step: 'queued', detail: '', nextStep: '', attempts: 0, failedAuths: budget.failed(key), ms: 0,
  };
  const secrets = [...job.candidates, job.newPassword];
  const step = (s: SyncStep) => {
    row.step = s;
    job.onStep({ ...row });
  };
  // One client per device, so the Digest challenge and the clock offset learnt
  // by GetSystemDateAndTime carry over. Its signal fires when the run is
  // cancelled before SetUser (a change half-made and never checked is worse
  // than a few more seconds), or when a rejected sign-in fills the budget (it
  // stops e.g. a second auth scheme for the same password).
  const stop = new AbortController();
  let cancellable = true;
  const onCancel = () => cancellable && stop.abort();
  job.signal.addEventListener('abort', onCancel, { once: true });
  const onAuthFailure = () => {
    const n = budget.recordFailure(key);
    row.failedAuths = n;
    journal?.append({ t: 'fail', key, at: clock.now() }).catch(() => {});
    if (n >= budget.max) stop.abort();
  };
  const c = job.factory({
    xaddr: target.xaddr, timeoutMs: job.timeoutMs, onAuthFailure, signal: stop.signal,
    allowBasic: target.allowBasic, allowPasswordText: target.allowPasswordText,
  });

  const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
    const failedBefore = budget.failed(key);
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        // Never retry once the device has rejected a credential: that is how lockouts happen.
        if (i >= job.retries || !isTransient(err) || job.signal.aborted || budget.failed(key) !== failedBefore) throw err;
        await sleep(job.retryBaseMs * 2 ** i, job.signal);
      }
    }
  };

  /** One credentialed sign-in (GetUsers): users on success, undefined if the device rejected the password. */
  const signIn = async (password: string): Promise<UserEntry[] | undefined> => {
    if (!budget.canTry(key)) throw new Stop('auth-failed', budgetDetail(row, budget.max));
    await journal?.append({ t: 'try', key, at: clock.now() });
    row.attempts++;
    const before = budget.failed(key);
    try {
      const users = await retrying(() => c.getUsers({ username, password }));
      // Not awaited: losing it in a crash only makes the resumed budget stricter.
      journal?.append({ t: 'settled', key }).catch(() => {});
      return users;
    } catch (err) {
      if (isClientError(err) && (err.kind === 'auth-failed' || (err.kind === 'cancelled' && !budget.canTry(key)))) {
        if (budget.failed(key) === before) onAuthFailure();
        return undefined;
      }
      journal?.append({ t: 'settled', key }).catch(() => {});
      throw err;
    }
  };

  let setSent = false;
  try {
    const lockedUntil = budget.lockedUntil(key, clock.now());
    if (lockedUntil !== undefined) throw new Stop('locked-out', 'The device reported a lock earlier; not touched before it unlocks.', { unlockAt: lockedUntil });
    if (job.signal.aborted) throw new Stop('cancelled', 'Cancelled before this device started.');
    if (!budget.canTry(key)) {
      throw new Stop('skipped', `Not touched: the ${budget.max} failed sign-ins this run allows for this camera are used up. Start a new run once the camera's failure counter has reset (typically 30 minutes).`);
    }

    step('reach');
    try {
      await retrying(() => c.getSystemDateAndTime());
    } catch (err) {
      // Devices without the call still do Digest; only WS-UsernameToken needs their clock.
      if (!(isClientError(err) && err.kind === 'fault')) throw err;
    }

    step('authenticate');
    if (job.resumeAfterSet) {
      const users = await signIn(job.newPassword);
      if (users) {
        row.userLevel = findUser(users, username)?.userLevel;
        return await verifyOld(undefined);
      }
    }
    // The NVR's own sync may already have set the new password, so it is tried
    // right after the first candidate rather than last.
    const order = unique([job.candidates[0], job.newPassword, ...job.candidates.slice(1)]);
    let current: string | undefined;
    let users: UserEntry[] | undefined;
    for (const pw of order) {
      if (!budget.canTry(key)) break;
      users = await signIn(pw);
      if (users) {
        current = pw;
        break;
      }
    }
    if (!current || !users) throw new Stop('auth-failed', budgetDetail(row, budget.max));
    if (current === job.newPassword) throw new Stop('already-current', 'The new password already signs in; nothing was changed.');

    step('users');
    const user = findUser(users, username);
    row.userLevel = user?.userLevel ?? 'Administrator';

    step('set-user');
    cancellable = false;
    if (job.signal.aborted) throw new Stop('cancelled', 'Cancelled before the password change was sent.');
    await journal?.append({ t: 'setuser-sent', key, at: clock.now() });
    setSent = true;
    let setError: unknown;
    const setBefore = budget.failed(key);
    try {
      await c.setUser({ username, password: current }, { username, password: job.newPassword, userLevel: row.userLevel });
      journal?.append({ t: 'settled', key }).catch(() => {});
    } catch (err) {
      if (budget.failed(key) === setBefore) journal?.append({ t: 'settled', key }).catch(() => {});
      if (isClientError(err) && err.kind === 'fault') {
        throw new Stop('rejected', `The device refused the new password${err.subcode ? ` (${err.subcode})` : ''}: ${clip(err.message)}`, { subcode: err.subcode ?? 'unknown' });
      }
      if (isClientError(err) && (err.kind === 'locked' || err.kind === 'auth-failed')) throw err;
      setError = err; // the change may or may not have landed: verification decides
    }
    if (job.settleMs > 0) await sleep(job.settleMs);

    step('verify');
    let newWorks = await signIn(job.newPassword);
    if (!newWorks) {
      const oldWorks = budget.canTry(key) ? await signIn(current) : undefined;
      if (setError && oldWorks) {
        const d = describeError(setError);
        throw new Stop(d.outcome, `SetUser failed and the old password is still in place: ${d.detail}`, { subcode: d.subcode });
      }
      if (oldWorks && budget.canTry(key)) {
        // Some cameras switch passwords a moment after answering SetUser: one more look, within the budget.
        step('waiting');
        await sleep(job.lateApplyMs);
        step('verify');
        newWorks = await signIn(job.newPassword);
      }
      if (!newWorks) {
        throw new Stop('unverified', oldWorks
          ? 'The device answered SetUser but still accepts the old password and not the new one.'
          : 'Neither the new nor the old password signs in after SetUser.');
      }
    }
    return await verifyOld(current);

    async function verifyOld(old: string | undefined): Promise<SyncRow> {
      const olds = old !== undefined ? [old] : job.candidates.filter((c) => c !== job.newPassword);
      for (const pw of olds) {
        if (!budget.canTry(key)) {
          return finish('updated', 'The new password signs in. The old password was not re-tested, to stay within the lockout budget.');
        }
        if (await signIn(pw)) throw new Stop('unverified', 'Both the new and an old password sign in: the device did not drop the old password.');
      }
      return finish('updated', 'The new password signs in and the old one is refused.');
    }
  } catch (err) {
    if (err instanceof Stop) {
      if (setSent && err.outcome === 'auth-failed') return finish('unverified', `SetUser was sent but could not be verified: ${err.message}`);
      return finish(err.outcome, err.message, err.extra);
    }
    if (isClientError(err) && err.kind === 'locked') {
      const until = clock.now() + (err.retryAfterMs ?? job.defaultLockMs);
      budget.lock(key, until);
      await journal?.append({ t: 'lock', key, until }).catch(() => {});
      return finish('locked-out', `The device reports this account locked${err.retryAfterMs ? '' : ' (no unlock time given; assuming 30 minutes)'}.`, { unlockAt: until });
    }
    if (isClientError(err) && err.kind === 'auth-failed') return finish('auth-failed', 'The device refused the password that had just signed in.');
    const d = describeError(err);
    if (setSent) return finish('unverified', `SetUser was sent but the result could not be checked: ${d.detail}`);
    return finish(d.outcome, d.detail, { subcode: d.subcode });
  }

  function finish(outcome: SyncOutcome, detail: string, extra: Partial<SyncRow> = {}): SyncRow {
    Object.assign(row, extra);
    row.outcome = outcome;
    row.step = 'done';
    row.detail = scrub(detail, secrets);
    row.nextStep = nextStepFor(outcome, row.subcode);
    row.failedAuths = budget.failed(key);
    row.ms = performance.now() - t0;
    row.finishedAt = clock.now();
    job.signal.removeEventListener('abort', onCancel);
    job.onRequests?.(c.requestCount);
    c.close?.();
    return { ...row };
  }
}

function budgetDetail(row: SyncRow, max: number): string {
  return `No password signed in (${row.attempts} tried this time, ${row.failedAuths} of ${max} allowed failures used); stopped before the device could lock the account.`;
}

function findUser(users: UserEntry[], username: string): UserEntry | undefined {
  return users.find((u) => u.username === username) ?? users.find((u) => u.username.toLowerCase() === username.toLowerCase());
}

function unique(list: (string | undefined)[]): string[] {
  return [...new Set(list.filter((s): s is string => s !== undefined))];
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Hostile devices may echo what they were sent: no password reaches a row. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('‹redacted›');
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
