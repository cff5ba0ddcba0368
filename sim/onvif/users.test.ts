import { describe, it, expect } from 'vitest';
import { checkPasswordRule, UserStore } from './users';
import { SoapFault } from './soap';

const faultOf = (fn: () => void): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SoapFault) return e.subcodes;
    throw e;
  }
  return [];
};

describe('Dahua password rule', () => {
  it.each([
    ['Install2019', 'ok'],
    ['abcdefgh', 'too-weak'], // one category
    ['12345678', 'too-weak'],
    ['Ab1', 'too-weak'], // short
    ['Abcdefg1', 'ok'], // exactly 8
    ['A'.repeat(31) + '1', 'ok'], // exactly 32
    ['A'.repeat(32) + '1', 'too-long'],
    ["Pass'word1", 'too-weak'],
    ['Pass"word1', 'too-weak'],
    ['Pass;word1', 'too-weak'],
    ['Pass:word1', 'too-weak'],
    ['Pass&word1', 'too-weak'],
    ['Pass word1', 'too-weak'],
    ['Pass\tword1', 'too-weak'],
    ['Pass<>word', 'ok'], // letters + specials
    ['!!!!1111', 'ok'], // digits + specials
    ['Pässwörd12', 'ok'], // non-ASCII letters count as letters
  ])('%j → %s', (pw, verdict) => {
    expect(checkPasswordRule(pw)).toBe(verdict);
  });

  it('honours a device-specific maximum', () => {
    expect(checkPasswordRule('Abcdefgh12345678x', 16)).toBe('too-long');
  });
});

const make = (t = { now: 0 }) =>
  new UserStore(
    [
      { username: 'admin', password: 'Install2019', userLevel: 'Administrator' },
      { username: 'onvif', password: 'Operator2019', userLevel: 'Operator' },
    ],
    () => t.now,
  );
const setOpts = { maxPasswordLength: 32, fixedAdmin: false, noop: false, delayMs: 0 };

describe('UserStore: SetUser', () => {
  it('SetUser faults follow ONVIF Core', () => {
    const s = make();
    expect(faultOf(() => s.setUsers([{ username: 'ghost', password: 'Abcdefg1', userLevel: 'User' }], setOpts))).toEqual(['InvalidArgVal', 'UsernameMissing']);
    expect(faultOf(() => s.setUsers([{ username: 'admin', password: 'short1', userLevel: 'Administrator' }], setOpts))).toEqual(['OperationProhibited', 'PasswordTooWeak']);
    expect(faultOf(() => s.setUsers([{ username: 'admin', password: 'A1'.repeat(20), userLevel: 'Administrator' }], setOpts))).toEqual(['OperationProhibited', 'PasswordTooLong']);
    expect(faultOf(() => s.setUsers([{ username: 'admin', password: 'Abcdefg1', userLevel: 'Administrator' }], { ...setOpts, fixedAdmin: true }))).toEqual(['InvalidArgVal', 'FixedUser']);
    expect(faultOf(() => s.setUsers([{ username: 'onvif', password: 'Abcdefg1', userLevel: 'Anonymous' }], setOpts))).toEqual(['OperationProhibited', 'AnonymousNotAllowed']);
  });

  it('SetUser is all-or-nothing', () => {
    const s = make();
    faultOf(() =>
      s.setUsers(
        [
          { username: 'onvif', password: 'NewPass2020', userLevel: 'Operator' },
          { username: 'admin', password: 'weak', userLevel: 'Administrator' },
        ],
        setOpts,
      ),
    );
    expect(s.checkPassword('onvif', 'Operator2019')).toBe(true);
  });

  it('setUserNoop answers success but keeps the old password', () => {
    const s = make();
    s.setUsers([{ username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' }], { ...setOpts, noop: true });
    expect(s.checkPassword('admin', 'Install2019')).toBe(true);
  });
});

describe('UserStore: a late SetUser, and CreateUsers', () => {
  it('a delayed SetUser keeps the old password until the device clock passes the delay', () => {
    const t = { now: 1000 };
    const s = make(t);
    s.setUsers([{ username: 'admin', password: 'NewPass2020', userLevel: 'Administrator' }], { ...setOpts, delayMs: 3000 });
    expect(s.checkPassword('admin', 'Install2019')).toBe(true);
    expect(s.checkPassword('admin', 'NewPass2020')).toBe(false);
    t.now = 4000;
    expect(s.checkPassword('admin', 'NewPass2020')).toBe(true);
    expect(s.checkPassword('admin', 'Install2019')).toBe(false);
  });

  it('CreateUsers faults and all-or-nothing', () => {
    const s = make();
    const opts = { maxPasswordLength: 32 };
    expect(faultOf(() => s.createUsers([{ username: 'admin', password: 'Abcdefg1', userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'UsernameClash']);
    expect(faultOf(() => s.createUsers([{ username: 'a', password: 'Abcdefg1', userLevel: 'User' }, { username: 'a', password: 'Abcdefg1', userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'UsernameClash']);
    expect(faultOf(() => s.createUsers([{ username: '', password: 'Abcdefg1', userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'UsernameTooShort']);
    expect(faultOf(() => s.createUsers([{ username: 'u'.repeat(40), password: 'Abcdefg1', userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'UsernameTooLong']);
    expect(faultOf(() => s.createUsers([{ username: 'bob', password: 'weak', userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'Password']);
    expect(faultOf(() => s.createUsers([{ username: 'bob', password: 'Ab1'.repeat(12), userLevel: 'User' }], opts))).toEqual(['OperationProhibited', 'PasswordTooLong']);
    const many = Array.from({ length: 17 }, (_, i) => ({ username: `u${i}`, password: 'Abcdefg1', userLevel: 'User' }));
    expect(faultOf(() => s.createUsers(many, opts))).toEqual(['Action', 'TooManyUsers']);
    expect(s.list()).toHaveLength(2);
    s.createUsers([{ username: 'bob', password: 'Abcdefg1', userLevel: 'User' }], opts);
    expect(s.list().map((u) => u.username)).toEqual(['admin', 'onvif', 'bob']);
  });
});
