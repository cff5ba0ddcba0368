import { describe, expect, it } from 'vitest';
import { classifyDahuaError, describeDahuaError } from './errors';

describe('Dahua RPC error codes', () => {
  it.each([
    [268632085, 'wrong-password'],
    [268632071, 'wrong-password'],
    [268632070, 'unknown-user'],
    [268632074, 'account-in-use'],
    [268632081, 'locked'],
    [268632073, 'blacklisted'],
    [268632086, 'not-initialised'],
    [287637504, 'session-expired'],
    [287637505, 'session-expired'],
    [268894210, 'method-not-found'],
    [268894209, 'invalid-request'],
    [1, 'other'],
  ])('%i → %s', (code, kind) => {
    expect(classifyDahuaError({ code, message: 'x' }).kind).toBe(kind);
  });

  it.each([
    ['UserNotValidt', 'unknown-user'],
    ['PasswordNotValid', 'wrong-password'],
    ['InBlackList', 'blacklisted'],
    ['HasBeedUsed', 'account-in-use'],
    ['HasBeenLocked', 'locked'],
    ['toString', 'other'],
    ['__proto__', 'other'],
    ['passwordnotvalid', 'other'],
  ])('the string form %s in params.error → %s', (error, kind) => {
    expect(classifyDahuaError(undefined, { error }).kind).toBe(kind);
    expect(classifyDahuaError({ code: 5 }, { error }).kind).toBe(kind);
  });

  it('a code wins over a string', () => {
    expect(classifyDahuaError({ code: 268632081 }, { error: 'UserNotValidt' }).kind).toBe('locked');
  });

  it('keeps remainLoginTimes and remainLockSecond, ignores junk', () => {
    expect(classifyDahuaError({ code: 268632085 }, { remainLoginTimes: 2, remainLockSecond: 0 })).toEqual({ kind: 'wrong-password', remainLoginTimes: 2, remainLockSeconds: 0 });
    expect(classifyDahuaError({ code: 268632085 }, { remainLoginTimes: '2', remainLockSecond: -5 })).toEqual({ kind: 'wrong-password' });
    expect(classifyDahuaError('boom').kind).toBe('other');
    expect(classifyDahuaError({ code: '268632085' }).kind).toBe('other');
  });

  it('tells the technician the tries left and the next step', () => {
    expect(describeDahuaError({ kind: 'wrong-password', remainLoginTimes: 2 })).toMatch(/2 tries left before the NVR locks this account for 30 minutes/);
    expect(describeDahuaError({ kind: 'wrong-password', remainLoginTimes: 1, remainLockSeconds: 0 })).toMatch(/1 try left/);
    expect(describeDahuaError({ kind: 'wrong-password', remainLoginTimes: 0, remainLockSeconds: 1800 })).toMatch(/locked this account for 30 minutes/);
    expect(describeDahuaError({ kind: 'locked', remainLockSeconds: 600 })).toMatch(/Try again in 10 minutes/);
    expect(describeDahuaError({ kind: 'not-initialised' })).toMatch(/Initialise it on the NVR's own monitor/);
    expect(describeDahuaError({ kind: 'https-redirect' }, 'to https://x/')).toMatch(/self-signed/);
  });
});
