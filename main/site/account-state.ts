import type { SyncTarget } from '../../common/sync/target';
import type { StoredChannel } from '../dahua/channel-store';
import type { Holds, LoopRun } from './loop-run';
import type { CameraWork } from './plan';
import type { AccountChange } from './ports';

/**
 * What each account of a camera holds once camera sync is done with it — the
 * fact the NVR write depends on. An outcome camera sync changed in this call is
 * taken as it is (it verified it). One that an earlier run recorded is asked
 * again, because a later rollback may have changed it since: the camera's own
 * answer decides (the new password first — what the record says — then the one
 * the NVR stores), through the credential gate.
 */

export interface AccountState {
  target: SyncTarget;
  holds: Holds;
  detail: string;
}

export async function holdsOf(run: LoopRun, work: CameraWork, before: readonly StoredChannel[], changes: readonly AccountChange[]): Promise<Map<string, AccountState>> {
  const states = new Map<string, AccountState>();
  for (const c of changes) {
    const used = before.filter((ch) => ch.username === c.target.username);
    // Verified now: taken as it is. Recorded by an earlier run, or sent and never verified: the camera is asked.
    if (!used.length || c.holds === 'old' || (c.holds === 'new' && c.fresh)) {
      states.set(c.target.username, { target: c.target, holds: c.holds, detail: c.detail });
      continue;
    }
    states.set(c.target.username, await confirm(run, c, used));
  }
  // An account the NVR uses that camera sync did not report on (it cannot happen by plan; say so if it does).
  for (const ch of before) {
    if (states.has(ch.username)) continue;
    const target = work.accounts[0] ? { ...work.accounts[0], username: ch.username } : { xaddr: '', username: ch.username };
    states.set(ch.username, { target, holds: 'old', detail: `Camera sync did not change the account "${ch.username}" the NVR signs in with.` });
  }
  return states;
}

async function confirm(run: LoopRun, c: AccountChange, used: readonly StoredChannel[]): Promise<AccountState> {
  const stored = used[0]?.password;
  const candidates = [run.newPassword, ...(stored !== undefined && stored !== run.newPassword ? [stored] : [])];
  const p = await run.cameras.probe(c.target, candidates);
  const was = c.holds === 'unknown' ? `${c.detail} The change was not confirmed by camera sync;` : 'An earlier run changed this account;';
  if (p.kind === 'auth-off' || (p.kind === 'accepted' && p.index === 0)) return { target: c.target, holds: 'new', detail: `${was} the camera accepts the new password.` };
  if (p.kind === 'accepted') return { target: c.target, holds: 'old', detail: `${was} the camera accepts the password the NVR stores, so the channel keeps that one.` };
  return { target: c.target, holds: 'unknown', detail: `${was} the camera accepts neither the new password nor the one the NVR stores (${p.why}).` };
}
