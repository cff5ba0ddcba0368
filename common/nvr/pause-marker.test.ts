import { describe, expect, it } from 'vitest';
import { isPausedByApp, isPausedName, NVR_NAME_LIMIT, PAUSE_MARK, pausedName, restoredName } from './pause-marker';

describe('the pause marker', () => {
  it.each([
    ['Front door', `${PAUSE_MARK}Front door`],
    ['', PAUSE_MARK],
    // Already marked (a pause repeated after a crash): one marker, never two.
    [`${PAUSE_MARK}Front door`, `${PAUSE_MARK}Front door`],
    ['A name of exactly thirty-one ch', `${PAUSE_MARK}A name of exactly thirty`],
  ])('%j paused reads %j, within the NVR limit', (name, marked) => {
    expect(pausedName(name)).toBe(marked);
    expect(pausedName(name).length).toBeLessThanOrEqual(NVR_NAME_LIMIT);
    expect(isPausedName(pausedName(name))).toBe(true);
  });

  it('only a disabled, marked channel is one the app paused', () => {
    expect(isPausedByApp({ enabled: false, name: pausedName('Gate') })).toBe(true);
    expect(isPausedByApp({ enabled: true, name: pausedName('Gate') })).toBe(false);
    expect(isPausedByApp({ enabled: false, name: 'Gate' })).toBe(false);
    expect(isPausedByApp({ enabled: false, name: 'paused~Gate' })).toBe(false);
  });

  it('restores the original from the journal, else the marked name without its marker (saying when its end may be lost)', () => {
    const long = 'A name of exactly thirty-one ch';
    expect(restoredName(pausedName(long), long)).toEqual({ name: long, maybeCut: false });
    expect(restoredName(pausedName(long))).toEqual({ name: 'A name of exactly thirty', maybeCut: true });
    expect(restoredName(pausedName('Gate'))).toEqual({ name: 'Gate', maybeCut: false });
    // A journal entry that does not match what the NVR holds is not trusted.
    expect(restoredName(pausedName('Gate'), 'Something else')).toEqual({ name: 'Gate', maybeCut: false });
  });
});
