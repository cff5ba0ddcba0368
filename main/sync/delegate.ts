import type { SyncOutcome } from '../../common/sync/outcomes';
import { deviceKeyOf } from '../core/credential-gate';
import { ADMINISTRATOR, levelIn, type AdminCredential, type AdminHint } from './administrators';
import { end, lockEnd, look, type Account, type Changed, type End } from './account';
import { afterChange, setUserRefused } from './change';
import { describeError } from './errors';
import { isClientError, type UserEntry } from './port';
import { finalOf, verify } from './verify';

/**
 * An account that may not change its own password — ONVIF lets only an
 * Administrator call SetUser (DOMAIN.md), and an NVR often signs in to a camera
 * as an Operator (`onvif`) — is changed by an Administrator account of the same
 * camera that this run proved (administrators.ts): the one the technician chose,
 * with the password it holds after its own change, whichever way that ended.
 * After its change: by then its password is proven twice (its sign-in, its
 * verification) and its own journal lines are written, so the Operator's
 * SetUser spends nothing and its journal line names which account sent it.
 * Only that account's entry is sent (its level kept as the camera listed it), so
 * the camera's other accounts stay as they are; then the account itself signs
 * in with the new password (GetDeviceInformation, which any level may call) —
 * read back from the camera, never taken from SetUser's answer.
 *
 * Where the camera lists no Administrator proven in this run, the account is
 * not touched and its row says why and what to do.
 */

const deviceOf = (a: Account) => deviceKeyOf(a.job.target.xaddr);

/** The camera lists this account with another level than Administrator: it is changed through one. */
export function needsAdministrator(a: Account): boolean {
  const level = levelIn(a.job.camera.users, a.job.target.username);
  return level !== undefined && level !== ADMINISTRATOR;
}

export async function changeThroughAdministrator(a: Account): Promise<End> {
  a.check = 'device';
  const admin = await administratorOf(a);
  if ('end' in admin) return admin.end;
  const name = a.job.target.username;
  const level = levelIn(admin.users, name);
  if (level === undefined) {
    return end('skipped', `The camera lists no user "${name}" (read with its Administrator "${admin.cred.username}" in this run); not changed.`, { subcode: 'UsernameMissing' });
  }
  a.row.userLevel = level;
  const changed = await setThrough(a, admin.cred, level);
  if ('end' in changed) return changed.end;
  return finalOf(await verify(a, changed));
}

/** The Administrator this run proved on the camera; failing that, one the journal names, signed in with first. */
async function administratorOf(a: Account): Promise<{ cred: AdminCredential; users: UserEntry[] } | { end: End }> {
  const { administrators: known } = a.job;
  const proven = known.admin(deviceOf(a));
  const users = known.users(deviceOf(a));
  if (proven && users) return { cred: proven, users };
  return (await proveHint(a)) ?? { end: noAdministrator(a) };
}

/**
 * A resumed run knows from its journal which accounts of the camera ended holding the new password, not
 * which of them is an Administrator, nor what the camera says now: before this account signs in as itself
 * (an Operator's GetUsers may read as a refused sign-in on a camera that wants WS-UsernameToken), such an
 * account signs in with GetUsers, which proves its password and lists every account's level.
 */
export async function levelsFromJournal(a: Account): Promise<End | undefined> {
  if (a.job.camera.users || a.job.prior.setUserSent) return undefined;
  const r = await proveHint(a);
  if (r && 'end' in r) return r.end;
  if (r) a.job.camera.users = r.users;
  return undefined;
}

async function proveHint(a: Account): Promise<{ cred: AdminCredential; users: UserEntry[] } | { end: End } | undefined> {
  const { administrators: known, target } = a.job;
  const device = deviceOf(a);
  const listed = (name: string) => levelIn(a.job.camera.users, name);
  for (const hint of known.hints(device).filter((h) => h.username !== target.username && (listed(h.username) ?? ADMINISTRATOR) === ADMINISTRATOR)) {
    const r = await signInAs(a, hint);
    if (r && 'end' in r) return r;
    if (r) {
      known.noteUsers(device, r.users);
      known.prove(device, r.cred);
      return r;
    }
    known.forget(device, hint.username);
  }
  return undefined;
}

/** The hint's passwords in turn, budget allowing, until one signs in with GetUsers as an Administrator. */
async function signInAs(a: Account, hint: AdminHint): Promise<{ cred: AdminCredential; users: UserEntry[] } | { end: End } | undefined> {
  const { lease, limit } = a.job;
  for (const password of hint.passwords) {
    if (!lease.canTry(limit)) return undefined;
    const r = await look(a, password, { as: hint.username });
    if (r.kind === 'end') return { end: r.end };
    if (r.kind === 'refused') continue;
    if (r.kind === 'ok' && levelIn(r.users, hint.username) === ADMINISTRATOR) return { cred: { username: hint.username, password }, users: r.users };
    return undefined;
  }
  return undefined;
}

function noAdministrator(a: Account): End {
  const name = a.job.target.username;
  const level = levelIn(a.job.camera.users, name);
  const what = level ? `the camera lists "${name}" as ${/^[AEIOU]/i.test(level) ? 'an' : 'a'} ${level}` : `the camera does not let "${name}" list its accounts (it is not an Administrator)`;
  return end(
    'skipped',
    `Not changed: ONVIF lets only an Administrator change a password, ${what}, and no Administrator account of this camera signed in in this run to change it. It keeps its password.`,
    { subcode: 'NeedsAdministrator' },
  );
}

/** SetUser for this account alone, signed by the Administrator; journalled (naming that account, never a password) before it leaves. */
async function setThrough(a: Account, admin: AdminCredential, level: string): Promise<Changed | { end: End }> {
  const { job, key } = a;
  a.step('set-user');
  const challenged = await challenge(a);
  if (challenged) return { end: challenged };
  if (job.signal.aborted) return { end: end('cancelled', 'Cancelled before the password change was sent.') };
  a.cancellable = false;
  await job.record({ t: 'setuser-sent', key, at: job.clock.now(), via: admin.username });
  a.setSent = true;
  a.row.via = admin.username;
  const setAt = performance.now();
  try {
    await a.client.setUser(admin, { username: job.target.username, password: job.newPassword, userLevel: level });
    job.record({ t: 'setuser-answered', key, at: job.clock.now() }, { lazy: true }).catch(() => {});
  } catch (err) {
    const refused = adminRefused(a, err, admin) ?? setUserRefused(a, err);
    if (refused) return { end: refused };
    return afterChange(a, { old: undefined, setAt, setError: err });
  }
  return afterChange(a, { old: undefined, setAt });
}

/** The credential-less first round trip (the challenge), so SetUser goes out signed, once. */
async function challenge(a: Account): Promise<End | undefined> {
  try {
    await a.client.learnAuth?.();
    return undefined;
  } catch (err) {
    if (isClientError(err) && err.kind === 'locked') return lockEnd(a, err.retryAfterMs);
    const d = describeError(err);
    return end(d.outcome, d.detail, d.subcode !== undefined ? { subcode: d.subcode } : {});
  }
}

/** The camera refused the Administrator's credential: SetUser was not carried out (a refusal comes before the call), so a later pass may send it. */
function adminRefused(a: Account, err: unknown, admin: AdminCredential): End | undefined {
  if (!isClientError(err) || err.kind !== 'auth-failed') return undefined;
  const { job, key } = a;
  job.record({ t: 'setuser-answered', key, at: job.clock.now(), refused: true }).catch(() => {});
  job.administrators.forget(deviceOf(a), admin.username);
  return end('auth-failed', `The camera refused its Administrator account "${admin.username}" with the password it held earlier in this run, so "${job.target.username}" was not changed.`, {}, true);
}

/**
 * Once an account has ended: what it holds, when it is an Administrator the camera listed — the new password
 * after a verified change, the one it signed in with where nothing landed — for the camera's other accounts.
 * A change sent and not verified leaves it unknown.
 */
export function rememberAdministrator(a: Account, outcome: SyncOutcome | undefined): void {
  const { job } = a;
  const name = job.target.username;
  if (a.check !== 'users' || levelIn(a.users, name) !== ADMINISTRATOR) return;
  const success = outcome === 'updated' || outcome === 'already-current';
  const holds = success ? job.newPassword : !a.setSent || outcome === 'rejected' ? a.signedWith : undefined;
  if (holds === undefined) job.administrators.forget(deviceOf(a), name);
  else job.administrators.prove(deviceOf(a), { username: name, password: holds });
}
