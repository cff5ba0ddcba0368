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
  'nvr-not-updated': 'bad',
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

/** What to do about a channel that does not record with the new password: its own next step, else its outcome's. */
export function nextStepOf(r: Pick<SiteChannelResult, 'outcome' | 'nextStep'>): string | undefined {
  if (!r.outcome || CHANNEL_OUTCOMES[r.outcome].success) return undefined;
  return r.nextStep ?? CHANNEL_OUTCOMES[r.outcome].nextStep;
}

/** Outcomes the technician must act on before leaving: the summary says what to do, not only that. */
const ACT_ON: ReadonlySet<ChannelOutcome> = new Set(['disabled-on-nvr', 'rolled-back']);

/**
 * Whether a channel records at all now: a disabled channel never does; one the
 * app did not change (or put back) can go on recording with the old password,
 * as the NVR and the camera both still hold it.
 */
function recordsNow(r: SiteChannelResult): string {
  if (r.outcome === 'disabled-on-nvr' || r.enabled === false) return 'not recording now';
  if (r.connectionState === 'Connected') return 'still recording with its old password';
  // Put back and enabled: the NVR reconnects with the password it stores, maybe after the last read.
  return r.outcome === 'rolled-back' ? 'back on its old password, not connected yet at the last read' : 'not recording now';
}

/**
 * The channels that do not record with the new password, each with why and
 * whether it still records at all; a channel left disabled or rolled back also
 * says what to do.
 */
export function notRecording(results: readonly SiteChannelResult[], names: ReadonlyMap<number, string>): string[] {
  return results
    .filter((r) => r.outcome && !CHANNEL_OUTCOMES[r.outcome].success)
    .map((r) => {
      const line = `${channelTitle(r.channel, names)}: ${CHANNEL_OUTCOMES[r.outcome!].label} — ${recordsNow(r)}.`;
      return ACT_ON.has(r.outcome!) ? `${line} Next: ${nextStepOf(r)}` : line;
    });
}
