import { describe, expect, it } from 'vitest';
import { splitNvrNote, withNvrNote } from './nvr-note';

describe("an init row's NVR part", () => {
  it('round-trips, and the NVR part is always the last one', () => {
    const d = withNvrNote('Initialised: a sign-in worked.', 'channel 7 stores the new password (read back).');
    expect(d).toBe('Initialised: a sign-in worked. NVR: channel 7 stores the new password (read back).');
    expect(splitNvrNote(d)).toEqual({ device: 'Initialised: a sign-in worked.', nvr: 'channel 7 stores the new password (read back).' });
    expect(splitNvrNote(withNvrNote('The device said " NVR: x".', 'no NVR session.'))).toEqual({ device: 'The device said " NVR: x".', nvr: 'no NVR session.' });
  });

  it.each([
    ['no NVR part', 'Refused.', { device: 'Refused.' }],
    ['an empty NVR part', 'Refused. NVR: ', { device: 'Refused. NVR: ' }],
    ['the mark at the start', ' NVR: only', { device: '', nvr: 'only' }],
    ['empty detail', '', { device: '' }],
  ])('%s', (_, detail, want) => {
    expect(splitNvrNote(detail)).toEqual(want);
    expect(withNvrNote(detail, undefined)).toBe(detail);
  });
});
