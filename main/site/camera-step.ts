import { isPausedByApp, pausedName } from '../../common/nvr/pause-marker';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { ChannelEdit, StoredChannel } from '../dahua/channel-store';
import type { LoopRun } from './loop-run';
import { taken, writeAndConfirm, type WriteVerdict } from './nvr-writes';
import type { CameraWork } from './plan';
import type { KnownPasswords } from './ports';
import { holdsOf, type AccountState } from './account-state';

/**
 * One camera, in the one order that never leaves the NVR signing in with a
 * password the camera no longer holds:
 *   pause its channels → change its accounts → store the new password (and
 *   enable) → where the NVR refused, put the camera back and enable.
 * Each stage is a function that takes what it needs and returns what the
 * next needs. A channel is left paused (disabled, marked) only where nothing
 * else is safe; the verdict names it with its next step.
 */
export async function closeCamera(run: LoopRun, work: CameraWork): Promise<void> {
  const before = channelsOf(run, work);
  const all = before.map((c) => c.channel);
  if (before.some(isPausedByApp)) {
    return notChanged(run, all, 'Not changed: an earlier run left a channel of this camera disabled and the app could not tell which password the camera holds (see above).');
  }
  // Camera sync already finished every account here (an earlier run): nothing changes on the camera, so nothing is paused.
  const changing = run.cameras.pending(work.accounts).length > 0;
  if (!changing && connected(run, before)) return adopt(run, work, before);
  if (changing && run.journalError) return notChanged(run, all, `Not changed: ${run.journalError}`, 'Free disk space (or choose a writable journal), then run the same command again.');
  if (changing && run.stopped) return notChanged(run, all, `Not changed: ${run.stopped}`, 'Run the same command again to finish.');
  if (changing && !(await pause(run, work, before))) return;
  const states = await changeAccounts(run, work, before);
  const stored = await store(run, work, before, states);
  await rollBack(run, work, before, states, stored);
}

/** The NVR already holds exactly what the edit asks for (a password it does not show is never assumed). */
function already(e: ChannelEdit, c: StoredChannel | undefined): boolean {
  if (!c) return false;
  return (e.enable === undefined || c.enabled === e.enable) && (e.name === undefined || c.name === e.name) && (e.password === undefined || c.password === e.password);
}

/** The camera is left as it is in this run: its channels say why. */
function notChanged(run: LoopRun, channels: readonly number[], why: string, next?: string): void {
  for (const c of channels) run.note(c).holds = 'old';
  run.say(channels, why, next);
}

/** The camera's channels as the NVR holds them now. */
export function channelsOf(run: LoopRun, work: CameraWork): StoredChannel[] {
  return work.channels.map((c) => run.view.get(c.channel)).filter((c): c is StoredChannel => c !== undefined);
}

/** Every enabled channel of the camera is connected (or was just proven): the NVR signs in with what it stores. */
function connected(run: LoopRun, before: readonly StoredChannel[]): boolean {
  return before.every((c) => !c.enabled || run.states.get(c.channel) === 'Connected' || run.proven.has(c.channel));
}

/** Finished before (camera sync's journal, and the NVR connected with what it stores): nothing is written again. */
async function adopt(run: LoopRun, work: CameraWork, before: readonly StoredChannel[]): Promise<void> {
  for (const c of before) {
    const isNew = c.password === run.newPassword;
    Object.assign(run.note(c.channel), { touched: true, holds: isNew ? 'new' : 'old', ...(isNew ? { stored: true } : {}) });
    run.say(
      [c.channel],
      isNew
        ? 'The camera and the NVR already held the new password (an earlier run finished it): nothing was written again.'
        : 'An earlier run finished this camera, and the NVR is connected to it with the password it stores (not the new one): nothing was written.',
    );
  }
}

/** Stage 1: disable the camera's enabled channels, marked, so the NVR stops signing in while the camera changes. */
async function pause(run: LoopRun, work: CameraWork, before: readonly StoredChannel[]): Promise<boolean> {
  const enabled = before.filter((c) => c.enabled);
  for (const c of before) run.note(c.channel).touched = true;
  if (!enabled.length) return true;
  const v = await writeAndConfirm(run, 'pause', work.host, enabled.map((c) => ({ channel: c.channel, enable: false, name: pausedName(c.name) })));
  if (enabled.every((c) => taken(v, c.channel))) return true;
  // Not every channel paused: the camera is not changed; the ones that did pause go back as they were.
  const back = enabled.filter((c) => taken(v, c.channel));
  if (back.length) await writeAndConfirm(run, 'restore', work.host, back.map((c) => ({ channel: c.channel, enable: true, name: c.name })));
  for (const c of before) {
    const why = v.get(c.channel)?.detail ?? 'Another channel of this camera could not be paused.';
    run.note(c.channel).refused = true;
    run.say([c.channel], `The NVR did not pause this channel (${why}), so the app did not change its camera: the channel keeps recording with the password it had.`, 'Check that the NVR accepts changes to its Remote Device page (another user editing it, a firmware lock), then run the sync again.');
  }
  return false;
}

/** Stage 2: camera sync for the camera's accounts, starting from the passwords the NVR stores for them. */
async function changeAccounts(run: LoopRun, work: CameraWork, before: readonly StoredChannel[]): Promise<Map<string, AccountState>> {
  const known: KnownPasswords = {};
  for (const c of before) {
    const a = work.accounts.find((x) => x.username === c.username);
    if (a && c.password !== undefined) known[targetKey(a)] = [c.password];
  }
  const changes = await run.cameras.change(work.accounts, known);
  const states = await holdsOf(run, work, before, changes);
  const mine = before.map((c) => states.get(c.username)?.holds ?? 'old');
  await run.record({ t: 'camera-done', camera: work.host, holdsNewPassword: mine.every((h) => h === 'new') });
  for (const c of before) {
    const s = states.get(c.username);
    run.note(c.channel).holds = s?.holds ?? 'old';
    if (s) run.say([c.channel], s.detail);
  }
  return states;
}

/** Stage 3: one write for the camera: the new password where its account took it, the channel as it was elsewhere. */
async function store(run: LoopRun, work: CameraWork, before: readonly StoredChannel[], states: ReadonlyMap<string, AccountState>): Promise<WriteVerdict> {
  const edits: ChannelEdit[] = [];
  for (const c of before) {
    const holds = states.get(c.username)?.holds ?? 'old';
    if (holds === 'unknown') {
      const paused = isPausedByApp(run.view.get(c.channel) ?? c);
      run.say(
        [c.channel],
        paused
          ? 'Left disabled on the NVR: the app could not tell whether the camera holds the new password, and enabling the channel with the wrong one would lock the camera.'
          : 'Left as it was on the NVR: the app could not tell which password the camera holds.',
        'Run the same command again later: the app asks the camera which password it holds, then stores that one.',
      );
      continue;
    }
    const edit: ChannelEdit = { channel: c.channel, enable: c.enabled, ...(c.enabled ? { name: c.name } : {}) };
    if (holds === 'new') edit.password = run.newPassword;
    if (holds === 'new' || c.enabled) edits.push(edit);
  }
  // Nothing to send for a channel already as wanted (a camera this run did not pause).
  const needed = edits.filter((e) => !already(e, run.view.get(e.channel)));
  if (!needed.length) return new Map(edits.map((e) => [e.channel, { status: 'taken' as const }]));
  const v = await writeAndConfirm(run, 'store', work.host, needed);
  for (const e of edits) if (!v.has(e.channel)) v.set(e.channel, { status: 'taken' });
  for (const e of edits) {
    const n = run.note(e.channel);
    if (e.password !== undefined) n.stored = taken(v, e.channel);
    if (!taken(v, e.channel)) n.refused = true;
    if (v.get(e.channel)?.status === 'unknown') run.say([e.channel], 'The NVR did not answer the write and could not be read back: the channel may still be disabled.', 'Run the same command again: it reads the NVR and finishes the channel.');
  }
  return v;
}

/** Stage 4: where the NVR refused the new password, the account goes back to the password the NVR stores, and the channel is enabled. */
async function rollBack(run: LoopRun, work: CameraWork, before: readonly StoredChannel[], states: ReadonlyMap<string, AccountState>, stored: WriteVerdict): Promise<void> {
  for (const [username, s] of states) {
    if (s.holds !== 'new') continue;
    const mine = before.filter((c) => c.username === username);
    const refused = mine.filter((c) => stored.get(c.channel)?.status === 'refused');
    if (!refused.length) continue;
    const why = refused.map((c) => stored.get(c.channel)?.detail).find(Boolean) ?? 'The NVR refused the new password.';
    await rollBackAccount(run, work.host, s.target, mine, refused, why);
  }
}

/**
 * The NVR refused the new password for some of these channels (`mine`: the
 * account's channels as they were before the pause): the camera's account goes
 * back to the one password the NVR stores for it (camera sync's engine,
 * verified), then every channel of the account is enabled with it. Where
 * that cannot be done, the refused channels stay paused.
 */
export async function rollBackAccount(run: LoopRun, host: string, target: SyncTarget, mine: readonly StoredChannel[], refused: readonly StoredChannel[], why: string): Promise<void> {
  const old = [...new Set(mine.map((c) => c.password))];
  const to = old.length === 1 ? old[0] : undefined;
  if (to === undefined || to === run.newPassword) {
    return leaveDisabled(run, refused, `${why} The app cannot put the camera back: the NVR does not show one password it stores for this account.`);
  }
  const r = await run.cameras.rollback(target, run.newPassword, to);
  await run.record({ t: 'rollback', camera: host, username: target.username, ok: r.ok, ...(r.detail ? { detail: r.detail.slice(0, 2000) } : {}) });
  if (!r.ok) return leaveDisabled(run, refused, `${why} Putting the camera back on the password the NVR stores failed too (${r.detail}).`);
  await restoreAfterRollback(run, host, mine, to, why);
}

async function restoreAfterRollback(run: LoopRun, host: string, mine: readonly StoredChannel[], to: string, why: string): Promise<void> {
  const edits = mine.map((c): ChannelEdit => {
    const now = run.view.get(c.channel);
    return { channel: c.channel, enable: c.enabled, ...(c.enabled ? { name: c.name } : {}), ...(now?.password !== to ? { password: to } : {}) };
  });
  const v = await writeAndConfirm(run, 'restore', host, edits);
  for (const c of mine) {
    const n = run.note(c.channel);
    n.stored = false;
    n.rolledBack = taken(v, c.channel);
    if (n.rolledBack) run.say([c.channel], `${why} The app put the camera back on the password the NVR stores (verified)${c.enabled ? ' and enabled the channel again' : '; the channel stays disabled, as it was before this run'}.`);
    else leaveDisabled(run, [c], `${why} The camera is back on the password the NVR stores, but the NVR did not take the channel back (${v.get(c.channel)?.detail ?? 'no answer'}).`);
  }
}

function leaveDisabled(run: LoopRun, channels: readonly StoredChannel[], why: string): void {
  for (const c of channels) {
    run.note(c.channel).refused = true;
    run.say([c.channel], `Left disabled on the NVR, so the NVR does not sign in with a password the camera no longer holds. ${why}`, `Enter the new password for channel ${c.channel} on the NVR's Remote Device page, then enable the channel there.`);
  }
}
