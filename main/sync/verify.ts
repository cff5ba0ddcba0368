import { end, look, sleep, type Account, type Changed, type End } from './account';
import { describeError } from './errors';
import { LATE_BY_UNKNOWN_MS } from './journal';
import type { UserEntry } from './port';

/** How verification ended, or — for a resumed run — that its SetUser never landed (the old password still signs in). */
export type Verified = { kind: 'end'; end: End } | { kind: 'never-landed'; users: UserEntry[] };

const done = (e: End): Verified => ({ kind: 'end', end: e });

/** How an account ends after verification; a SetUser that never landed (resuming) is not an end by itself. */
export function finalOf(v: Verified): End {
  return v.kind === 'end' ? v.end : end('unverified', 'The old password still signs in after SetUser.', {}, true);
}

/**
 * Verify: the new password signs in, read back from the camera — the one look
 * a clean change costs, and it is never refused. A camera known to apply late
 * (an earlier account of it, or the journal) is given its time first. A refusal
 * means late, ignored or gone wrong: the new password gets one more look once
 * the late window (`lateApplyMs` after SetUser) has passed, budget allowing.
 * Only then, where it decides something, the old password is looked at: a
 * resumed run must know whether its SetUser ever landed, and a SetUser whose
 * answer was lost is reported by what the camera still holds.
 */
export async function verify(a: Account, c: Changed): Promise<Verified> {
  a.step('verify');
  const { window, afterWindow } = firstWait(a, c);
  await waitFor(a, c.setAt + window - performance.now());
  const first = await look(a, a.job.newPassword, { verifyNew: true, afterWindow });
  if (first.kind === 'end') return done(first.end);
  // Answered, even where the call itself is not this account's to make: the camera took the new password.
  if (first.kind === 'ok' || first.kind === 'not-admin') return done(updated(a, c, false));
  if (!c.resuming) {
    // Late (or worse): the camera's other accounts give it at least this long before their first look.
    a.job.camera.applyDelayMs = Math.max(a.job.camera.applyDelayMs ?? 0, LATE_BY_UNKNOWN_MS);
    if (!a.job.lease.canTry(a.job.limit)) return done(end('unverified', `${refusedOnce(a)} ${noRoom(a)}`, {}, true));
    await waitFor(a, c.setAt + a.job.lateApplyMs - performance.now());
    const second = await look(a, a.job.newPassword, { verifyNew: true, afterWindow: true });
    if (second.kind === 'end') return done(second.end);
    if (second.kind === 'ok' || second.kind === 'not-admin') return done(updated(a, c, true));
  }
  return lookAtOld(a, c);
}

/**
 * How long after SetUser to hold the first look. A camera that took an earlier account's change gets as
 * long as that took and a half; a resumed SetUser (perhaps sent an instant before the kill) the whole
 * window from the journal's time; and where only one refusal is left, so the first look is the only one,
 * the whole late window too. Otherwise none: most cameras apply at once.
 * `afterWindow`: the camera had its time by then (its own, or the whole late window), which the journal
 * needs to know (a kill during a look made before may have hidden a late camera's refusal).
 *
 * With one refusal left the look waited 2 s ("a second or two", DOMAIN.md) rather than the window (3 s by
 * default): a kill during that look then counted on resume (journal.ts FOLDS.try) and used the last refusal,
 * so an account that held the new password ended `unverified` — the kill -9 test with the default window
 * (SYNC_CRASH_LATE_APPLY=3000) found it in 3 seeds of 3 (e.g. SYNC_CRASH_SEED=702000, its run 1). The second
 * saved was not worth it: the whole window costs one second, only on a camera that already spent a refusal,
 * and a camera applying between 2 s and the window's end is no longer refused its only look.
 */
function firstWait(a: Account, c: Changed): { window: number; afterWindow: boolean } {
  const { job } = a;
  const known = job.camera.applyDelayMs;
  let window = 0;
  if (c.resuming) window = known !== undefined ? known * 1.5 + 100 : job.lateApplyMs;
  else if (known !== undefined) window = known * 1.5 + 100;
  else if (job.lease.remaining(job.limit) <= 1) window = job.lateApplyMs;
  window = Math.min(job.lateApplyMs, window);
  return { window, afterWindow: c.resuming || known !== undefined || (job.lateApplyMs > 0 && window >= job.lateApplyMs) };
}

async function waitFor(a: Account, ms: number): Promise<void> {
  if (ms <= 0) return;
  a.step('waiting');
  await sleep(ms);
  a.step('verify');
}

/** The new password signed in: journalled, with how late the camera applied it (for its other accounts). */
function updated(a: Account, c: Changed, late: boolean): End {
  const { job } = a;
  // A resumed look measures nothing about the camera: its SetUser was sent by another process.
  // How long the change took to show, at most (SetUser's answer and the look included): the camera's other accounts wait as long.
  if (!c.resuming) job.camera.applyDelayMs = late ? performance.now() - c.setAt : Math.max(job.camera.applyDelayMs ?? 0, performance.now() - c.setAt);
  const applyDelayMs = job.camera.applyDelayMs;
  // Not awaited (the camera's turn ends sooner): lost in a crash, it only means one more free look on resume.
  job.record({ t: 'verified', key: a.key, at: job.clock.now(), ...(applyDelayMs !== undefined ? { applyDelayMs: Math.round(applyDelayMs) } : {}) }, { lazy: true }).catch(() => {});
  return end('updated', late ? 'The new password signs in; the camera applied it late, after a first look had been refused.' : 'The new password signs in after the change, read back from the camera.', {}, true);
}

/** Both looks at the new password failed (or, resuming, the one after the whole wait): what the old password says. */
async function lookAtOld(a: Account, c: Changed): Promise<Verified> {
  const { job } = a;
  if (c.old === undefined) return done(end('unverified', `${refusedAfterWait(a, c)} Which old password it replaced is not known here, so none was tried.`, {}, true));
  if (!job.lease.canTry(job.limit)) return done(end('unverified', `${refusedAfterWait(a, c)} ${noRoom(a)}`, {}, true));
  const r = await look(a, c.old);
  if (r.kind === 'end') return done(r.end);
  if (r.kind === 'not-admin') return done(end('unverified', 'The old password still signs in after SetUser, but this account may not list the camera\'s users.', {}, true));
  if (r.kind === 'refused') return done(end('unverified', 'Neither the new nor the old password signs in after SetUser.', {}, true));
  if (c.resuming) return { kind: 'never-landed', users: r.users };
  if (c.setError !== undefined) {
    const d = describeError(c.setError);
    return done(end(d.outcome, `SetUser failed and the old password is still in place: ${d.detail}`, { subcode: d.subcode }, true));
  }
  return done(end('unverified', `${refusedAfterWait(a, c)} The old password still signs in: the camera ignored the change.`, {}, true));
}

const refusedOnce = (a: Account) => `SetUser was sent, but the new password was refused at its first look${a.job.lateApplyMs > 0 ? ' (a camera that applies late gets another)' : ''}.`;
const refusedAfterWait = (a: Account, c: Changed) =>
  `The new password is still refused ${Math.round((performance.now() - c.setAt) / 1000)} s after SetUser.`;
const noRoom = (a: Account) => `The old password was not tried and no other look was made: the ${a.job.limit} refused sign-ins this run allows for this camera are used up.`;
