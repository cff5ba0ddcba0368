import type { Clock } from '../../common/clock';
import { candidateLabel, candidateOrder, type Candidate, type CameraCandidates, type SiteEvidence } from '../../common/sync/candidates';
import { nextStepFor, type SyncOutcome } from '../../common/sync/outcomes';
import type { SyncRow, SyncStep } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { DeviceLease } from '../core/credential-gate';
import { JournalWriteError, type JournalRecord } from './journal';
import { describeError, isTransient } from './errors';
import { isClientError, type ClientFactory, type DeviceClient, type UserEntry } from './port';

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
  /** What earlier accounts of this camera showed in this run (how late it applies a change). */
  camera: CameraEvidence;
  clock: Clock;
  /** Writes a journal record (or only keeps it in memory); rejects with JournalWriteError. */
  record(rec: JournalRecord): Promise<void>;
  factory: ClientFactory;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** After SetUser, how long the old password may keep working before the change counts as not applied. */
  lateApplyMs: number;
  /** Pause between looks with the old password while it still works. */
  pollMs: number;
  defaultLockMs: number;
  /** The run's cancel signal: honoured until SetUser is sent, never after. */
  signal: AbortSignal;
  /** From the journal: this account was sent SetUser earlier in the run (by this process or one that died). */
  prior: { setUserSent: boolean; replaced?: Replaced; verified: boolean; setAt?: number; answered?: boolean };
  onStep(row: SyncRow): void;
  /** Counts every request the account's client made (bench). */
  onRequests?(n: number): void;
}

interface CameraEvidence extends CameraCandidates {
  /** Time from SetUser until the old password was refused, when the camera applied late. */
  applyDelayMs?: number;
}

/** How an account's pipeline ended. `final` ends are not re-read in the light of a sent SetUser. */
interface End {
  outcome: SyncOutcome;
  detail: string;
  extra?: Partial<SyncRow>;
  final?: boolean;
}

/** The password a SetUser replaced: a position in the shared list or in the account's known passwords. */
type Replaced = { kind: 'current' | 'known'; index: number };

type SignIn = { kind: 'ok'; users: UserEntry[] } | { kind: 'refused' } | { kind: 'end'; end: End };
type Verified = { kind: 'end'; end: End } | { kind: 'never-landed'; users: UserEntry[] };

const end = (outcome: SyncOutcome, detail: string, extra?: Partial<SyncRow>, final = false): End => ({ outcome, detail, extra, final });

/**
 * One account on one camera: reach → sign in (candidates in the site's order,
 * within the device's budget) → find the user → SetUser (at most once) →
 * verify (old password first, while it still works, for cameras that apply late)
 * → outcome. Each step returns its result; nothing throws for control flow.
 */
export async function syncAccount(job: AccountJob): Promise<SyncRow> {
  const { target, lease, clock } = job;
  const key = targetKey(target);
  const username = target.username;
  const t0 = performance.now();
  const row: SyncRow = {
    key, xaddr: target.xaddr, username, deviceId: target.deviceId,
    step: 'queued', detail: '', nextStep: '', attempts: 0, failedAuths: lease.failures(), ms: 0,
  };
  const secrets = [...job.candidates, ...job.known, job.newPassword];
  const step = (s: SyncStep) => {
    row.step = s;
    job.onStep({ ...row });
  };
  // The client's signal fires when the run is cancelled before SetUser; after it,
  // a change half-made and never checked is worse than a few more seconds.
  const stop = new AbortController();
  let cancellable = true;
  const onCancel = () => cancellable && stop.abort();
  job.signal.addEventListener('abort', onCancel, { once: true });
  const c: DeviceClient = job.factory({
    xaddr: target.xaddr, timeoutMs: job.timeoutMs, signal: stop.signal,
    allowBasic: target.allowBasic, allowPasswordText: target.allowPasswordText,
    onAuthFailure: () => {
      lease.recordFailure();
      row.failedAuths = lease.failures();
      // A full budget stops the client at once (e.g. before a second scheme for the same password).
      if (!lease.canTry(job.limit)) stop.abort();
    },
  });
  let setSent = false;

  const result = await run().catch((err: unknown) => journalEnd(err) ?? end(describeError(err).outcome, describeError(err).detail));
  return finish(result);

  async function run(): Promise<End> {
    step('reach');
    if (job.prior.setUserSent && job.prior.verified) {
      return end('updated', 'The new password signed in after the change, before the run was interrupted; not contacted again.', {}, true);
    }
    const lockedUntil = lease.lockedUntil();
    if (lockedUntil !== undefined) return end('locked-out', 'The device reported a lock earlier; not touched before it unlocks.', { unlockAt: lockedUntil });
    if (job.signal.aborted) return end('cancelled', 'Cancelled before this device started.');
    if (job.prior.setUserSent) {
      setSent = true;
      const v = await resumeAfterSet();
      if (v.kind === 'end') return v.end;
      // The old password still signs in and the new one is refused after the wait. Sent again only when the
      // journal shows the first never reached the camera (a kill between its line and the request leaving);
      // one the camera answered, and ignored, is not sent twice.
      if (job.prior.answered) {
        return end('unverified', 'SetUser reached this camera earlier in the run, yet it still accepts the old password and not the new one; not sent again.', {}, true);
      }
      const old = job.prior.replaced!;
      return setAndVerify(passwordOf(old)!, old, levelOf(v.users));
    }
    if (!lease.canTry(job.limit)) {
      return end('skipped', `Not touched: the ${job.limit} refused sign-ins this run allows for this camera are used up. Start a new run once the camera's failure counter has reset (typically 30 minutes).`);
    }

    step('authenticate');
    let found: { candidate: Candidate; users: UserEntry[] } | undefined;
    // A password is tried once per account, whichever list it came from.
    const tried = new Set<string>();
    for (const candidate of candidateOrder(job.candidates.length, job.evidence, job.camera, job.known.length)) {
      if (!lease.canTry(job.limit)) break;
      const password = passwordOf(candidate)!;
      if (tried.has(password)) continue;
      tried.add(password);
      const r = await attempt(password);
      if (r.kind === 'end') return r.end;
      if (r.kind === 'ok') {
        found = { candidate, users: r.users };
        break;
      }
    }
    if (!found) return end('auth-failed', budgetDetail());
    const { candidate, users } = found;
    markSignedIn(candidate);
    if (candidate.kind === 'new' || passwordOf(candidate) === job.newPassword) {
      if (c.authOff) return end('auth-off', 'The camera answered without checking any password, so ONVIF cannot tell which password it holds; nothing was changed.');
      job.evidence.newAlreadySet = true;
      job.camera.newHeld = true;
      return end('already-current', 'The new password already signs in; nothing was changed.');
    }
    // A password given for this account alone is evidence for nothing else.
    if (candidate.kind === 'current' && !c.authOff) {
      if (!job.evidence.proven.includes(candidate.index)) job.evidence.proven.push(candidate.index);
      job.camera.proven = [...(job.camera.proven ?? []).filter((i) => i !== candidate.index), candidate.index];
    }

    step('users');
    return setAndVerify(passwordOf(candidate)!, candidate, levelOf(users));
  }

  function markSignedIn(c: Candidate): void {
    row.candidate = c.kind === 'new' ? 0 : c.kind === 'current' ? c.index + 1 : undefined;
    row.known = c.kind === 'known' ? c.index + 1 : undefined;
  }

  function levelOf(users: UserEntry[]): string {
    const user = users.find((u) => u.username === username) ?? users.find((u) => u.username.toLowerCase() === username.toLowerCase());
    row.userLevel = user?.userLevel || 'Administrator';
    return row.userLevel;
  }

  /** Undefined for a known password this pass was not given (a resumed run after a restart). */
  function passwordOf(c: Candidate): string | undefined {
    if (c.kind === 'new') return job.newPassword;
    return c.kind === 'known' ? job.known[c.index] : job.candidates[c.index];
  }

  /** SetUser once (journalled first), then verification. */
  async function setAndVerify(old: string, which: Replaced, level: string): Promise<End> {
    step('set-user');
    if (job.signal.aborted) return end('cancelled', 'Cancelled before the password change was sent.');
    cancellable = false;
    await job.record({ t: 'setuser-sent', key, at: clock.now(), ...(which.kind === 'known' ? { known: which.index } : { candidate: which.index }) });
    setSent = true;
    markSignedIn(which);
    let setError: unknown;
    const setAt = performance.now();
    try {
      // Never retried, here or in the transport: the camera may have applied it already.
      await c.setUser({ username, password: old }, { username, password: job.newPassword, userLevel: level });
      job.record({ t: 'setuser-answered', key, at: clock.now() }).catch(() => {});
    } catch (err) {
      // An answer (a fault) or a connection that died after the request left: either way it may have reached the camera.
      if (isClientError(err) && err.kind !== 'unreachable' && err.kind !== 'cancelled') {
        job.record({ t: 'setuser-answered', key, at: clock.now(), ...(err.kind === 'fault' ? { refused: true } : {}) }).catch(() => {});
      }
      if (isClientError(err) && err.kind === 'fault') {
        return end('rejected', `The device refused the new password${err.subcode ? ` (${err.subcode})` : ''}: ${clip(err.message)}`, { subcode: err.subcode ?? 'unknown' }, true);
      }
      if (isClientError(err) && err.kind === 'locked') return lockEnd(err.retryAfterMs);
      if (isClientError(err) && err.kind === 'auth-failed') return end('unverified', 'The device refused SetUser with the password that had just signed in; the change is not known to have landed.', {}, true);
      setError = err; // reset or timeout: the change may or may not have landed; verification decides
    }
    if (c.authOff) {
      return end('auth-off', 'The camera accepted SetUser without any sign-in (ONVIF authentication is off), so ONVIF cannot confirm the new password.', {}, true);
    }
    const v = await verify(old, setError, false, setAt);
    return v.kind === 'end' ? v.end : end('unverified', 'The old password still signs in after SetUser.', {}, true);
  }

  /** A journalled SetUser without an outcome: verify before anything else. */
  async function resumeAfterSet(): Promise<Verified> {
    step('verify');
    const old = job.prior.replaced !== undefined ? passwordOf(job.prior.replaced) : undefined;
    if (job.prior.replaced !== undefined) markSignedIn(job.prior.replaced);
    return verify(old, undefined, true, performance.now());
  }

  /**
   * After SetUser: look with the old password while it still works (free; cameras
   * that apply late keep it a second or two), until it is refused or the wait ends,
   * then the new one once. With one refusal left, only the new one is looked at.
   */
  async function verify(old: string | undefined, setError: unknown, resuming: boolean, setAt: number): Promise<Verified> {
    step('verify');
    const done = (e: End): Verified => ({ kind: 'end', end: e });
    let oldWorks: UserEntry[] | undefined;
    let oldRefused = false;
    /** The old password still signed in at the first look (a late or ignored change). */
    let oldSeen: UserEntry[] | undefined;
    if (old !== undefined && !resuming && lease.remaining(job.limit) >= 3) {
      // Both looks at once, on separate connections: a camera that applies at once is verified in one
      // round trip. Only with three refusals left: on a camera that applies late the two looks can straddle
      // the switch (the new one judged before it, the old one after: both refused), and one more look
      // must still fit. With two left, the looks go one after the other.
      const pair = await attemptPair(old);
      if (pair.kind === 'end') return done(pair.end);
      const [o, n] = [pair.old, pair.new];
      if (n.kind === 'ok' && o.kind !== 'ok') {
        await verified(setAt);
        return done(end('updated', 'The new password signs in and the old one is refused.', {}, true));
      }
      // Both signed in (the switch may have fallen between them) or the old one still does: look again below.
      if (o.kind === 'ok') oldSeen = o.users;
      else oldRefused = true; // both refused: the switch fell between them, or the change went wrong; the new one gets one more look
    }
    if (old !== undefined && !oldRefused && lease.remaining(job.limit) >= 2) {
      const deadline = setAt + job.lateApplyMs;
      for (let first = true; ; first = false) {
        if (!first || oldSeen) {
          step('waiting');
          await sleep(job.pollMs);
          step('verify');
        }
        const lookedAt = performance.now();
        const r = await attempt(old);
        if (r.kind === 'end') return done(r.end);
        if (r.kind === 'refused') {
          oldRefused = true;
          // An upper bound of the camera's delay: even a first look may have been judged after a late change landed.
          if (!resuming) job.camera.applyDelayMs = Math.max(job.camera.applyDelayMs ?? 0, performance.now() - setAt);
          break;
        }
        oldWorks = r.users;
        // Only a look that began after the wait proves the camera kept the old password that long
        // (a process starved past the deadline must not conclude from a look taken before the switch).
        if (lookedAt >= deadline) break;
      }
    } else if (!resuming && !oldRefused) {
      // One look left, so no free looks with the old password: give the camera as long as it took for
      // another account (and a half), or, knowing nothing, up to 2 s (cameras apply "a second or two" late).
      const known = oldSeen ? undefined : job.camera.applyDelayMs;
      const wait = setAt + Math.min(job.lateApplyMs, known === undefined ? 2000 : known * 1.5 + 100) - performance.now();
      if (wait > 0) {
        step('waiting');
        await sleep(wait);
        step('verify');
      }
    } else if (resuming && job.prior.setAt !== undefined) {
      // Resumed with one look left: give a camera that applies late the whole wait, counted from the SetUser the journal holds.
      const known = job.camera.applyDelayMs;
      const wait = job.prior.setAt + Math.min(job.lateApplyMs, known === undefined ? job.lateApplyMs : known * 1.5 + 100) - clock.now();
      if (wait > 0) {
        step('waiting');
        await sleep(Math.min(wait, job.lateApplyMs));
        step('verify');
      }
    }
    if (!lease.canTry(job.limit)) {
      return done(end('unverified', `SetUser was sent, but the new password was not tried: the ${job.limit} refused sign-ins this run allows for this camera are used up.`, {}, true));
    }
    const r = await attempt(job.newPassword, true);
    if (r.kind === 'end') return done(r.end);
    if (r.kind === 'ok') {
      // A resumed look measures nothing about the camera: its SetUser was sent by another process.
      await verified(oldSeen || resuming ? undefined : setAt);
      if (oldRefused) return done(end('updated', 'The new password signs in and the old one is refused.', {}, true));
      if (oldWorks) return done(end('unverified', 'Both the new and the old password sign in: the device did not drop the old password.', {}, true));
      return done(end('updated', old === undefined
        ? 'The new password signs in. Which old password it replaced is not journalled, so none was re-tested.'
        : oldSeen
          ? 'The new password signs in (the camera applied it late). The old password was not re-tested, to stay within the lockout budget.'
          : 'The new password signs in. The old password was not re-tested, to stay within the lockout budget.', {}, true));
    }
    const stillOld = oldRefused ? undefined : (oldWorks ?? oldSeen);
    if (stillOld) {
      if (resuming) return { kind: 'never-landed', users: stillOld };
      if (setError !== undefined) {
        const d = describeError(setError);
        return done(end(d.outcome, `SetUser failed and the old password is still in place: ${d.detail}`, { subcode: d.subcode }, true));
      }
      return done(end('unverified', `The device answered SetUser but after ${Math.round(job.lateApplyMs / 1000)} s still accepts the old password and not the new one.`, {}, true));
    }
    return done(end('unverified', old === undefined || !oldRefused
      ? 'The new password is refused after SetUser; the old one was not re-tested, to stay within the lockout budget.'
      : 'Neither the new nor the old password signs in after SetUser.', {}, true));
  }

  /** Journals that the new password signed in (with how late the camera applied it, when known). */
  async function verified(setAt: number | undefined): Promise<void> {
    if (setAt !== undefined && job.camera.applyDelayMs === undefined) job.camera.applyDelayMs = performance.now() - setAt;
    const applyDelayMs = job.camera.applyDelayMs;
    await job.record({ t: 'verified', key, at: clock.now(), ...(applyDelayMs !== undefined ? { applyDelayMs: Math.round(applyDelayMs) } : {}) }).catch(() => {});
  }

  /**
   * The old and the new password at once (the client opens a second connection). One journal
   * line for both: unanswered, it counts as one spend on resume (the old one may have been refused).
   */
  async function attemptPair(old: string): Promise<{ kind: 'end'; end: End } | { kind: 'pair'; old: SignIn; new: SignIn }> {
    if (lease.remaining(job.limit) < 2) return { kind: 'end', end: end('auth-failed', budgetDetail()) };
    await job.record({ t: 'try', key, device: lease.device, at: clock.now() });
    row.attempts += 2;
    const before = lease.failures();
    const [o, n] = await Promise.all([judge(old, before), judge(job.newPassword, before)]);
    job.record({ t: 'settled', key }).catch(() => {});
    row.failedAuths = lease.failures();
    for (const r of [o, n]) if (r.kind === 'end') return r;
    return { kind: 'pair', old: o, new: n };
  }

  /** Sends one sign-in and says what the device made of it (no journal line of its own). */
  async function judge(password: string, failedBefore: number): Promise<SignIn> {
    try {
      return { kind: 'ok', users: await retrying(() => c.getUsers({ username, password }), failedBefore) };
    } catch (err) {
      if (isClientError(err) && err.kind === 'auth-failed') return { kind: 'refused' };
      if (isClientError(err) && err.kind === 'locked') return { kind: 'end', end: lockEnd(err.retryAfterMs) };
      const d = describeError(err);
      return { kind: 'end', end: end(d.outcome, d.detail, d.subcode !== undefined ? { subcode: d.subcode } : {}) };
    }
  }

  /** One credentialed sign-in (GetUsers), journalled before it leaves. */
  async function attempt(password: string, verifyNew = false): Promise<SignIn> {
    if (!lease.canTry(job.limit)) return { kind: 'end', end: end('auth-failed', budgetDetail()) };
    await job.record({ t: 'try', key, device: lease.device, at: clock.now(), ...(verifyNew ? { verify: true } : {}) });
    row.attempts++;
    const before = lease.failures();
    try {
      const users = await retrying(() => c.getUsers({ username, password }), before);
      // Not awaited: losing it in a crash only makes the resumed budget stricter.
      job.record({ t: 'settled', key }).catch(() => {});
      return { kind: 'ok', users };
    } catch (err) {
      if (isClientError(err) && (err.kind === 'auth-failed' || (err.kind === 'cancelled' && lease.failures() !== before))) {
        if (lease.failures() === before) lease.recordFailure();
        row.failedAuths = lease.failures();
        return { kind: 'refused' };
      }
      job.record({ t: 'settled', key }).catch(() => {});
      if (isClientError(err) && err.kind === 'locked') return { kind: 'end', end: lockEnd(err.retryAfterMs) };
      const d = describeError(err);
      return { kind: 'end', end: end(d.outcome, d.detail, d.subcode !== undefined ? { subcode: d.subcode } : {}) };
    }
  }

  async function retrying<T>(fn: () => Promise<T>, failedBefore: number): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        // Never again once the device has refused a credential: that is how lockouts happen.
        if (i >= job.retries || !isTransient(err) || job.signal.aborted || lease.failures() !== failedBefore) throw err;
        await sleep(job.retryBaseMs * 2 ** i, job.signal);
      }
    }
  }

  function lockEnd(retryAfterMs: number | undefined): End {
    const until = clock.now() + (retryAfterMs ?? job.defaultLockMs);
    lease.lock(until);
    return end('locked-out', `The device reports this account locked${retryAfterMs ? '' : ' (no unlock time given; assuming 30 minutes)'}.`, { unlockAt: until });
  }

  function journalEnd(err: unknown): End | undefined {
    if (!(err instanceof JournalWriteError)) return undefined;
    return setSent
      ? end('unverified', `SetUser was sent, then ${err.message}`, { subcode: 'journal' }, true)
      : end('cancelled', err.message, { subcode: 'journal' }, true);
  }

  function budgetDetail(): string {
    return `No password signed in (${row.attempts} tried this time, ${lease.failures()} of ${job.limit} allowed refusals used on this camera); stopped before the device could lock it.`;
  }

  function finish(e: End): SyncRow {
    let { outcome, detail } = e;
    if (setSent && !e.final && outcome !== 'locked-out') {
      // After a sent SetUser nothing but verification decides; an error on the way leaves it unknown.
      detail = `SetUser was sent but the result could not be checked: ${detail}`;
      outcome = 'unverified';
    }
    Object.assign(row, e.extra ?? {});
    row.outcome = outcome;
    row.step = 'done';
    const signedIn: Candidate | undefined = row.known !== undefined ? { kind: 'known', index: row.known - 1 } : row.candidate === undefined ? undefined : row.candidate === 0 ? { kind: 'new' } : { kind: 'current', index: row.candidate - 1 };
    row.detail = scrub(signedIn && outcome !== 'auth-failed' ? `${detail} (signed in with ${candidateLabel(signedIn)}.)` : detail, secrets);
    row.nextStep = nextStepFor(outcome, row.subcode);
    row.failedAuths = lease.failures();
    row.ms = performance.now() - t0;
    row.finishedAt = clock.now();
    job.signal.removeEventListener('abort', onCancel);
    job.onRequests?.(c.requestCount);
    c.close?.();
    return { ...row };
  }
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
