import { candidateLabel, candidateOrder, type Candidate } from '../../common/sync/candidates';
import { nextStepFor } from '../../common/sync/outcomes';
import type { SyncRow } from '../../common/sync/report';
import { deviceKeyOf } from '../core/credential-gate';
import { budgetDetail, end, look, markSignedIn, openAccount, passwordOf, type Account, type AccountJob, type End } from './account';
import { change } from './change';
import { changeThroughAdministrator, levelsFromJournal, needsAdministrator, rememberAdministrator } from './delegate';
import { describeError } from './errors';
import { JournalWriteError } from './journal';
import type { UserEntry } from './port';
import { finalOf, verify } from './verify';

/**
 * One account on one camera, as named stages: reach → sign in → change →
 * verify → record. Each stage takes what it needs and returns what the next
 * needs, or how the account ended; nothing throws for control flow. An account
 * that may not change itself (not an Administrator) is changed through an
 * Administrator of the same camera instead (delegate.ts).
 *
 * A successful change spends no refused sign-in. The engine used to sign in
 * once more with the old password to see it refused; that cost every camera a
 * unit of its lockout budget and a round trip. What that look protected
 * against is now known by other means:
 * - authentication switched off: the first request goes out without a
 *   credential (to fetch the challenge), and a camera that answers it has told
 *   us (`authOff`): it ends `auth-off`, never `updated`;
 * - a camera that keeps the old password (it ignored SetUser): the new
 *   password is then refused, twice, and the camera ends `unverified`;
 * - a camera that applies late: its new password is refused at the first look,
 *   and gets one more look once the camera's late window has passed.
 * The old password is looked at only where its answer decides something: after
 * a SetUser whose answer was lost, or when a resumed run must know whether its
 * SetUser ever landed before sending another.
 *
 * What this gives up, knowingly: a device that challenges but then accepts any
 * password cannot be told from a camera whose first candidate was right without
 * a look that a correct camera would refuse. The old look spent that refusal on
 * every camera to catch such a device; now the budget goes to the accounts
 * that still need it (a fixed admin behind an installer account, the NVR's own
 * account), and such a device ends `updated` on the strength of its answers.
 */

export async function syncAccount(job: AccountJob): Promise<SyncRow> {
  const a = openAccount(job);
  const t0 = performance.now();
  const onCancel = () => a.cancellable && a.stop.abort();
  job.signal.addEventListener('abort', onCancel, { once: true });
  try {
    const e = await stages(a).catch((err: unknown) => journalEnd(err, a.setSent) ?? end(describeError(err).outcome, describeError(err).detail));
    const row = recordRow(a, e, performance.now() - t0);
    rememberAdministrator(a, row.outcome);
    return row;
  } finally {
    job.signal.removeEventListener('abort', onCancel);
    job.onRequests?.(a.client.requestCount);
    a.client.close();
  }
}

async function stages(a: Account): Promise<End> {
  const reached = reach(a);
  if (reached) return reached;
  if (a.job.prior.setUserSent) return resume(a);
  const unlisted = await levelsFromJournal(a);
  if (unlisted) return unlisted;
  if (needsAdministrator(a)) return changeThroughAdministrator(a);
  const signedIn = await signIn(a);
  if ('end' in signedIn) return signedIn.end;
  if ('notAdministrator' in signedIn) return changeThroughAdministrator(a);
  const settled = settleSignIn(a, signedIn);
  if (settled) return settled;
  const { candidate } = signedIn;
  if (candidate.kind === 'new') return end('already-current', 'The new password already signs in; nothing was changed.');
  a.step('users');
  const changed = await change(a, { ...signedIn, candidate });
  if ('end' in changed) return changed.end;
  return finalOf(await verify(a, changed));
}

/** Reach: whether this account may be touched at all in this pass. */
function reach(a: Account): End | undefined {
  const { job } = a;
  a.step('reach');
  if (job.prior.setUserSent && job.prior.verified) {
    return end('updated', 'The new password signed in after the change, before the run was interrupted; not contacted again.', {}, true);
  }
  const lockedUntil = job.lease.lockedUntil();
  if (lockedUntil !== undefined) return end('locked-out', 'The device reported a lock earlier; not touched before it unlocks.', { unlockAt: lockedUntil });
  if (job.signal.aborted) return end('cancelled', 'Cancelled before this device started.');
  const users = job.camera.users;
  const name = job.target.username.toLowerCase();
  if (!job.prior.setUserSent && users && !users.some((u) => u.username.toLowerCase() === name)) {
    // Another account of this camera listed its users: no sign-in is spent on one it does not have.
    return end('skipped', `The camera lists no user "${job.target.username}" (read with another account in this run); not signed in, so no refused sign-in was spent.`, { subcode: 'UsernameMissing' });
  }
  if (!job.prior.setUserSent && !job.lease.canTry(job.limit)) {
    return end('skipped', `Not touched: the ${job.limit} refused sign-ins this run allows for this camera are used up. Start a new run once the camera's failure counter has reset (typically 30 minutes).`);
  }
  return undefined;
}

/** A sign-in that worked: with which password, and the users it listed. */
interface SignedIn {
  candidate: Candidate;
  password: string;
  users: UserEntry[];
}

/**
 * Sign in: the candidates in the order that spends the budget where it can still succeed, each password
 * once. A camera that takes the password but refuses GetUsers to this account says it is not an
 * Administrator: it is changed through one.
 */
async function signIn(a: Account): Promise<SignedIn | { notAdministrator: true } | { end: End }> {
  const { job } = a;
  a.step('authenticate');
  const tried = new Set<string>();
  for (const candidate of provenFirst(a, candidateOrder(job.candidates.length, job.evidence, job.camera, job.known.length))) {
    if (!job.lease.canTry(job.limit)) break;
    const password = passwordOf(job, candidate);
    if (password === undefined || tried.has(password)) continue;
    tried.add(password);
    const r = await look(a, password);
    if (r.kind === 'end') return { end: r.end };
    if (r.kind === 'refused') continue;
    markSignedIn(a, candidate);
    a.signedWith = password;
    if (r.kind === 'not-admin') return { notAdministrator: true };
    return { candidate, password, users: r.users };
  }
  return { end: end('auth-failed', budgetDetail(a)) };
}

/** This account was proven in this process (it is the camera's Administrator another run of it used): that password first. */
function provenFirst(a: Account, order: Candidate[]): Candidate[] {
  const { job } = a;
  const proven = job.administrators.admin(deviceKeyOf(job.target.xaddr));
  if (proven?.username !== job.target.username) return order;
  const first = order.find((c) => passwordOf(job, c) === proven.password);
  return first ? [first, ...order.filter((c) => c !== first)] : order;
}

/** What a sign-in teaches the run, and whether it already ends the account (the new password held). */
function settleSignIn(a: Account, s: SignedIn): End | undefined {
  const { job, client } = a;
  if (!client.authOff) {
    job.camera.users = s.users;
    job.administrators.noteUsers(deviceKeyOf(job.target.xaddr), s.users);
  }
  if (s.candidate.kind === 'new' || s.password === job.newPassword) {
    if (client.authOff) return end('auth-off', 'The camera answered without checking any password, so ONVIF cannot tell which password it holds; nothing was changed.');
    job.evidence.newAlreadySet = true;
    job.camera.newHeld = true;
    return end('already-current', 'The new password already signs in; nothing was changed.');
  }
  // A password given for this account alone is evidence for nothing else.
  if (s.candidate.kind === 'current' && !client.authOff) {
    const i = s.candidate.index;
    if (!job.evidence.proven.includes(i)) job.evidence.proven.push(i);
    job.camera.proven = [...(job.camera.proven ?? []).filter((p) => p !== i), i];
  }
  return undefined;
}

/** A journalled SetUser without an outcome (an interrupted run): verify before anything else; resend only what never landed. */
async function resume(a: Account): Promise<End> {
  const { job } = a;
  a.setSent = true;
  a.cancellable = false;
  if (job.prior.via !== undefined) a.row.via = job.prior.via;
  const replaced = job.prior.replaced;
  if (replaced) markSignedIn(a, replaced);
  const old = replaced ? passwordOf(job, replaced) : undefined;
  // The journal's SetUser time, on this process's clock: a late camera gets its whole window counted from it.
  const setAt = job.prior.setAt !== undefined ? performance.now() - Math.max(0, job.clock.now() - job.prior.setAt) : performance.now();
  const v = await verify(a, { old, setAt, resuming: true });
  if (v.kind === 'end') return v.end;
  // The old password still signs in and the new one is refused after the wait. Sent again only when the
  // journal shows the first never reached the camera (a kill between its line and the request leaving);
  // one the camera answered, and ignored, is not sent twice. One sent through an Administrator names no
  // old password, so it is never sent twice either.
  if (job.prior.answered || !replaced || old === undefined) {
    return end('unverified', 'SetUser reached this camera earlier in the run, yet it still accepts the old password and not the new one; not sent again.', {}, true);
  }
  a.signedWith = old;
  const changed = await change(a, { candidate: replaced, password: old, users: v.users });
  if ('end' in changed) return changed.end;
  return finalOf(await verify(a, changed));
}

/** An interrupted journal write ends the account: before SetUser nothing was changed, after it nothing is known. */
function journalEnd(err: unknown, setSent: boolean): End | undefined {
  if (!(err instanceof JournalWriteError)) return undefined;
  return setSent
    ? end('unverified', `SetUser was sent, then ${err.message}`, { subcode: 'journal' }, true)
    : end('cancelled', err.message, { subcode: 'journal' }, true);
}

/** Record: the row as every report shows it, with no password in it (hostile devices may echo what they were sent). */
function recordRow(a: Account, e: End, ms: number): SyncRow {
  const { row, job } = a;
  let { outcome, detail } = e;
  if (a.setSent && !e.final && outcome !== 'locked-out') {
    // After a sent SetUser nothing but verification decides; an error on the way leaves it unknown.
    detail = `SetUser was sent but the result could not be checked: ${detail}`;
    outcome = 'unverified';
  }
  Object.assign(row, e.extra ?? {});
  row.outcome = outcome;
  row.step = 'done';
  row.detail = scrub(`${detail}${howSaid(row, outcome)}`, [...job.candidates, ...job.known, job.newPassword]);
  row.nextStep = nextStepFor(outcome, row.subcode);
  row.failedAuths = job.lease.failures();
  row.ms = ms;
  row.finishedAt = job.clock.now();
  return { ...row };
}

/** Which account made the change, or which password signed in — named, never shown. */
function howSaid(row: SyncRow, outcome: SyncRow['outcome']): string {
  if (row.via !== undefined && outcome !== 'skipped') return ` (set by the camera's Administrator account "${row.via}".)`;
  const signedIn: Candidate | undefined =
    row.known !== undefined ? { kind: 'known', index: row.known - 1 } : row.candidate === undefined ? undefined : row.candidate === 0 ? { kind: 'new' } : { kind: 'current', index: row.candidate - 1 };
  return signedIn && outcome !== 'auth-failed' ? ` (signed in with ${candidateLabel(signedIn)}.)` : '';
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('‹redacted›');
  return out;
}
