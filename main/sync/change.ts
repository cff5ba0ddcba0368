import { end, levelOf, lockEnd, markSignedIn, type Account, type Changed, type End, type Replaced } from './account';
import { isClientError, type UserEntry } from './port';

/**
 * Change: SetUser, at most once, journalled before it leaves and never
 * retried. An account changes its own password with the password it signed in
 * with; one that may not (not an Administrator) is changed by an Administrator
 * of the same camera (delegate.ts) through the same rules.
 */

/** The password this account signed in with, and the users its GetUsers listed. */
export interface OwnChange {
  candidate: Replaced;
  password: string;
  users: UserEntry[];
}

export async function change(a: Account, s: OwnChange): Promise<Changed | { end: End }> {
  const { job, key } = a;
  a.step('set-user');
  if (job.signal.aborted) return { end: end('cancelled', 'Cancelled before the password change was sent.') };
  a.cancellable = false;
  const which = s.candidate;
  await job.record({ t: 'setuser-sent', key, at: job.clock.now(), ...(which.kind === 'known' ? { known: which.index } : { candidate: which.index }) });
  a.setSent = true;
  markSignedIn(a, s.candidate);
  const setAt = performance.now();
  try {
    await a.client.setUser({ username: job.target.username, password: s.password }, { username: job.target.username, password: job.newPassword, userLevel: levelOf(a, s.users) });
    job.record({ t: 'setuser-answered', key, at: job.clock.now() }, { lazy: true }).catch(() => {});
  } catch (err) {
    const refused = setUserRefused(a, err);
    if (refused) return { end: refused };
    return afterChange(a, { old: s.password, setAt, setError: err });
  }
  return afterChange(a, { old: s.password, setAt });
}

/** A camera that answered SetUser without any sign-in cannot confirm anything over ONVIF. */
export function afterChange(a: Account, c: Changed): Changed | { end: End } {
  if (a.client.authOff) {
    return { end: end('auth-off', 'The camera accepted SetUser without any sign-in (ONVIF authentication is off), so ONVIF cannot confirm the new password.', {}, true) };
  }
  return c;
}

/** A SetUser the camera answered with a refusal ends the account; a lost answer goes on to verification (undefined). */
export function setUserRefused(a: Account, err: unknown): End | undefined {
  const { job, key } = a;
  // An answer (a fault) or a connection that died after the request left: either way it may have reached the camera.
  if (isClientError(err) && err.kind !== 'unreachable' && err.kind !== 'cancelled') {
    job.record({ t: 'setuser-answered', key, at: job.clock.now(), ...(err.kind === 'fault' ? { refused: true } : {}) }).catch(() => {});
  }
  if (!isClientError(err)) return undefined;
  if (err.kind === 'fault') {
    return end('rejected', `The device refused the new password${err.subcode ? ` (${err.subcode})` : ''}: ${clip(err.message)}`, { subcode: err.subcode ?? 'unknown' }, true);
  }
  if (err.kind === 'locked') return lockEnd(a, err.retryAfterMs);
  if (err.kind === 'auth-failed') return end('unverified', 'The device refused SetUser with the password that had just signed in; the change is not known to have landed.', {}, true);
  return undefined; // reset or timeout: the change may or may not have landed; verification decides
}

export function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
