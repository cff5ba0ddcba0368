// An account that may not change its own password (ONVIF: only an Administrator calls SetUser), such as the
// Operator account an NVR signs in with, is changed through an Administrator of the same camera proven in the run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextStepFor } from '../../common/sync/outcomes';
import { targetKey } from '../../common/sync/target';
import { FakeDevice, fakeFactory } from '../../test/support/fake-device';
import { Administrators } from './administrators';
import { runSync } from './engine';
import type { ClientFactory } from './port';

const OLD = 'Old-pass-1';
const NEW = 'New-pass-22';
const STORED = 'Operator2019';
const X = 'http://cam/onvif/device_service';
const fast = { retryBaseMs: 1, timeoutMs: 1000, lateApplyMs: 50 };
const USERS = [{ username: 'admin', userLevel: 'Administrator' }, { username: 'onvif', userLevel: 'Operator' }, { username: 'viewer', userLevel: 'User' }];
const admin = { xaddr: X, username: 'admin' };
const onvif = { xaddr: X, username: 'onvif' };
const known = { [targetKey(onvif)]: [STORED] };

function camera(b: ConstructorParameters<typeof FakeDevice>[2] = {}) {
  return new FakeDevice({ admin: OLD, onvif: STORED, viewer: 'Viewer-pass-3' }, USERS.map((u) => ({ ...u })), b);
}

/** The fake camera's clients, recording every call as `<call> <signed-by>:<password> [<account set>=<level>]`. */
function recording(cam: FakeDevice): { factory: ClientFactory; calls: string[] } {
  const calls: string[] = [];
  const inner = fakeFactory(new Map([[X, cam]]));
  const factory: ClientFactory = (o) => {
    const c = inner(o);
    return {
      close() {},
      getUsers: (cr) => (calls.push(`GetUsers ${cr.username}:${cr.password}`), c.getUsers(cr)),
      setUser: (cr, u) => (calls.push(`SetUser ${cr.username}:${cr.password} ${u.username}=${u.userLevel}`), c.setUser(cr, u)),
      getDeviceInformation: (cr) => (calls.push(`GetDeviceInformation ${cr.username}:${cr.password}`), c.getDeviceInformation(cr)),
      get requestCount() {
        return c.requestCount;
      },
      get authOff() {
        return c.authOff;
      },
    };
  };
  return { factory, calls };
}

const journalFile = () => join(mkdtempSync(join(tmpdir(), 'sync-operator-')), 'run.jsonl');

describe('an Operator account, changed through the camera\'s Administrator', () => {
  it('the admin changes itself, then sets the Operator\'s password with the new one; the Operator signs in with it; no refusal, other accounts kept', async () => {
    const cam = camera();
    const { factory, calls } = recording(cam);
    const journalPath = journalFile();
    const { rows } = await runSync({ ...fast, journalPath, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(rows.map((r) => [r.username, r.outcome])).toEqual([['admin', 'updated'], ['onvif', 'updated']]);
    expect([cam.passwordOf('admin'), cam.passwordOf('onvif'), cam.passwordOf('viewer')]).toEqual([NEW, NEW, 'Viewer-pass-3']);
    expect(cam.users).toEqual(USERS);
    expect(cam.failedAuths).toBe(0);
    expect(cam.setUserBy).toEqual({ admin: 1, onvif: 1 });
    // Never GetUsers or SetUser as the Operator; the admin sends its one SetUser, with the password it holds after its own change.
    expect(calls.filter((c) => c.includes('onvif:'))).toEqual([`GetDeviceInformation onvif:${NEW}`]);
    expect(calls).toContain(`SetUser admin:${NEW} onvif=Operator`);
    expect(rows[1]).toMatchObject({ via: 'admin', userLevel: 'Operator', failedAuths: 0 });
    expect(rows[1]!.detail).toMatch(/set by the camera's Administrator account "admin"/);
    // The journal names the account that sent it, and holds no password.
    const journal = readFileSync(journalPath, 'utf8');
    expect(journal).toMatch(/"t":"setuser-sent","key":"[^"]+ onvif","at":\d+,"via":"admin"/);
    for (const p of [OLD, NEW, STORED]) expect(journal + JSON.stringify(rows)).not.toContain(p);
  });

  it('a fixed admin (it may not change its own password) still changes the Operator, with the password it signed in with', async () => {
    const cam = camera({ fixedUsers: ['admin'] });
    const { factory, calls } = recording(cam);
    const { rows } = await runSync({ ...fast, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(rows.map((r) => [r.username, r.outcome, r.subcode])).toEqual([['admin', 'rejected', 'FixedUser'], ['onvif', 'updated', undefined]]);
    expect(calls).toContain(`SetUser admin:${OLD} onvif=Operator`);
    expect([cam.passwordOf('admin'), cam.passwordOf('onvif')]).toEqual([OLD, NEW]);
    expect(cam.failedAuths).toBe(0);
  });

  it('listed before the admin: it waits for the admin\'s turn, then changes through it; no refusal', async () => {
    const cam = camera();
    const { factory, calls } = recording(cam);
    const { rows } = await runSync({ ...fast, targets: [onvif, admin], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(rows.map((r) => [r.username, r.outcome])).toEqual([['onvif', 'updated'], ['admin', 'updated']]);
    expect(cam.passwordOf('onvif')).toBe(NEW);
    expect(cam.failedAuths).toBe(0);
    // Its one sign-in as itself, answered "not an Administrator" (the password was right), then the admin's change.
    expect(calls.filter((c) => c.startsWith('GetUsers onvif'))).toEqual([`GetUsers onvif:${STORED}`]);
    expect(calls.indexOf(`SetUser admin:${NEW} onvif=Operator`)).toBeGreaterThan(calls.indexOf(`SetUser admin:${OLD} admin=Administrator`));
  });

  it('no Administrator of the camera in the run: not touched, and the row says why and what to do', async () => {
    const cam = camera();
    const { factory, calls } = recording(cam);
    const { rows } = await runSync({ ...fast, targets: [onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(rows[0]).toMatchObject({ outcome: 'skipped', subcode: 'NeedsAdministrator', failedAuths: 0, nextStep: nextStepFor('skipped', 'NeedsAdministrator') });
    expect(rows[0]!.detail).toMatch(/only an Administrator change a password.*no Administrator account of this camera signed in in this run/);
    expect(rows[0]!.nextStep).toMatch(/Add the camera's Administrator account/);
    expect(calls.filter((c) => c.startsWith('SetUser'))).toEqual([]);
    expect(cam.passwordOf('onvif')).toBe(STORED);
    expect(cam.failedAuths).toBe(0);
  });

  it("an admin that only signs in (its own change not in the run, or refused as here) is still the one that changes the Operator; a level the camera listed is kept", async () => {
    const cam = camera({ fault: 'PasswordTooWeak' });
    const { factory, calls } = recording(cam);
    const { rows } = await runSync({ ...fast, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    // The camera refuses this new password for every account: the Operator's SetUser was sent once, by the admin, and refused.
    expect(rows.map((r) => [r.outcome, r.subcode])).toEqual([['rejected', 'PasswordTooWeak'], ['rejected', 'PasswordTooWeak']]);
    expect(calls.filter((c) => c.startsWith('SetUser'))).toEqual([`SetUser admin:${OLD} admin=Administrator`, `SetUser admin:${OLD} onvif=Operator`]);
  });
});

describe('an Operator account across a crash', () => {
  it('its SetUser journalled, then the process died: the resumed run verifies it and never sends it again', async () => {
    const cam = camera();
    const { factory, calls } = recording(cam);
    const journalPath = journalFile();
    // What a run killed right after the Operator's SetUser left leaves: the admin done, the Operator's SetUser sent (and landed).
    const first = await runSync({ ...fast, journalPath, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(first.rows.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const lines = readFileSync(journalPath, 'utf8').split('\n');
    const cut = lines.findIndex((l) => l.includes('"setuser-sent"') && l.includes(' onvif"'));
    writeFileSync(journalPath, lines.slice(0, cut + 1).join('\n') + '\n');
    calls.length = 0;
    const again = await runSync({ ...fast, journalPath, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    expect(again.resumed).toBe(true);
    expect(again.rows.map((r) => [r.username, r.outcome, r.via])).toEqual([['admin', 'updated', undefined], ['onvif', 'updated', 'admin']]);
    expect(calls).toEqual([`GetDeviceInformation onvif:${NEW}`]);
    expect(cam.setUserBy).toEqual({ admin: 1, onvif: 1 });
    expect(cam.failedAuths).toBe(0);
  });

  it("killed after the admin's change and before the Operator's: the resumed process signs in as the admin with what the journal says, then changes the Operator", async () => {
    const cam = camera();
    const { factory, calls } = recording(cam);
    const journalPath = journalFile();
    await runSync({ ...fast, journalPath, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known });
    const lines = readFileSync(journalPath, 'utf8').split('\n');
    const cut = lines.findIndex((l) => l.includes('"outcome"') && l.includes(' admin"'));
    writeFileSync(journalPath, lines.slice(0, cut + 1).join('\n') + '\n');
    cam.passwords.set('onvif', STORED);
    calls.length = 0;
    // A new process: nothing proven in memory; the journal's word is checked with the camera before it is used.
    const again = await runSync({ ...fast, journalPath, targets: [admin, onvif], clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, knownPasswords: known, administrators: new Administrators() });
    expect(again.rows.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    expect(calls).toEqual([`GetUsers admin:${NEW}`, `SetUser admin:${NEW} onvif=Operator`, `GetDeviceInformation onvif:${NEW}`]);
    expect(cam.passwordOf('onvif')).toBe(NEW);
    expect(cam.failedAuths).toBe(0);
  });
});
