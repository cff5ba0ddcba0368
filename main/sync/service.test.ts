import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls } from '../../common/contract';
import { parseCsv } from '../../common/sync/report';
import { createMemoryKeychain } from '../core/keychain';
import { testContext } from '../../test/support/test-context';
import { FakeDevice, fakeFactory } from '../../test/support/fake-device';
import { setupSync } from './service';
import { until } from '../../test/support/until';

const OLD = 'Old-pass-123';
const NEW = 'New-pass-456';


function setup() {
  const { ctx, events, dataDir } = testContext();
  const devices = new Map([
    ['http://127.0.0.11:1/a', new FakeDevice(OLD)],
    ['http://127.0.0.12:1/b', new FakeDevice(OLD, undefined, { unreachable: true })],
    ['http://127.0.0.13:1/c', new FakeDevice(OLD, undefined, { fault: 'PasswordTooWeak' })],
  ]);
  const keychain = createMemoryKeychain();
  return { ctx, events, dataDir, devices, keychain, targets: [...devices.keys()].map((xaddr) => ({ xaddr, username: 'admin' })) };
}

describe('sync service: a run, its progress, reports and retry', () => {
  it('runs, streams progress, reports without secrets, and retries only failed devices', async () => {
    const s = setup();
    const f = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const input = calls['sync.start'].input.parse({ targets: s.targets, currentPasswords: [OLD], newPassword: NEW });
    const { runId } = await f.handlers['sync.start'](input, { host: 'test' });
    await until(() => s.events.find((e) => e.name === 'sync.finished'), 'sync.finished');
    expect(s.events.some((e) => e.name === 'sync.progress')).toBe(true);
    const st = (await f.handlers['sync.status'](undefined, { host: 'test' }))!;
    expect(st.runId).toBe(runId);
    expect(st.rows.map((r) => r.outcome), JSON.stringify(st.rows[2])).toEqual(['updated', 'unreachable', 'rejected']);
    // Only the camera that proved the new password lends it to the inventory.
    expect(s.ctx.credentials.get('http://127.0.0.11:1/a')).toEqual({ username: 'admin', password: NEW });
    expect(s.ctx.credentials.get('http://127.0.0.12:1/b')).toBeUndefined();
    expect(s.ctx.credentials.get('http://127.0.0.13:1/c')).toBeUndefined();

    const csv = await f.handlers['sync.report']({ format: 'csv' }, { host: 'test' });
    const parsed = parseCsv(csv.content);
    expect(parsed.slice(1).map((r) => r[3])).toEqual(['updated', 'unreachable', 'rejected']);
    for (const fmt of ['csv', 'json', 'html'] as const) {
      const r = await f.handlers['sync.report']({ format: fmt }, { host: 'test' });
      expect(r.content).not.toContain(NEW);
      expect(r.content).not.toContain(OLD);
    }

    s.devices.get('http://127.0.0.12:1/b')!.b.unreachable = false;
    const before = s.devices.get('http://127.0.0.11:1/a')!.requests;
    // The camera that refused the password under its own rule is not sent the same one again.
    const retry = await f.handlers['sync.retryFailed'](undefined, { host: 'test' });
    expect(retry.retried).toBe(1);
    await until(() => s.events.filter((e) => e.name === 'sync.finished').length === 2, 'sync.finished #2');
    const after = (await f.handlers['sync.status']({ runId }, { host: 'test' }))!;
    expect(after.rows.map((r) => r.outcome)).toEqual(['updated', 'updated', 'rejected']);
    expect(s.devices.get('http://127.0.0.11:1/a')!.requests).toBe(before);
    const setUsers = s.devices.get('http://127.0.0.13:1/c')!.setUserCount;
    expect(() => f.handlers['sync.retryFailed'](undefined, { host: 'test' })).toThrow(/refused this new password under its own rule: enter another new password/);
    expect(s.devices.get('http://127.0.0.13:1/c')!.setUserCount).toBe(setUsers);
    // Another new password: only that camera gets it; the others keep the run's, and each is remembered for its own.
    s.devices.get('http://127.0.0.13:1/c')!.b.fault = undefined;
    expect(() => f.handlers['sync.retryFailed']({ newPassword: 'Bad;pass-7' }, { host: 'test' })).toThrow(/contains ";"/);
    expect((await f.handlers['sync.retryFailed']({ newPassword: 'Another-pass-7' }, { host: 'test' })).retried).toBe(1);
    await until(() => s.events.filter((e) => e.name === 'sync.finished').length === 3, 'sync.finished #3');
    expect(s.devices.get('http://127.0.0.13:1/c')!.setUserCount).toBe(setUsers + 1);
    expect(s.devices.get('http://127.0.0.13:1/c')!.password).toBe('Another-pass-7');
    expect(s.ctx.credentials.get('http://127.0.0.13:1/c')).toEqual({ username: 'admin', password: 'Another-pass-7' });
    expect(s.ctx.credentials.get('http://127.0.0.11:1/a')).toEqual({ username: 'admin', password: NEW });
    expect((await f.handlers['sync.status']({ runId }, { host: 'test' }))!.rows.map((r) => r.outcome)).toEqual(['updated', 'updated', 'updated']);

    // Nothing on disk or in events holds a password.
    const everything = [
      JSON.stringify(s.events),
      ...readdirSync(join(s.dataDir, 'sync')).map((f) => readFileSync(join(s.dataDir, 'sync', f), 'utf8')),
      readFileSync(join(s.dataDir, 'logs', 'app.log'), 'utf8'),
    ].join('\n');
    for (const p of [NEW, OLD, 'Another-pass-7']) expect(everything).not.toContain(p);
    const runs = await f.handlers['sync.runs'](undefined, { host: 'test' });
    expect(runs[0]).toMatchObject({ runId, devices: 3, succeeded: 3, failed: 0 });
    await f.dispose?.();
  });
});

describe("sync service: resume after a kill, and a reset case's password", () => {
  it('resumes a run the app was killed in: finished cameras are not repeated', async () => {
    const s = setup();
    const f = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const input = calls['sync.start'].input.parse({ targets: s.targets, currentPasswords: [OLD], newPassword: NEW });
    const { runId } = await f.handlers['sync.start'](input, { host: 'test' });
    await until(() => s.events.find((e) => e.name === 'sync.finished'), 'sync.finished');
    await f.dispose?.();
    // Make the journal look like the app died before the last camera's outcome and the end record.
    const path = join(s.dataDir, 'sync', `${runId}.jsonl`);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const lastKey = `${s.targets[2]!.xaddr} admin`;
    writeFileSync(path, lines.filter((l) => !l.includes('"t":"end"') && !(l.includes('"t":"outcome"') && l.includes(lastKey))).join('\n') + '\n');
    const requestsA = s.devices.get(s.targets[0]!.xaddr)!.requests;

    const again = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const resumed = await again.handlers['sync.start'](input, { host: 'test' });
    expect(resumed.runId).toBe(runId);
    await until(() => s.events.filter((e) => e.name === 'sync.finished').length === 2, 'sync.finished #2');
    const st = (await again.handlers['sync.status']({}, { host: 'test' }))!;
    expect(st.rows.map((r) => r.outcome), JSON.stringify(st.rows[2])).toEqual(['updated', 'unreachable', 'rejected']);
    expect(s.devices.get(s.targets[0]!.xaddr)!.requests).toBe(requestsA);
    // A finished run is not resumed: the same targets start a new one.
    const fresh = await again.handlers['sync.start'](input, { host: 'test' });
    expect(fresh.runId).not.toBe(runId);
    await until(() => s.events.filter((e) => e.name === 'sync.finished').length === 3, 'sync.finished #3');
    await again.dispose?.();
  });

  it('takes the new password from a reset case in the keychain', async () => {
    const s = setup();
    await s.keychain.set('case:c-1', NEW);
    const f = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const input = calls['sync.start'].input.parse({ targets: s.targets.slice(0, 1), currentPasswords: [OLD], caseId: 'c-1' });
    await f.handlers['sync.start'](input, { host: 'test' });
    await until(() => s.events.find((e) => e.name === 'sync.finished'), 'sync.finished');
    expect(s.devices.get('http://127.0.0.11:1/a')!.password).toBe(NEW);
    const missing = calls['sync.start'].input.parse({ targets: s.targets.slice(0, 1), currentPasswords: [OLD], caseId: 'nope' });
    await expect(f.handlers['sync.start'](missing, { host: 'test' })).rejects.toThrow(/No new password/);
    expect(calls['sync.start'].input.safeParse({ targets: s.targets, currentPasswords: [OLD] }).success).toBe(false);
    await f.dispose?.();
  });
});

describe('sync report as PDF', () => {
  it('goes through the host’s printToPdf where there is one, and is refused clearly where not', async () => {
    const s = setup();
    const printed: string[] = [];
    const printToPdf = async (html: string) => {
      printed.push(html);
      return new TextEncoder().encode('%PDF-1.7 fake');
    };
    const withPdf = { ...s.ctx, host: { ...s.ctx.host, printToPdf } };
    const f = await setupSync(withPdf, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    await f.handlers['sync.start']({ targets: s.targets, currentPasswords: [OLD], newPassword: NEW }, { host: 'test' });
    await until(() => s.events.find((e) => e.name === 'sync.finished'), 'sync.finished');
    const pdf = await f.handlers['sync.report']({ format: 'pdf' }, { host: 'test' });
    expect(pdf).toMatchObject({ mime: 'application/pdf', encoding: 'base64' });
    expect(Buffer.from(pdf.content, 'base64').toString()).toBe('%PDF-1.7 fake');
    expect(printed[0]).toMatch(/Camera password sync report/);
    expect(printed[0]).not.toContain(NEW);

    // A run that closed the loop: the page printed to PDF carries the site summary and the channel table.
    const run = await f.openRun(s.targets.slice(0, 1), { currentPasswords: [OLD], newPassword: NEW });
    await run.change(run.pendingKeys());
    await run.finish([
      { channel: 1, address: '127.0.0.11', outcome: 'recording', detail: 'Connected with the new password.' },
      { channel: 2, address: '10.1.1.2', outcome: 'not-reachable-from-laptop', detail: 'Behind the NVR.' },
    ]);
    printed.length = 0;
    await f.handlers['sync.report']({ runId: run.runId, format: 'pdf' }, { host: 'test' });
    expect(printed[0]).toContain('NVR channels: 1 of 2 channels recording with the new password');
    expect(printed[0]).toMatch(/<table aria-label="NVR channels">[\s\S]*10\.1\.1\.2[\s\S]*<\/table>/);
    expect(printed[0]).not.toContain(NEW);
    await f.dispose?.();

    const g = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain });
    await g.handlers['sync.start']({ targets: s.targets, currentPasswords: [OLD], newPassword: NEW }, { host: 'test' });
    await expect(g.handlers['sync.report']({ format: 'pdf' }, { host: 'test' })).rejects.toThrow(/PDF export needs the desktop app/);
  });
});

describe("sync service: the app's one gate, and the password rule", () => {
  it('uses the app\'s one gate: a failure another feature spent on a camera counts against the sync, and the run journals it', async () => {
    const s = setup();
    // Discovery enrichment (or any feature) already spent one refused sign-in on camera a.
    await s.ctx.gate.withDevice('http://127.0.0.11:1/a', async (l) => void l.recordFailure());
    s.devices.get('http://127.0.0.11:1/a')!.password = 'Somebody-else-1';
    const f = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain, engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const input = calls['sync.start'].input.parse({ targets: s.targets.slice(0, 1), currentPasswords: [OLD, 'Wrong-2x', 'Wrong-3x'], newPassword: NEW });
    const started = await f.handlers['sync.start'](input, { host: 'test' });
    // Said before the run: three passwords, two refusals per camera.
    expect(started.warnings?.[0]).toMatch(/password 3 may go untried/);
    await until(() => s.events.find((e) => e.name === 'sync.finished'), 'sync.finished');
    const st = (await f.handlers['sync.status']({}, { host: 'test' }))!;
    expect(st.rows[0]).toMatchObject({ outcome: 'auth-failed', failedAuths: 2 });
    expect(s.devices.get('http://127.0.0.11:1/a')!.failedAuths).toBe(1); // the budget of 2 held, across features
    expect(st.warnings?.[0]).toMatch(/untried/);
    await f.dispose?.();
  });

  it('refuses a new password with & < > before any camera is touched, and lists runs with corrupt journals in the folder', async () => {
    const s = setup();
    const f = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain });
    const input = calls['sync.start'].input.parse({ targets: s.targets, currentPasswords: [OLD], newPassword: 'Site;2024' });
    await expect(f.handlers['sync.start'](input, { host: 'test' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/contains ";"/) });
    expect([...s.devices.values()].every((d) => d.requests === 0)).toBe(true);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(s.dataDir, 'sync'), { recursive: true });
    writeFileSync(join(s.dataDir, 'sync', 'broken.jsonl'), 'null\n{"t":"retry","keys":5}\n');
    const again = await setupSync(s.ctx, { clientFactory: fakeFactory(s.devices), keychain: s.keychain });
    expect(await again.handlers['sync.runs'](undefined, { host: 'test' })).toEqual([]);
    expect(readdirSync(join(s.dataDir, 'sync')).some((n) => n.startsWith('broken.jsonl.bad-'))).toBe(true);
    await f.dispose?.();
    await again.dispose?.();
  });
});
