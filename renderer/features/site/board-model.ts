import type { SiteChannelResult } from '../../../common/contract/site';
import { CHANNEL_OUTCOMES, type ChannelOutcome } from '../../../common/nvr/channel-outcomes';
import type { Tone } from '../../src/status';

/**
 * How each outcome reads on the board: a tone (icon + colour) beside its word.
 * A Record, so a new outcome (e.g. rolled-back) does not compile until it has one.
 */
export const OUTCOME_TONE: Record<ChannelOutcome, Tone> = {
  recording: 'good',
  'updated-waiting': 'warn',
  'nvr-refused': 'bad',
  // The channel records, but with the old password: the technician still has a step to do.
  'rolled-back': 'warn',
  'disabled-on-nvr': 'bad',
  'camera-offline': 'bad',
  'not-reachable-from-laptop': 'warn',
  skipped: 'wait',
};

export function tileStatus(outcome: ChannelOutcome | undefined): { tone: Tone; word: string } {
  return outcome ? { tone: OUTCOME_TONE[outcome], word: CHANNEL_OUTCOMES[outcome].label } : { tone: 'wait', word: 'Waiting…' };
}

/** "Channel 4 · Garage": the NVR's channel number and the title the plan showed. */
export function channelTitle(channel: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(channel)?.trim();
  return name ? `Channel ${channel} · ${name}` : `Channel ${channel}`;
}

/**
 * The channels that do not record with the new password, each with why and
 * whether it still records at all (a channel the app did not change can go on
 * recording with the old password: the NVR and the camera both still hold it).
 */
export function notRecording(results: readonly SiteChannelResult[], names: ReadonlyMap<number, string>): string[] {
  return results
    .filter((r) => r.outcome && !CHANNEL_OUTCOMES[r.outcome].success)
    .map((r) => {
      const info = CHANNEL_OUTCOMES[r.outcome!];
      const still = r.connectionState === 'Connected' ? 'still recording with its old password' : 'not recording now';
      return `${channelTitle(r.channel, names)}: ${info.label} — ${still}.`;
    });
}
