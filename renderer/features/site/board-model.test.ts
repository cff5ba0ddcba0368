import { describe, expect, it } from 'vitest';
import { ChannelOutcome } from '../../../common/nvr/channel-outcomes';
import { channelTitle, nextStepOf, notRecording, OUTCOME_TONE, tileStatus } from './board-model';
import { CHANNEL_OUTCOMES } from '../../../common/nvr/channel-outcomes';

const names = new Map([
  [1, 'Front door'],
  [4, 'Garage'],
]);

describe('close-the-loop board', () => {
  it('gives every outcome a word and a tone (icon + colour), never colour alone', () => {
    for (const o of ChannelOutcome.options) {
      const s = tileStatus(o);
      expect(s.word.length, o).toBeGreaterThan(3);
      expect(['good', 'bad', 'warn', 'wait']).toContain(s.tone);
    }
    expect(tileStatus('recording')).toEqual({ tone: 'good', word: 'Recording' });
    expect(tileStatus(undefined)).toEqual({ tone: 'wait', word: 'Waiting…' });
    // Only recording reads as good: a channel not touched must not look fine at a glance.
    expect(Object.entries(OUTCOME_TONE).filter(([, t]) => t === 'good').map(([o]) => o)).toEqual(['recording']);
  });

  it('names channels by the plan’s titles', () => {
    expect(channelTitle(1, names)).toBe('Channel 1 · Front door');
    expect(channelTitle(2, names)).toBe('Channel 2');
  });

  it('names the channels that do not record with the new password, why, and whether they still record with the old one', () => {
    const lines = notRecording(
      [
        { channel: 1, outcome: 'recording', detail: '', connectionState: 'Connected' },
        { channel: 2, outcome: 'nvr-refused', detail: '', connectionState: 'Disconnected' },
        { channel: 4, outcome: 'not-reachable-from-laptop', detail: '', connectionState: 'Connected' },
        { channel: 5, detail: 'still waiting' },
      ],
      names,
    );
    expect(lines).toEqual([
      'Channel 2: NVR refused the update — not recording now.',
      'Channel 4 · Garage: Not reachable from the laptop — still recording with its old password.',
    ]);
  });

  it('names a channel left disabled or rolled back, whether it records at all, and what to do', () => {
    const lines = notRecording(
      [
        { channel: 1, outcome: 'rolled-back', detail: '', connectionState: 'Connected', enabled: true },
        { channel: 2, outcome: 'disabled-on-nvr', detail: '', connectionState: 'Connected', enabled: false, nextStep: 'Run the sync again for this camera.' },
        { channel: 4, outcome: 'disabled-on-nvr', detail: '', enabled: false },
        { channel: 5, outcome: 'rolled-back', detail: '', connectionState: 'Disconnected', enabled: true },
      ],
      names,
    );
    expect(lines).toEqual([
      `Channel 1 · Front door: Camera put back — still recording with its old password. Next: ${CHANNEL_OUTCOMES['rolled-back'].nextStep}`,
      'Channel 2: Disabled on the NVR — not recording now. Next: Run the sync again for this camera.',
      `Channel 4 · Garage: Disabled on the NVR — not recording now. Next: ${CHANNEL_OUTCOMES['disabled-on-nvr'].nextStep}`,
      `Channel 5: Camera put back — back on its old password, not connected yet at the last read. Next: ${CHANNEL_OUTCOMES['rolled-back'].nextStep}`,
    ]);
  });

  it("gives each tile not recording its own next step, else its outcome's; none while recording or waiting", () => {
    expect(nextStepOf({ outcome: 'recording' })).toBeUndefined();
    expect(nextStepOf({})).toBeUndefined();
    expect(nextStepOf({ outcome: 'rolled-back' })).toBe(CHANNEL_OUTCOMES['rolled-back'].nextStep);
    expect(nextStepOf({ outcome: 'disabled-on-nvr', nextStep: 'Enable it on the NVR.' })).toBe('Enable it on the NVR.');
  });
});
