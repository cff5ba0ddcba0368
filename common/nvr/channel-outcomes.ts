import { z } from 'zod';
import type { ChannelAction } from './site-plan';

/**
 * How each NVR channel ends after the password change: the proof the
 * technician leaves the site with. Closed on purpose, like camera sync's
 * outcomes: the board, the CLI's exit code and the report switch on it.
 */
export const ChannelOutcome = z.enum([
  'recording',
  'updated-waiting',
  'nvr-refused',
  'rolled-back',
  'nvr-not-updated',
  'disabled-on-nvr',
  'camera-offline',
  'not-reachable-from-laptop',
  'skipped',
]);
export type ChannelOutcome = z.infer<typeof ChannelOutcome>;

export interface ChannelOutcomeInfo {
  label: string;
  explanation: string;
  nextStep: string;
  /** The channel records with the new password. */
  success: boolean;
}

export const CHANNEL_OUTCOMES: Record<ChannelOutcome, ChannelOutcomeInfo> = {
  recording: {
    label: 'Recording',
    explanation: 'The NVR is connected to this camera with the new password.',
    nextStep: 'Nothing to do.',
    success: true,
  },
  'updated-waiting': {
    label: 'Stored, not connected yet',
    explanation: 'The NVR took the new password for this channel but had not reconnected when the wait ended.',
    nextStep: "Refresh the channel list in a minute; if it stays offline, open the channel on the NVR's screen and press Connect.",
    success: false,
  },
  'nvr-refused': {
    label: 'NVR refused the update',
    explanation: 'The NVR did not accept the new stored password for this channel; the camera itself may already hold it.',
    nextStep: "Enter the new password for this channel on the NVR's Remote Device page, then refresh.",
    success: false,
  },
  'rolled-back': {
    label: 'Camera put back',
    explanation:
      "The NVR refused the new stored password after the camera had changed, so the app put the camera back on the password the NVR stores: the channel records with the old password.",
    nextStep: "Enter the new password for this channel on the NVR's Remote Device page (or fix what the NVR refused), then run the sync again for this camera.",
    success: false,
  },
  'nvr-not-updated': {
    label: 'NVR not updated (cameras only)',
    explanation:
      "You chose to change the camera although the NVR could not be written safely: the NVR still stores the old password, so this channel does not record.",
    nextStep: "Enter the new password for this channel on the NVR's Remote Device page now: until then it does not record, and the NVR's retries with the old password may lock the camera.",
    success: false,
  },
  'disabled-on-nvr': {
    label: 'Disabled on the NVR',
    explanation: 'The channel is disabled on the NVR, so it does not record.',
    nextStep: "See the detail: run the sync again to let the app finish it, or enable the channel on the NVR's Remote Device page once the camera and the NVR hold the same password.",
    success: false,
  },
  'camera-offline': {
    label: 'Camera offline',
    explanation: 'The NVR cannot reach this camera at all (not a password problem).',
    nextStep: 'Check the cable, PoE port or power of this camera, then refresh.',
    success: false,
  },
  'not-reachable-from-laptop': {
    label: 'Not reachable from the laptop',
    explanation: "The laptop cannot see this camera (commonly on the NVR's PoE ports) and the NVR's own sync did not bring it back.",
    nextStep: "Run the NVR's own sync again (Save on its sync prompt), or set the password on the camera's own page.",
    success: false,
  },
  skipped: {
    label: 'Not touched',
    explanation: 'The app did not change this channel (see the plan for why).',
    nextStep: 'See the reason on the plan.',
    success: false,
  },
};

export interface ChannelFacts {
  action: ChannelAction;
  /** Online in the channel list read before anything changed. */
  wasOnline: boolean;
  /** The camera ended updated or already current (for channels the app changes). */
  cameraHoldsNewPassword: boolean;
  /** Whether the NVR accepted the new stored password (undefined: never sent). */
  nvrUpdated?: boolean;
  /** The NVR refused the store and the camera was put back on the password the NVR stores. */
  rolledBack?: boolean;
  /** "Cameras only": the technician chose to leave the NVR unwritten for this channel. */
  nvrNotWritten?: boolean;
  /** The channel's Enable as read back from the NVR at the end (undefined: not read). */
  enabledAfter?: boolean;
  /** The channel's last connection state from getCameraState, as the NVR spells it. */
  connectionState?: string;
  /** Whether the bounded wait has ended. */
  waitOver: boolean;
}

/**
 * A channel's outcome from what is known so far; undefined while waiting is
 * still worth it. Only a channel whose new password is known to be stored on
 * both ends can count as recording: a channel the app did not touch may be
 * connected with the old password, which proves nothing.
 */
export function channelOutcome(f: ChannelFacts): ChannelOutcome | undefined {
  const { action } = f;
  // A disabled channel records nothing, whoever disabled it and whatever it stores.
  if (f.enabledAfter === false) return 'disabled-on-nvr';
  if (f.rolledBack) return 'rolled-back';
  // Never asked, so not "refused": the technician chose to leave the NVR as it was.
  if (f.nvrNotWritten) return f.cameraHoldsNewPassword ? 'nvr-not-updated' : 'skipped';
  if (action.kind === 'cannot') return action.reason === 'unreachable-from-laptop' ? 'not-reachable-from-laptop' : 'skipped';
  if (action.kind !== 'nvr-own-sync') {
    // A refused pause or store, whatever the camera did.
    if (f.nvrUpdated === false) return 'nvr-refused';
    if (action.kind === 'change-camera-then-nvr' && !f.cameraHoldsNewPassword) return 'skipped';
    if (f.nvrUpdated === undefined) return 'skipped';
  }
  if (f.connectionState === 'Connected') return 'recording';
  if (!f.waitOver) return undefined;
  return f.wasOnline ? 'updated-waiting' : 'camera-offline';
}

/** "14 of 16 channels recording with the new password". */
export function siteSummary(outcomes: readonly ChannelOutcome[]): string {
  const ok = outcomes.filter((o) => CHANNEL_OUTCOMES[o].success).length;
  return `${ok} of ${outcomes.length} channel${outcomes.length === 1 ? '' : 's'} recording with the new password`;
}
