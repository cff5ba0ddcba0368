import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runSync, SyncRun } from './engine';
import { FakeDevice, fakeFactory, type FakeBehaviour } from '../../test/support/fake-device';
import { gateRecordsOf, readJournal } from './journal';

const OLD = 'Old-pass-1';
const NEW = 'New-pass-22';

function site(specs: Record<string, { password?: string; b?: FakeBehaviour }>) {
  const devices = new Map<string, FakeDevice>();
  for (const [x, s] of Object.entries(specs)) devices.set(`http://${x}/onvif/device_service`, new FakeDevice(s.password ?? OLD, undefined, s.b));
  const targets = [...devices.keys()].map((xaddr) => ({ xaddr, username: 'admin' }));
  return { devices, targets, factory: fakeFactory(devices) };
}

const fast = { retryBaseMs: 1, timeoutMs: 1000, lateApplyMs: 1 };

describe('sync engine outcomes: one per device behaviour', () => {
  it('maps each device behaviour to its outcome', async () => {
    const s = site({
      a: {},
      b: { password: NEW },
      c: { password: 'other-pass' },
      d: { b: { fault: 'PasswordTooLong' } },
      e: { b: { noop: true } },
      f: { b: { unreachable: true } },
      g: { b: { errorKind: 'protocol' } },
      h: { password: 'x', b: { lockAfter: 1 } },
      i: { b: { flakyRequests: 2 } },
      j: { b: { errorKind: 'redirect' } },
    });
    const { rows } = await runSync({ ...fast, targets: s.targets, clientFactory: s.factory, currentPasswords: [OLD], newPassword: NEW });
    const by = Object.fromEntries(rows.map((r) => [new URL(r.xaddr).host, r]));
    expect(by.a!.outcome).toBe('updated');
    expect(s.devices.get('http://a/onvif/device_service')!.password).toBe(NEW);
    expect(by.b!.outcome).toBe('already-current');
    expect(by.c!.outcome).toBe('auth-failed');
    expect(by.d).toMatchObject({ outcome: 'rejected', subcode: 'PasswordTooLong' });
    expect(by.d!.nextStep).toMatch(/shorter/);
    expect(by.e!.outcome).toBe('unverified');
    expect(by.f!.outcome).toBe('unreachable');
    expect(by.g!.outcome).toBe('unsupported');
    expect(by.h!.outcome).toBe('locked-out');
    expect(by.h!.unlockAt).toBeGreaterThan(Date.now());
    expect(by.i!.outcome).toBe('updated');
    expect(by.j).toMatchObject({ outcome: 'unsupported', subcode: 'redirect' });
    for (const r of rows) {
      expect(r.detail.length).toBeGreaterThan(0);
      expect(JSON.stringify(r)).not.toContain(OLD);
      expect(JSON.stringify(r)).not.toContain(NEW);
    }
    for (const d of s.devices.values()) expect(d.setUserCount).toBeLessThanOrEqual(1);
  });
});

describe('sync engine outcomes: the budget under any mix, and cancel mid-run', () => {
  it('property: no device ever sees more than N rejected sign-ins, whatever the mix', async () => {
    const behaviour = fc.record({
      password: fc.constantFrom(OLD, NEW, 'c2-pass', 'wrong-pass'),
      lockAfter: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      noop: fc.boolean(),
      doubleReject: fc.boolean(),
      flakyRequests: fc.integer({ min: 0, max: 3 }),
      fault: fc.option(fc.constantFrom('PasswordTooWeak', 'FixedUser', 'Weird'), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviour, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom(OLD, 'c2-pass', 'c3-pass', 'wrong-pass'), { minLength: 1, maxLength: 5 }),
        async (mix, n, candidates) => {
          const s = site(Object.fromEntries(mix.map((m, i) => [`d${i}`, { password: m.password, b: m }])));
          const { rows } = await runSync({ ...fast, targets: s.targets, clientFactory: s.factory, currentPasswords: candidates, newPassword: NEW, maxFailedAuthsPerDevice: n });
          for (const d of s.devices.values()) {
            expect(d.failedAuths).toBeLessThanOrEqual(n);
            expect(d.setUserCount).toBeLessThanOrEqual(1);
          }
          for (const r of rows) expect(r.outcome).toBeDefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('cancel mid-run: started devices finish, the rest are cancelled', async () => {
    const specs: Record<string, object> = {};
    for (let i = 0; i < 40; i++) specs[`d${i}`] = {};
    const s = site(specs);
    const ac = new AbortController();
    let started = 0;
    // Cancel on an observed event, not a timer: the moment the 4th camera has sent SetUser.
    const run = runSync({
      ...fast, targets: s.targets, clientFactory: s.factory, currentPasswords: [OLD], newPassword: NEW, concurrency: 4, signal: ac.signal,
      onRow: (r) => {
        if (r.step === 'verify' && ++started === 4) ac.abort();
      },
    });
    const { rows } = await run;
    const outcomes = rows.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'updated').length).toBeGreaterThanOrEqual(4);
    expect(outcomes.filter((o) => o === 'cancelled').length).toBeGreaterThan(30);
    for (const r of rows) expect(['updated', 'cancelled']).toContain(r.outcome);
    // a device whose password was changed was verified, never left half-done
    for (const r of rows) if (s.devices.get(r.xaddr)!.password === NEW) expect(r.outcome).toBe('updated');
  });
});

describe('cancel between sign-in and SetUser', () => {
  it('a camera that signed in when cancel came is not changed', async () => {
    const s = site({ a: {} });
    const ac = new AbortController();
    const { rows } = await runSync({
      ...fast, targets: s.targets, clientFactory: s.factory, currentPasswords: [OLD], newPassword: NEW, signal: ac.signal,
      onRow: (r) => r.step === 'users' && ac.abort(),
    });
    expect(rows[0]).toMatchObject({ outcome: 'cancelled' });
    expect(rows[0]!.detail).toMatch(/before the password change was sent/);
    expect(s.devices.get(s.targets[0]!.xaddr)!.setUserCount).toBe(0);
  });
});

describe('late apply under a starved process', () => {
  it('does not conclude "both passwords work" from an old-password look taken before the switch', async () => {
    const s = site({ a: { b: { lateApplyMs: 30 } } });
    let justSet = false;
    const factory: typeof s.factory = (o) => {
      const c = s.factory(o);
      return {
        requestCount: 0,
        authOff: false,
        close() {},
        async setUser(cr, u) {
          await c.setUser(cr, u);
          justSet = true;
        },
        getDeviceInformation: (cr) => c.getDeviceInformation(cr),
        async getUsers(cr) {
          const users = await c.getUsers(cr);
          if (justSet) {
            // The first look after SetUser is judged at once (old still works), then the process is starved past the wait.
            justSet = false;
            const until = Date.now() + 150;
            while (Date.now() < until);
          }
          return users;
        },
      };
    };
    const { rows } = await runSync({ ...fast, lateApplyMs: 100, targets: s.targets, clientFactory: factory, currentPasswords: [OLD], newPassword: NEW });
    expect(rows[0], rows[0]!.detail).toMatchObject({ outcome: 'updated' });
  });
});

describe('verification with one refusal left', () => {
  it('gives the camera the whole late window before its only look, and journals that look as made after it', async () => {
    // A wrong first candidate leaves one refusal: the look after SetUser is the only one. It used to wait 2 s
    // (a guess) even with a longer window, so a camera applying at 2.2 s was refused it and ended unverified —
    // and a kill during that look counted on resume (journal.ts FOLDS.try), found by the kill -9 test.
    const dir = mkdtempSync(join(tmpdir(), 'sync-one-left-'));
    const journalPath = join(dir, 'run.jsonl');
    const s = site({ a: { b: { lateApplyMs: 2200 } } });
    const { rows } = await runSync({ ...fast, lateApplyMs: 2600, journalPath, targets: s.targets, clientFactory: s.factory, currentPasswords: ['Wrong-first-1', OLD], newPassword: NEW });
    expect(rows[0], rows[0]!.detail).toMatchObject({ outcome: 'updated', failedAuths: 1 });
    const checks = readFileSync(journalPath, 'utf8').split('\n').filter((l) => l.includes('"verify":true'));
    expect(checks).toHaveLength(1);
    expect(JSON.parse(checks[0]!)).toMatchObject({ afterWindow: true });
  });
});

describe('journal and resume', () => {
  it('resume skips finished devices, keeps failures in the budget, and checks the new password first after setuser-sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-j-'));
    const journalPath = join(dir, 'run.jsonl');
    const s = site({ a: {}, b: { password: 'other' }, c: {} });
    const first = await runSync({ ...fast, journalPath, targets: s.targets, clientFactory: s.factory, currentPasswords: [OLD], newPassword: NEW });
    expect(first.rows.map((r) => r.outcome)).toEqual(['updated', 'auth-failed', 'updated']);
    const text = readFileSync(journalPath, 'utf8');
    expect(text).not.toContain(OLD);
    expect(text).not.toContain(NEW);
    const state = readJournal(journalPath)!;
    expect(gateRecordsOf(state).filter((r) => r.t === 'fail' && r.device === 'b')).toHaveLength(2);

    // Simulate a crash right after SetUser was sent to c: drop its outcome line.
    const lines = text.trim().split('\n');
    const cKey = `${s.targets[2]!.xaddr} admin`;
    const kept = lines.filter((l) => !(l.includes('"outcome"') && l.includes(cKey)) && !l.includes('"end"'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(journalPath, kept.join('\n') + '\n');
    const before = s.devices.get(s.targets[2]!.xaddr)!.setUserCount;
    const requestsA = s.devices.get(s.targets[0]!.xaddr)!.requests;

    const again = await runSync({ ...fast, journalPath, targets: s.targets, clientFactory: s.factory, currentPasswords: [OLD], newPassword: NEW });
    expect(again.resumed).toBe(true);
    expect(again.rows.map((r) => r.outcome)).toEqual(['updated', 'auth-failed', 'updated']);
    expect(s.devices.get(s.targets[2]!.xaddr)!.setUserCount).toBe(before); // not set twice
    expect(s.devices.get(s.targets[0]!.xaddr)!.requests).toBe(requestsA); // finished: not touched
  });

  it('retry never sends SetUser again to an account whose camera answered it (and ignored it)', async () => {
    const s = site({ a: { b: { noop: true } } });
    const run = await SyncRun.create({ ...fast, maxFailedAuthsPerDevice: 5, targets: s.targets, clientFactory: s.factory });
    const secrets = { currentPasswords: [OLD], newPassword: NEW };
    expect((await run.runPass(secrets)).map((r) => r.outcome)).toEqual(['unverified']);
    const again = await run.runPass(secrets, run.failedKeys());
    expect(again[0]).toMatchObject({ outcome: 'unverified' });
    expect(again[0]!.detail).toMatch(/not sent again/);
    expect(s.devices.get(s.targets[0]!.xaddr)!.setUserCount).toBe(1);
    await run.close();
  });

  it('retry failed runs only failed devices within the same budget', async () => {
    const s = site({ a: {}, b: { b: { unreachable: true } }, c: { password: 'other' } });
    const run = await SyncRun.create({ ...fast, targets: s.targets, clientFactory: s.factory });
    const secrets = { currentPasswords: [OLD], newPassword: NEW };
    await run.runPass(secrets);
    expect(run.failedKeys()).toHaveLength(2);
    s.devices.get(s.targets[1]!.xaddr)!.b.unreachable = false;
    // c used its two failed sign-ins: "retry failed" leaves it alone…
    expect(run.retryableKeys()).toEqual([run.failedKeys()[0]]);
    // …and even when forced, it is not touched.
    const requests = s.devices.get(s.targets[2]!.xaddr)!.requests;
    const rows = await run.runPass({ currentPasswords: [OLD, 'other'], newPassword: NEW }, run.failedKeys());
    expect(rows.map((r) => r.outcome)).toEqual(['updated', 'updated', 'skipped']);
    expect(s.devices.get(s.targets[2]!.xaddr)!.failedAuths).toBe(2);
    expect(s.devices.get(s.targets[2]!.xaddr)!.requests).toBe(requests);
    expect(rows[2]!.detail).toMatch(/used up/);
    await run.close();
  });
});
