import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/contract';
import { HOUR } from '../../common/reset/case';
import { caseAccount, createMemoryKeychain } from '../core/keychain';
import { createKeytarKeychain } from '../core/keychain-keytar';
import { setupCases } from './service';
import { testContext } from '../../test/support/test-context';

const PASSWORD = 'Kp4wTz9mQx2R';
const CODE = 'K7QXM2PD';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

async function setup(available = true) {
  const t = testContext();
  const keychain = createMemoryKeychain(available);
  const feature = await setupCases(t.ctx, { keychain, notifyEveryMs: 3600_000 });
  await feature.start?.();
  return { ...t, keychain, feature, h: feature.handlers };
}

async function expectAppError(run: () => unknown, code: string, message: RegExp) {
  const err = await Promise.resolve().then(run).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  expect((err as AppError).message).toMatch(message);
}

describe('cases service', () => {
  it('walks the whole flow; password only in the keychain, no secret in any file', async () => {
    const { h, ctx, keychain, dataDir, events, feature } = await setup();
    const c0 = await h['cases.create']({ nvr: { label: 'Shop NVR', serial: '7M0ABC' } }, { host: 'test' });
    const id = c0.id;
    await h['cases.goto']({ caseId: id, step: 'email' }, { host: 'test' });
    await h['cases.setEmail']({ caseId: id, email: 'owner@example.com' }, { host: 'test' });
    await h['cases.setQrText']({ caseId: id, qrText: 'https://gpwd.htmicrochip.com/r?sn=7M0ABC&n=1&e=o', source: 'image' }, { host: 'test' });
    await h['cases.recordSent']({ caseId: id, via: 'mail-client' }, { host: 'test' });
    await h['cases.recordCode']({ caseId: id, code: 'k7qx-m2pd' }, { host: 'test' });
    await h['cases.recordAttempt']({ caseId: id, result: 'wrong' }, { host: 'test' });
    const ok = await h['cases.recordAttempt']({ caseId: id, result: 'accepted' }, { host: 'test' });
    expect(ok.step).toBe('password');
    const set = await h['cases.setPassword']({ caseId: id, password: PASSWORD }, { host: 'test' });
    expect(set).toMatchObject({ step: 'sync', passwordInKeychain: true });
    expect(keychain.entries.get(`case:${id}`)).toBe(PASSWORD);
    expect(await h['cases.revealPassword']({ caseId: id }, { host: 'test' })).toEqual({ password: PASSWORD });
    const done = await h['cases.recordSync']({ caseId: id, choice: 'save' }, { host: 'test' });
    expect(done).toMatchObject({ step: 'done', outcome: 'reset' });
    const { text } = await h['cases.summary']({ caseId: id }, { host: 'test' });
    expect(text).toMatch(/password reset completed/);
    expect(text).toMatch(/1 wrong/);
    ctx.log.info('echo of secrets must be scrubbed', { note: `${PASSWORD} ${CODE}` });
    await feature.dispose?.();

    for (const f of allFiles(dataDir)) {
      const body = readFileSync(f, 'utf8');
      expect(body, f).not.toContain(PASSWORD);
      expect(body, f).not.toContain(CODE);
    }
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(JSON.stringify(events)).not.toContain(CODE);
    expect(text).not.toContain(PASSWORD);
  });

  it('resumes a case at the same step after a restart', async () => {
    const a = await setup();
    const c = await a.h['cases.create']({ nvr: { label: 'NVR' } }, { host: 'test' });
    await a.h['cases.setEmail']({ caseId: c.id, email: 'o@example.com' }, { host: 'test' });
    const t2 = testContext(a.dataDir);
    const again = await setupCases(t2.ctx, { keychain: createMemoryKeychain(), notifyEveryMs: 3600_000 });
    expect((await again.handlers['cases.get']({ caseId: c.id }, { host: 'test' })).step).toBe('qr');
  });

  it('refuses bad input with clear messages (nothing stored)', async () => {
    const { h, dataDir } = await setup();
    const c = await h['cases.create']({ nvr: { label: 'NVR' } }, { host: 'test' });
    const ctx = { host: 'test' as const };
    await expectAppError(() => h['cases.setEmail']({ caseId: c.id, email: 'o@example.com\r\nBcc: x@y.z' }, ctx), 'bad-request', /control characters/);
    await expectAppError(() => h['cases.setQrText']({ caseId: c.id, qrText: 'z'.repeat(2_000_000), source: 'paste' }, ctx), 'bad-request', /Too long/);
    await expectAppError(() => h['cases.setQrText']({ caseId: c.id, qrText: 'a\u0007b', source: 'paste' }, ctx), 'bad-request', /control/);
    await expectAppError(() => h['cases.recordSent']({ caseId: c.id, via: 'clipboard' }, ctx), 'conflict', /QR text first/);
    await expectAppError(() => h['cases.recordCode']({ caseId: c.id, code: '12' }, ctx), 'bad-request', /8 characters/);
    await expectAppError(() => h['cases.setPassword']({ caseId: c.id, password: 'bad;pass 1' }, ctx), 'bad-request', /The new password contains ";", which the NVR's rule does not allow/);
    await expectAppError(() => h['cases.setPassword']({ caseId: c.id, password: 'Ab1'.repeat(334) }, ctx), 'bad-request', /has 1002 characters; the NVR's rule allows at most 32/);
    await expectAppError(() => h['cases.setPassword']({ caseId: c.id, password: 'Camera2024🔒' }, ctx), 'bad-request', /contains "🔒": only plain letters A–Z, digits and keyboard symbols/);
    await expectAppError(() => h['cases.get']({ caseId: 'case-nothere' }, ctx), 'not-found', /does not exist/);
    await expectAppError(() => h['cases.goto']({ caseId: c.id, step: 'password' }, ctx), 'conflict', /earlier steps/);
    expect(readFileSync(join(dataDir, 'cases.json'), 'utf8')).not.toMatch(/Bcc|bad;pass/);
  });

  it('keychain unavailable → the case goes on with the password in memory only; the truth is recorded, nothing on disk', async () => {
    const { h, dataDir } = await setup(false);
    const c = await h['cases.create']({ nvr: { label: 'NVR' } }, { host: 'test' });
    await h['cases.setEmail']({ caseId: c.id, email: 'o@example.com' }, { host: 'test' });
    await h['cases.setQrText']({ caseId: c.id, qrText: 'https://x/r?q=1', source: 'paste' }, { host: 'test' });
    await h['cases.recordSent']({ caseId: c.id, via: 'clipboard' }, { host: 'test' });
    await h['cases.recordCode']({ caseId: c.id, code: CODE }, { host: 'test' });
    await h['cases.recordAttempt']({ caseId: c.id, result: 'accepted' }, { host: 'test' });
    const after = await h['cases.setPassword']({ caseId: c.id, password: PASSWORD }, { host: 'test' });
    expect(after).toMatchObject({ step: 'sync', passwordInKeychain: false, passwordKept: 'session-memory' });
    expect((await h['cases.list'](undefined, { host: 'test' })).keychain.available).toBe(false);
    // Camera sync's own keychain client reads the session copy, with no Secret Service to ask.
    expect(await createKeytarKeychain(50).get(caseAccount(c.id))).toBe(PASSWORD);
    expect(await h['cases.revealPassword']({ caseId: c.id }, { host: 'test' })).toEqual({ password: PASSWORD });
    const done = await h['cases.recordSync']({ caseId: c.id, choice: 'save' }, { host: 'test' });
    expect(done.outcome).toBe('reset');
    const { text } = await h['cases.summary']({ caseId: c.id }, { host: 'test' });
    expect(text).toMatch(/reset done, password not stored/);
    expect(text).not.toContain(PASSWORD);
    for (const f of allFiles(dataDir)) expect(readFileSync(f, 'utf8')).not.toContain(PASSWORD);
  });

  it('after a restart a session-only password is gone, and reveal says so plainly', async () => {
    const t = testContext();
    const f = await setupCases(t.ctx, { keychain: createMemoryKeychain(false), notifyEveryMs: 3600_000 });
    const c = await f.handlers['cases.create']({ nvr: { label: 'NVR' } }, { host: 'test' });
    // A case file written by an earlier session of the app that kept the password in memory only.
    const { CaseStore } = await import('./store');
    new CaseStore(t.dataDir, () => 0).put({ ...c, passwordSetAt: 1, passwordKept: 'session-memory', step: 'sync' });
    const again = await setupCases(t.ctx, { keychain: createMemoryKeychain(false), notifyEveryMs: 3600_000 });
    await expectAppError(() => again.handlers['cases.revealPassword']({ caseId: c.id }, { host: 'test' }), 'not-found', /gone since the app restarted/);
    await f.dispose?.();
    await again.dispose?.();
  });

  it('expired code: refuses attempts and newQr leads back to the QR step', async () => {
    const { h, ctx, notifications } = await setup();
    const c = await h['cases.create']({ nvr: { label: 'Shop NVR' } }, { host: 'test' });
    await h['cases.setEmail']({ caseId: c.id, email: 'o@example.com' }, { host: 'test' });
    await h['cases.setQrText']({ caseId: c.id, qrText: 'https://x/r?q=1', source: 'paste' }, { host: 'test' });
    await h['cases.recordSent']({ caseId: c.id, via: 'phone-qr' }, { host: 'test' });
    await h['cases.recordCode']({ caseId: c.id, code: CODE }, { host: 'test' });
    ctx.clock.advance(22.5 * HOUR);
    expect(await h['cases.checkDeadlines'](undefined, { host: 'test' })).toEqual({ fired: 1 });
    expect(notifications[0]!.title).toMatch(/expires soon/);
    expect(await h['cases.checkDeadlines'](undefined, { host: 'test' })).toEqual({ fired: 0 });
    ctx.clock.advance(2 * HOUR);
    await expectAppError(() => h['cases.recordAttempt']({ caseId: c.id, result: 'accepted' }, { host: 'test' }), 'conflict', /expired/);
    const back = await h['cases.newQr']({ caseId: c.id }, { host: 'test' });
    expect(back).toMatchObject({ step: 'qr', qrNumber: 1, codesForQr: 0 });
    expect(back.codeReceivedAt).toBeUndefined();
    const second = await h['cases.setQrText']({ caseId: c.id, qrText: 'https://x/r?q=2', source: 'paste' }, { host: 'test' });
    expect(second.qrNumber).toBe(2);
  });

  it('store problems are reported as app.notice on start', async () => {
    const t = testContext();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(t.dataDir, 'cases.json'), '{"version":1,"cases":[{"id":');
    const f = await setupCases(t.ctx, { keychain: createMemoryKeychain(), notifyEveryMs: 3600_000 });
    await f.start?.();
    expect(t.events.find((e) => e.name === 'app.notice')?.payload).toMatchObject({ level: 'error', message: expect.stringMatching(/moved aside/) });
    expect((await f.handlers['cases.list'](undefined, { host: 'test' })).storeProblems).toHaveLength(1);
    await f.dispose?.();
  });

  it('one NVR, one open case: a second case for it (another identity form, after a restart) is refused unless asked for', async () => {
    const a = await setup();
    const first = await a.h['cases.create']({ nvr: { label: 'NV4108', deviceId: 'mac:3c:ef:8c:00:00:10', mac: '3c:ef:8c:00:00:10', serial: '7M0ABC' } }, { host: 'test' });
    // The app restarts; this time DHIP answered first, so the same NVR's row is sn:… and its MAC is spelled in capitals.
    const t2 = testContext(a.dataDir);
    const again = await setupCases(t2.ctx, { keychain: createMemoryKeychain(), notifyEveryMs: 3600_000 });
    const sameNvr = { label: 'NV4108', deviceId: 'sn:7M0ABC', serial: '7m0abc', mac: '3C:EF:8C:00:00:10' };
    const err = await Promise.resolve().then(() => again.handlers['cases.create']({ nvr: sameNvr }, { host: 'test' })).then(() => undefined, (e: unknown) => e as AppError);
    expect(err).toBeInstanceOf(AppError);
    expect(err!.code).toBe('conflict');
    expect(err!.params).toMatchObject({ duplicateCaseId: first.id, step: 'forgot' });
    expect((await again.handlers['cases.list'](undefined, { host: 'test' })).cases).toHaveLength(1);
    // Another NVR is not a duplicate; the same one with `anyway` is allowed (the technician said so).
    await again.handlers['cases.create']({ nvr: { label: 'Other', serial: 'OTHER1' } }, { host: 'test' });
    await again.handlers['cases.create']({ nvr: sameNvr, anyway: true }, { host: 'test' });
    expect((await again.handlers['cases.list'](undefined, { host: 'test' })).cases).toHaveLength(3);
    await again.dispose?.();
  });

  it('closing a case without a reset can be undone: reopen resumes at the step it was closed from', async () => {
    const { h } = await setup();
    const ctx = { host: 'test' as const };
    const c = await h['cases.create']({ nvr: { label: 'NVR', serial: 'S1' } }, ctx);
    await h['cases.setEmail']({ caseId: c.id, email: 'o@example.com' }, ctx);
    const closed = await h['cases.abandon']({ caseId: c.id }, ctx);
    expect(closed).toMatchObject({ step: 'done', outcome: 'abandoned', closedFromStep: 'qr' });
    // While it is closed another case for the NVR may open; then reopening the first would make two.
    const other = await h['cases.create']({ nvr: { label: 'NVR', serial: 'S1' } }, ctx);
    await expectAppError(() => h['cases.reopen']({ caseId: c.id }, ctx), 'conflict', /already open/);
    await h['cases.abandon']({ caseId: other.id }, ctx);
    const back = await h['cases.reopen']({ caseId: c.id }, ctx);
    expect(back).toMatchObject({ step: 'qr', email: 'o@example.com' });
    expect(back.outcome).toBeUndefined();
    expect(back.doneAt).toBeUndefined();
    expect(back.history.map((x) => x.what)).toEqual(expect.arrayContaining(['case closed without a reset', 'case reopened']));
    await expectAppError(() => h['cases.reopen']({ caseId: c.id }, ctx), 'conflict', /is open/);
  });

  it('the keychain lost the password (the demo keychain ended): reveal says to type it again, and it is kept again', async () => {
    const { h, keychain } = await setup();
    const ctx = { host: 'test' as const };
    const c = await h['cases.create']({ nvr: { label: 'NVR' } }, ctx);
    await expectAppError(() => h['cases.rememberPassword']({ caseId: c.id, password: PASSWORD }, ctx), 'conflict', /no new password yet/);
    await h['cases.setEmail']({ caseId: c.id, email: 'o@example.com' }, ctx);
    await h['cases.setQrText']({ caseId: c.id, qrText: 'https://x/r?q=1', source: 'paste' }, ctx);
    await h['cases.recordSent']({ caseId: c.id, via: 'clipboard' }, ctx);
    await h['cases.recordCode']({ caseId: c.id, code: CODE }, ctx);
    await h['cases.recordAttempt']({ caseId: c.id, result: 'accepted' }, ctx);
    await h['cases.setPassword']({ caseId: c.id, password: PASSWORD }, ctx);
    await h['cases.recordSync']({ caseId: c.id, choice: 'save' }, ctx);
    keychain.entries.clear();
    const err = await Promise.resolve().then(() => h['cases.revealPassword']({ caseId: c.id }, ctx)).then(() => undefined, (e: unknown) => e as AppError);
    expect(err?.message).toMatch(/no longer holds this password.*Type the new password again to keep it for the hand-over/);
    expect(err?.params).toEqual({ retype: true });
    await expectAppError(() => h['cases.rememberPassword']({ caseId: c.id, password: 'bad;pass1' }, ctx), 'bad-request', /contains ";", which the NVR's rule does not allow/);
    const kept = await h['cases.rememberPassword']({ caseId: c.id, password: PASSWORD }, ctx);
    expect(kept).toMatchObject({ step: 'done', passwordInKeychain: true, passwordKept: 'keychain' });
    expect(await h['cases.revealPassword']({ caseId: c.id }, ctx)).toEqual({ password: PASSWORD });
  });

  it('says which keychain holds passwords: the OS one, none', async () => {
    expect((await (await setup(true)).h['cases.list'](undefined, { host: 'test' })).keychain.kind).toBe('os');
    expect((await (await setup(false)).h['cases.list'](undefined, { host: 'test' })).keychain.kind).toBe('none');
  });
});
