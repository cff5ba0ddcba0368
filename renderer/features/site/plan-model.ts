import type { SitePlanRow, SitePlanView, SiteWritePath } from '../../../common/contract/site';
import type { Tone } from '../../src/status';

/**
 * How the plan reads before Save: what the app will do per channel, the state
 * the NVR holds each channel in (a disabled channel is a channel, and one an
 * earlier run paused is put back by this run), the account the NVR signs in
 * with, and whether the app can write the NVR at all. Pure, so each wording is
 * table-tested; PlanView only lays it out.
 */

type Action = SitePlanRow['action'];
type CannotReason = Extract<Action, { kind: 'cannot' }>['reason'];

const CANNOT: Record<CannotReason, string> = {
  'unreachable-from-laptop': 'Cannot: the laptop does not reach this camera',
  'no-onvif': 'Cannot: the camera does not answer ONVIF',
  'fixed-user': 'Cannot: the camera refuses password changes for this account',
  'nvr-not-writable': 'Not changed: the app cannot write this NVR',
};

/** The bold line of "The app will" — the why follows it. */
export function actionLabel(row: Pick<SitePlanRow, 'action' | 'channel'>, camerasOnly: boolean): string {
  const { action } = row;
  switch (action.kind) {
    case 'nvr-own-sync':
      return "Nothing: the NVR's own sync";
    case 'change-camera-then-nvr':
      if (!camerasOnly) return 'Change the camera, then the NVR';
      return row.channel.enabled === false ? 'Change the camera only: the NVR keeps the old password' : 'Change the camera only: this channel stops recording';
    case 'update-nvr-only':
      return "Update the NVR's stored password";
    case 'cannot':
      return CANNOT[action.reason];
  }
}

/**
 * A channel as the NVR holds it now: a status (icon + word) and, where it
 * matters, what this run does about it. A paused channel is put back only by a
 * run that can write the NVR.
 */
export function channelState(c: SitePlanRow['channel'], canWrite: boolean): { tone: Tone; word: string; note?: string } {
  if (c.enabled === false) {
    const note = !c.pausedByApp
      ? 'Disabled by someone on the NVR, not by this app; it stays disabled.'
      : canWrite
        ? 'Paused by an earlier run of this app; this run restores it.'
        : 'Paused by an earlier run of this app; the app cannot write this NVR, so it stays disabled.';
    return { tone: 'bad', word: 'Disabled on the NVR', note };
  }
  return c.online ? { tone: 'good', word: 'Online' } : { tone: 'bad', word: 'Offline' };
}

/** A row's why without the write path's reason and next step, which the plan says once above the table. */
export function rowWhy(row: SitePlanRow, w: SiteWritePath): string {
  if (w.ok || row.action.kind !== 'cannot' || row.action.reason !== 'nvr-not-writable') return row.why;
  let why = row.why;
  for (const said of [w.reason, w.nextStep]) if (said) why = why.replace(said, '');
  return why.replace(/\s+/g, ' ').trim();
}

/** The account the NVR signs in to this camera with; `added` when the plan adds it to the run (not among the chosen accounts). */
export function nvrAccount(row: SitePlanRow): { username: string; added: boolean } {
  return { username: row.channel.username, added: row.nvrAccountAdded === true };
}

export interface WritePathVerdict {
  tone: Tone;
  /** The status word beside the icon. */
  word: string;
  /** One or two plain sentences. */
  text: string;
  nextStep?: string;
}

/** What the app proved about writing the NVR, said before Save. */
export function writePathVerdict(w: SiteWritePath, camerasOnly: boolean): WritePathVerdict {
  if (!w.ok) {
    const reason = w.reason ?? 'The app could not prove it can store passwords on this NVR.';
    if (camerasOnly) {
      return {
        tone: 'bad',
        word: 'Cameras only',
        text: `${reason} You chose to change the cameras anyway.`,
        ...(w.nextStep ? { nextStep: w.nextStep } : {}),
      };
    }
    return { tone: 'bad', word: 'The NVR cannot be written', text: `${reason} No camera the NVR records is changed.`, ...(w.nextStep ? { nextStep: w.nextStep } : {}) };
  }
  if (w.sealed === false) {
    return { tone: 'warn', word: 'Writable, not sealed', text: w.note ?? 'This firmware cannot seal passwords: the new password goes to the NVR as the connection carries it.' };
  }
  return { tone: 'good', word: 'Writable, sealed', text: `The app proved it can store passwords on this NVR, sealed (RSA + AES) before they leave the laptop.${w.note ? ` ${w.note}` : ''}` };
}

/**
 * "Cameras only": offered where the NVR cannot be written and a chosen camera
 * is one it records; `stops` are the channels that record now and would stop.
 */
export function camerasOnlyChoice(view: SitePlanView): { offered: boolean; stops: number[] } {
  if (view.writePath.ok) return { offered: false, stops: [] };
  const affected = view.camerasOnly
    ? view.rows.filter((r) => r.action.kind === 'change-camera-then-nvr')
    : view.rows.filter((r) => r.action.kind === 'cannot' && r.action.reason === 'nvr-not-writable');
  return { offered: affected.length > 0, stops: affected.filter((r) => r.channel.enabled !== false).map((r) => r.channel.channel) };
}
