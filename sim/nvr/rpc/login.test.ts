import { afterEach, describe, expect, it } from 'vitest';
import { CODES, startNvrRpc, type NvrRpcFaultOptions, type NvrRpcSim } from '../rpc';
import { oldDigest } from './login';
import { authFor, login, post, type Json } from './raw-client';

// Loopback 127.71.2.10 is this file's own. An NVR with no channels: only its login is under test.
const PW = 'Nvr-login-2019';
let t = 0;
let nvr: NvrRpcSim | undefined;
const start = async (faults: NvrRpcFaultOptions = {}) =>
  (nvr = await startNvrRpc({
    address: '127.71.2.10',
    identity: { serialNumber: 'LOGIN-SIM-1', model: 'DHI-NVR4108', firmwareVersion: '4.0.0' },
    password: (u) => (u === 'admin' ? PW : undefined),
    channels: [],
    faults: { lockout: { afterFailures: 3, lockMs: 60_000 }, ...faults },
    clock: () => Date.now() + t,
  }));
afterEach(async () => {
  await nvr?.stop();
  nvr = undefined;
});

describe('the challenge and the login types', () => {
  // Challenge as error 268632079 or 401: DOMAIN.md "Login variants"; ItsNotGoodName/dahua-rpc lib/rpcLogin.ts
  // (res.error.code == 268632079 || === 401); ItsNotGoodName/ipcmanview (first login: 268632079 | 401).
  it.each([
    ['code', CODES.challenge, 200],
    ['code-401', 401, 200],
    ['http-401', 401, 401],
  ] as const)("challenge '%s': error %i with HTTP %i, then the same second step signs in", async (challenge, code, httpStatus) => {
    const rpc = await start({ login: { challenge } });
    const { first, second } = await login(rpc.url, 'admin', PW);
    expect(first).toMatchObject({ httpStatus, result: false, error: { code }, params: { encryption: 'Default', realm: 'Login to LOGIN-SIM-1', random: expect.any(String) } });
    expect(second).toMatchObject({ result: true, params: { keepAliveInterval: 60 } });
  });

  // Hashes: Default (DOMAIN.md; rroller/dahua rpc2.py); Basic = base64(user:password) (dahua-rpc getAuth;
  // DahuaConsole dahua_logon_modes.py); OldDigest = the 8-character MD5 fold (DahuaConsole dahua_gen1_hash);
  // WatchNet = the password with loginType "WatchNet" (dahua-rpc lib/rpcLogin.ts; ipcmanview). authorityType
  // is the encryption offered (dahua-rpc, DahuaConsole).
  it.each(['Default', 'Basic', 'OldDigest', 'WatchNet'] as const)("encryption '%s': the right hash signs in; a wrong one, or another authorityType, is a counted refusal", async (encryption) => {
    const rpc = await start({ login: { encryption } });
    expect((await login(rpc.url, 'admin', PW)).second.result).toBe(true);
    expect((await login(rpc.url, 'admin', 'Not-the-pass-1')).second.error.code).toBe(CODES.wrongPassword);
    const first = await post(rpc.url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: '' }, id: 1 });
    const other = encryption === 'Default' ? 'Basic' : 'Default';
    const hash = authFor(encryption, 'admin', PW, first.params.random, first.params.realm);
    const wrongType = await post(rpc.url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: hash, authorityType: other, loginType: 'WatchNet' }, id: 2, session: first.session });
    expect(wrongType.error.code).toBe(CODES.wrongPassword);
    expect(rpc.stats()).toMatchObject({ logins: 1, loginFailures: 2 });
  });

  it('the OldDigest fold gives the published hash of "admin"', () => {
    // "6QNMIQGe" is the widely published Dahua hash of the factory password "admin".
    expect(oldDigest('admin')).toBe('6QNMIQGe');
    expect(oldDigest('888888')).toBe('4WzwxXxM');
  });

  it.each(['number', 'string'] as const)('a %s session id works only when it comes back with its own type', async (style) => {
    const rpc = await start({ login: { session: style } });
    const { second } = await login(rpc.url, 'admin', PW);
    expect(typeof second.session).toBe(style);
    expect((await post(rpc.url, '/RPC2', { method: 'magicBox.getSerialNo', id: 3, session: second.session })).params.sn).toBe('LOGIN-SIM-1');
    const retyped = style === 'number' ? String(second.session) : Number.parseInt(second.session, 16);
    expect((await post(rpc.url, '/RPC2', { method: 'magicBox.getSerialNo', id: 4, session: retyped })).error.code).toBe(CODES.invalidSession);
  });
});

describe('every refusal is counted and the lock follows the counter', () => {
  // Codes and strings: the web UI's interfaceLogin.js as ported in ItsNotGoodName/dahua-rpc lib/rpcLogin.ts and
  // lib/rpcBase/index.ts (268632070 USER_NOT_VALID, 268632071 PASSWORD_NOT_VALID, 268632073 IN_BLACK_LIST,
  // 268632074 HAS_BEEN_USED, 268632081 HAS_BEEN_LOCKED; strings in params.error), ItsNotGoodName/ipcmanview
  // (268632085, 268632081; the same strings in error.message). The string form's code is dahua-rpc's ERROR_CODE_NOT_SET.
  type Row = [string, NvrRpcFaultOptions['login'], string, number | string, number | string];
  const rows: Row[] = [
    ['combined codes, wrong password', {}, PW + 'x', CODES.wrongPassword, CODES.locked],
    ['split codes, unknown user', { refusals: 'split' }, 'nobody', CODES.userNotValid, CODES.locked],
    ['split codes, wrong password', { refusals: 'split' }, PW + 'x', CODES.passwordNotValid, CODES.locked],
    ['strings, unknown user', { refusalForm: 'string' }, 'nobody', 'UserNotValidt', 'HasBeenLocked'],
    ['strings, wrong password', { refusalForm: 'string' }, PW + 'x', 'PasswordNotValid', 'HasBeenLocked'],
    ['blacklisted, code', { refuseAs: 'blacklisted' }, PW, CODES.blacklisted, CODES.locked],
    ['blacklisted, string', { refuseAs: 'blacklisted', refusalForm: 'string' }, PW, 'InBlackList', 'HasBeenLocked'],
    ['has been used, code', { refuseAs: 'has-been-used' }, PW, CODES.hasBeenUsed, CODES.locked],
    ['has been used, string', { refuseAs: 'has-been-used', refusalForm: 'string' }, PW, 'HasBeedUsed', 'HasBeenLocked'],
    ['says locked before the limit', { refuseAs: 'locked' }, PW, CODES.locked, CODES.locked],
  ];
  const shown = (r: Json, form: number | string) =>
    typeof form === 'number' ? r['error'].code : (expect(r['error']).toMatchObject({ code: CODES.codeNotSet, message: form }), r['params'].error);

  it.each(rows)('%s', async (_what, loginFaults, password, refusal, lock) => {
    const rpc = await start({ login: loginFaults });
    const user = password === 'nobody' ? 'nobody' : 'admin';
    const pass = password === 'nobody' ? PW : password;
    for (let i = 1; i <= 3; i++) {
      const { second } = await login(rpc.url, user, pass);
      expect(second.result).toBe(false);
      expect(shown(second, refusal)).toBe(refusal);
      expect(rpc.stats().loginFailures).toBe(i);
    }
    // The third refusal started the lock: the right password is refused as locked, and that is not counted again.
    const locked = await post(rpc.url, '/RPC2_Login', { method: 'global.login', params: { userName: 'admin', password: '' }, id: 1 });
    const retry = await post(rpc.url, '/RPC2_Login', {
      method: 'global.login', params: { userName: 'admin', password: authFor('Default', 'admin', PW, locked.params.random, locked.params.realm), authorityType: 'Default' }, id: 2, session: locked.session,
    });
    expect(shown(retry, lock)).toBe(lock);
    expect(retry.params.remainLockSecond).toBeGreaterThan(0);
    expect(rpc.stats()).toMatchObject({ loginFailures: 3, lockedRefusals: 1, lockedUntil: expect.any(Number) });
    t += 61_000;
    if (!loginFaults?.refuseAs) expect((await login(rpc.url, 'admin', PW)).second.result).toBe(true);
  });

  it('268632085 carries remainLoginTimes, and remainLockSecond when the lock starts', async () => {
    const rpc = await start();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await login(rpc.url, 'admin', 'wrong')).second.params);
    expect(answers).toEqual([{ remainLoginTimes: 2, remainLockSecond: 0 }, { remainLoginTimes: 1, remainLockSecond: 0 }, { remainLoginTimes: 0, remainLockSecond: 60 }]);
  });
});
