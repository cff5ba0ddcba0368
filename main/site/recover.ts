import { isPausedByApp, restoredName } from '../../common/nvr/pause-marker';
import type { ChannelEdit, StoredChannel } from '../dahua/channel-store';
import type { LoopRun } from './loop-run';
import { rollBackAccount } from './camera-step';
import { taken, writeAndConfirm } from './nvr-writes';
import type { CameraWork } from './plan';

/**
 * Channels an earlier run left paused — found on the NVR by the pause marker,
 * journal or not — are enabled again before anything else, with a password
 * their camera accepts. Which one, the camera's own answer decides: the
 * password the NVR stores and, when a run knows it, the new one (the journal's
 * hint picks the order), one sign-in each through the credential gate. A
 * camera that accepts neither, or cannot be asked, keeps its channel paused,
 * and the report says so: enabling it with the wrong password would lock it.
 */
export async function recoverPaused(run: LoopRun, cameras: readonly CameraWork[], newPassword: string | undefined): Promise<void> {
  for (const work of cameras) {
    const paused = work.channels.map((c) => run.view.get(c.channel)).filter((c): c is StoredChannel => !!c && isPausedByApp(c));
    for (const username of new Set(paused.map((c) => c.username))) {
      await recoverAccount(run, work, paused.filter((c) => c.username === username), newPassword);
    }
  }
}

async function recoverAccount(run: LoopRun, work: CameraWork, channels: readonly StoredChannel[], newPassword: string | undefined): Promise<void> {
  const all = channels.map((c) => c.channel);
  for (const c of all) run.note(c).touched = true;
  const first = channels[0]!;
  const xaddr = work.xaddr ?? onvifXaddrOf(first);
  if (!xaddr) {
    return run.say(all, 'Disabled on the NVR by an earlier run of this app. The laptop has no ONVIF address for this camera to ask which password it holds, so the channel stays disabled.', 'Run the sync again with this camera among the chosen ones, or enter its password for this channel on the NVR and enable it.');
  }
  const pick = await decide(run, work, { xaddr, username: first.username }, first.password, newPassword);
  if (typeof pick !== 'string') return run.say(all, `Disabled on the NVR by an earlier run of this app, and it stays disabled: ${pick.why}`, pick.next);
  // As the channels were before the pause: enabled, under their own name.
  const was = channels.map((c) => ({ ...c, enabled: true, name: restoredName(c.name, run.o.prior.names.get(c.channel)).name }));
  const edits = was.map((c): ChannelEdit => ({ channel: c.channel, enable: true, name: c.name, ...(pick !== c.password ? { password: pick } : {}) }));
  const v = await writeAndConfirm(run, 'recover', work.host, edits);
  const which = pick === newPassword ? 'the new password' : 'the password the NVR stores';
  for (const c of channels) {
    const cut = restoredName(c.name, run.o.prior.names.get(c.channel)).maybeCut ? ' Its name may have lost its end while paused (the NVR keeps 31 characters and the journal was not there): check it on the NVR.' : '';
    const head = `An earlier run of this app had left this channel disabled; the camera accepts ${which}.${cut}`;
    if (taken(v, c.channel)) {
      run.proven.add(c.channel);
      Object.assign(run.note(c.channel), pick === newPassword ? { holds: 'new', stored: true } : {});
      run.say([c.channel], `${head} The channel is enabled again with it.`);
    } else run.say([c.channel], head);
  }
  const refused = was.filter((c) => v.get(c.channel)?.status === 'refused');
  if (!refused.length) return;
  // The NVR would not take the camera's password: the camera goes back to the one the NVR stores.
  if (pick === newPassword) return rollBackAccount(run, work.host, { xaddr, username: first.username }, was, refused, v.get(refused[0]!.channel)?.detail ?? 'The NVR refused the write.');
  run.say(refused.map((c) => c.channel), `The NVR did not take the channel back (${v.get(refused[0]!.channel)?.detail ?? 'no answer'}).`, 'Run the same command again; if it stays disabled, enable the channel on the NVR once its stored password is the one the camera accepts.');
}

/** The password to store: the first the camera accepts, in the order the journal suggests. */
async function decide(run: LoopRun, work: CameraWork, account: { xaddr: string; username: string }, stored: string | undefined, newPassword: string | undefined): Promise<string | { why: string; next: string }> {
  const order = run.o.prior.holdsNew.has(work.host) ? [newPassword, stored] : [stored, newPassword];
  const candidates = [...new Set(order.filter((p): p is string => p !== undefined))];
  if (!candidates.length) return { why: 'the NVR does not show which password it stores, and no new password was given.', next: 'Run the sync again with the new password, or enable the channel on the NVR by hand once you know the camera password.' };
  const p = await run.cameras.probe(account, candidates);
  if (p.kind === 'accepted') return candidates[p.index]!;
  if (p.kind === 'auth-off') return stored ?? candidates[0]!;
  return { why: `the camera accepts none of the passwords the app knows for "${account.username}" (${p.why}).`, next: "Find the camera's password, enter it for this channel on the NVR's Remote Device page, and enable the channel." };
}

/** A channel the NVR reaches by ONVIF names the camera's ONVIF port itself. */
function onvifXaddrOf(c: StoredChannel): string | undefined {
  if (c.protocol.toLowerCase() !== 'onvif' || !c.address) return undefined;
  const host = c.address.includes(':') ? `[${c.address}]` : c.address;
  return `http://${host}${c.port !== undefined ? `:${c.port}` : ''}/onvif/device_service`;
}
