import pLimit from 'p-limit';
import { isPausedByApp, pausedName } from '../../common/nvr/pause-marker';
import type { ChannelEdit, NvrChannelStore, StoredChannel } from '../dahua/channel-store';

/**
 * Keeps the NVR from locking a camera this app initialises (issue 21 follow-up).
 *
 * The risk: the NVR stores a password for a factory-fresh camera's channel and
 * signs in with it on every reconnect (seconds apart). Once the camera takes the
 * new password, each of those sign-ins is a refused one on the camera, which
 * locks after a handful (DOMAIN.md, "Lockouts"; "Other clients keep the old
 * password"). Closing the loop later cannot sign in to a locked camera.
 *
 * What this does — the least that removes the window instead of shortening it:
 * just before `DevInit.account` leaves (the device has said Init 1, so it holds
 * no password a refused sign-in could count against), the channels the NVR
 * records this camera with are given the NEW password, read back. When the
 * camera takes the account, the NVR's very next reconnect uses the right
 * password: no refused sign-in ever, no recording gap, nothing paused, no
 * second run needed. Pausing (option a) would leave the channel disabled until
 * the loop ran; a "do it now" banner (option b) only shortens the window.
 *
 * - A channel that signs in with another account than `admin` (the only one a
 *   new camera has) cannot be made to work from here: it is paused the way
 *   close-the-loop pauses (Enable false, the `PAUSED~` name marker, so the
 *   NVR alone shows it), and the row says what to do; the loop's recovery
 *   enables it again once the camera accepts a password the app knows.
 * - The device did not take the account: every change is put back as read.
 * - The NVR will not take the write (or cannot be proved writable): the
 *   account is not sent (NvrGuardStop), the camera stays factory-fresh.
 * - No NVR session: nothing can be checked; the row says so with the budget.
 *
 * Every write is judged by reading the NVR back, never by its answer. Stored
 * passwords read from the NVR are registered as secrets at once and kept in
 * memory only (to put them back).
 */

/** The open NVR session, as the composition root hands it in (main/nvr's session hook fits). */
export type InitNvrSession = () => { url: string; store: NvrChannelStore } | undefined;

/** What happened to the NVR's channels for one device: words for the row's own `nvr` field, never a password. */
export interface NvrNote {
  kind: 'stored' | 'paused' | 'undone' | 'not-recorded' | 'no-session' | 'left-as-was';
  channels: number[];
  detail: string;
  nextStep?: string;
}

/** The NVR could not be kept from locking the camera: the account must not be sent. */
export class NvrGuardStop extends Error {
  override readonly name = 'NvrGuardStop';
  constructor(
    message: string,
    readonly nextStep: string,
  ) {
    super(message);
  }
}

export interface NvrGuard {
  /** Just before the account leaves (the device said Init 1). Throws NvrGuardStop when it must not leave. */
  before(host: string): Promise<NvrNote>;
  /** Once the device's outcome is known: keep what was done (initialised) or put it back. */
  after(host: string, initialised: boolean): Promise<NvrNote | undefined>;
}

/** The account a factory-fresh device is initialised with (DevInit.account `name`). */
const INIT_ACCOUNT = 'admin';
/** The camera's lock threshold is 3–10 refused sign-ins (5 typical) and the NVR reconnects every few seconds. */
const BUDGET_WORDS = 'a Dahua camera locks after 3–10 refused sign-ins (5 typical) and an NVR retries every few seconds, so that is well under a minute';

interface Changed {
  stored: StoredChannel[];
  paused: StoredChannel[];
}

export function makeNvrGuard(session: InitNvrSession, newPassword: string, secret: (p: string) => void): NvrGuard {
  // One NVR write at a time: the older firmware's table is read, modified and written whole.
  const one = pLimit(1);
  const changed = new Map<string, Changed>();
  let proof: Promise<string | undefined> | undefined;

  const before = (host: string) =>
    one(async (): Promise<NvrNote> => {
      const nvr = session();
      if (!nvr) return noSession();
      const mine = await channelsOf(nvr.store, host, secret, false);
      if (!mine.length) return notRecorded(nvr.url);
      const why = await (proof ??= nvr.store.proveWritePath().then(
        (p) => (p.ok ? undefined : `${p.reason} ${p.nextStep}`),
        (err: unknown) => ((proof = undefined), Promise.reject(err)),
      ));
      if (why) throw new NvrGuardStop(`Not sent: the NVR records this camera on channel ${list(mine)}, and the app cannot write the NVR's channels (${why}), so the NVR would keep signing in with the old password and lock the camera.`, 'Fix the NVR access first, or sign out of the NVR and change the channel’s password on the NVR yourself right after initialising.');
      const c: Changed = { stored: mine.filter((x) => x.username === INIT_ACCOUNT), paused: mine.filter((x) => x.username !== INIT_ACCOUNT) };
      changed.set(host, c);
      const edits = [...c.stored.map((x): ChannelEdit => ({ channel: x.channel, password: newPassword })), ...c.paused.map((x): ChannelEdit => ({ channel: x.channel, enable: false, name: pausedName(x.name) }))];
      const missed = await writeAndCheck(nvr.store, edits);
      if (missed.length) {
        await putBack(nvr.store, c).catch(() => undefined);
        changed.delete(host);
        throw new NvrGuardStop(`Not sent: the NVR did not keep the change to channel ${missed.join(', ')} (read back), so it would keep signing in with the old password and lock the camera.`, 'Sign in to the NVR again and retry; if it keeps refusing, close the loop for this camera by hand right after initialising it.');
      }
      return beforeNote(c);
    });

  const after = (host: string, initialised: boolean) =>
    one(async (): Promise<NvrNote | undefined> => {
      const nvr = session();
      const c = changed.get(host);
      changed.delete(host);
      if (!nvr) return initialised ? noSession() : undefined;
      if (!initialised) return c ? undone(nvr.store, c) : undefined;
      // Resumed after a crash, the memory is gone: the NVR's own state says what is left to store.
      const mine = await channelsOf(nvr.store, host, secret, true);
      if (!mine.length) return notRecorded(nvr.url);
      const stale = mine.filter((x) => x.username === INIT_ACCOUNT && x.password !== newPassword);
      const missed = await writeAndCheck(nvr.store, stale.map((x) => ({ channel: x.channel, password: newPassword })));
      return afterNote(mine, missed);
    });

  return { before, after };
}

/** The enabled channels the NVR records this host with (those it signs in to) and, with `paused`, those this app paused; stored passwords registered as secrets. */
async function channelsOf(store: NvrChannelStore, host: string, secret: (p: string) => void, paused: boolean): Promise<StoredChannel[]> {
  const all = await store.readChannels();
  for (const c of all) if (c.password) secret(c.password);
  return all.filter((c) => c.address === host && (c.enabled || (paused && isPausedByApp(c))));
}

/** One write, then a read back: the channels whose edit the NVR does not hold. */
async function writeAndCheck(store: NvrChannelStore, edits: readonly ChannelEdit[]): Promise<number[]> {
  if (!edits.length) return [];
  await store.writeChannels(edits).catch(() => undefined);
  const read = await store.readChannels().catch(() => undefined);
  return edits.filter((e) => !read || !holds(e, read.find((c) => c.channel === e.channel))).map((e) => e.channel);
}

function holds(e: ChannelEdit, c: StoredChannel | undefined): boolean {
  if (!c) return false;
  if (e.enable !== undefined && c.enabled !== e.enable) return false;
  if (e.name !== undefined && c.name !== e.name) return false;
  // A password the NVR does not show back cannot be confirmed: treated as not held.
  return e.password === undefined || c.password === e.password;
}

/** Every channel back as it was read before the change. */
function putBack(store: NvrChannelStore, c: Changed): Promise<number[]> {
  const edits = [
    ...c.stored.filter((x) => x.password !== undefined).map((x): ChannelEdit => ({ channel: x.channel, password: x.password! })),
    ...c.paused.map((x): ChannelEdit => ({ channel: x.channel, enable: true, name: x.name })),
  ];
  return writeAndCheck(store, edits);
}

async function undone(store: NvrChannelStore, c: Changed): Promise<NvrNote> {
  const all = [...c.stored, ...c.paused].map((x) => x.channel);
  const missed = await putBack(store, c).catch(() => all);
  if (!missed.length) return { kind: 'undone', channels: all, detail: `channel ${all.join(', ')} put back as it was (read back), since the device did not take the password.` };
  return {
    kind: 'undone',
    channels: all,
    detail: `channel ${missed.join(', ')} could not be put back as it was.`,
    nextStep: 'Sign in to the NVR again: the app restores a channel it paused at sign-in; a channel holding the new password is harmless while the camera is not initialised, and right once it is.',
  };
}

function beforeNote(c: Changed): NvrNote {
  const parts = [c.stored.length ? `channel ${list(c.stored)} given the new password before the camera took it` : '', c.paused.length ? `channel ${list(c.paused)} paused` : ''].filter(Boolean);
  return { kind: c.paused.length ? 'paused' : 'stored', channels: [...c.stored, ...c.paused].map((x) => x.channel), detail: `${parts.join('; ')}.` };
}

function afterNote(mine: StoredChannel[], missed: number[]): NvrNote {
  const channels = mine.map((c) => c.channel);
  const others = mine.filter((c) => c.username !== INIT_ACCOUNT);
  if (missed.length) {
    return { kind: 'left-as-was', channels, detail: `channel ${missed.join(', ')} still stores another password (the NVR did not keep the new one).`, nextStep: `Close the loop for this camera now: ${BUDGET_WORDS}.` };
  }
  const stored = mine.filter((c) => c.username === INIT_ACCOUNT);
  const detail = stored.length ? `channel ${list(stored)} stores the new password (read back), so its reconnects sign in with it: no refused sign-in on the camera.` : '';
  if (!others.length) return { kind: 'stored', channels, detail, nextStep: 'Nothing to do for this camera’s NVR channel: it already signs in with the new password. Close the loop for the other cameras as usual.' };
  return {
    kind: 'paused',
    channels,
    detail: `${detail} Channel ${list(others)} signs in as “${others[0]!.username}”, an account a new camera does not have: it stays disabled (marked PAUSED~) so it cannot lock the camera.`.trim(),
    nextStep: `Create the “${others[0]!.username}” account on the camera, or set channel ${list(others)} to use admin on the NVR; then close the loop, which enables the channel again.`,
  };
}

function noSession(): NvrNote {
  return {
    kind: 'no-session',
    channels: [],
    detail: 'no NVR session, so the app could not check whether the NVR records this camera.',
    nextStep: `If the NVR records this camera, sign in to the NVR and close the loop right away: it still signs in with the old password, and ${BUDGET_WORDS}.`,
  };
}

function notRecorded(url: string): NvrNote {
  return { kind: 'not-recorded', channels: [], detail: `the NVR at ${url} has no channel for this camera, so nothing there signs in to it.` };
}

const list = (cs: readonly StoredChannel[]) => cs.map((c) => c.channel).join(', ');
