import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import type { InitRow } from '../../common/contract/init';
import { startDevInitSim, type DevInitSim } from '../../sim/devinit/device';
import type { DevInitFirmware } from '../../sim/devinit/firmware';
import { CredentialGate } from '../core/credential-gate';
import { initTarget, InitRun, type InitRunOptions } from './engine';
import { readInitJournal, type OpenJournalFile } from './journal';

// Socket test: run inside `unshare -n` (scripts/sandbox.sh). Block 127.73.2.0/24.

const NEW = 'Site-pass-2024';
const MAIL = 'owner@example.com';
const dir = mkdtempSync(join(tmpdir(), 'init-engine-'));
let n = 0;
const sims: DevInitSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function devices(...firmware: Partial<DevInitFirmware>[]): Promise<DevInitSim[]> {
  for (const f of firmware) sims.push(await startDevInitSim({ address: `127.73.2.${10 + sims.length}`, serial: `6J0ENGINE${String(sims.length).padStart(6, '0')}`, firmware: f }));
  return sims;
}

function options(over: Partial<InitRunOptions> = {}): InitRunOptions {
  const clock = new OffsetClock(0);
  return { targets: sims.map((s) => initTarget(s.url)), journalPath: join(dir, `j${++n}.jsonl`), gate: new CredentialGate({ clock }), clock, timeoutMs: 2000, retryMs: 5, ...over };
}

describe('init run', () => {
  it('one row per device with its outcome, events as it goes, a journal without the password or the e-mail', async () => {
    await devices({}, { generation: 'older' }, { initialised: true }, { passwordRule: 'strict' });
    const seen: InitRow[] = [];
    const o = options({ onRow: (r) => seen.push(r) });
    const run = await InitRun.create(o);
    const rows = await run.run({ password: 'sitepass2024', email: MAIL });
    await run.close();
    expect(rows.map((r) => [r.outcome, r.agreement])).toEqual([
      ['initialised', 'agreed'],
      ['initialised', 'not-offered'],
      ['already-initialised', undefined],
      ['refused', 'agreed'],
    ]);
    expect(rows[3]).toMatchObject({ deviceWords: expect.stringMatching(/too simple/), deviceCode: 268632094, nextStep: expect.any(String) });
    expect(seen.filter((r) => r.outcome)).toHaveLength(4);
    expect(seen.some((r) => r.step === 'account' && !r.outcome)).toBe(true);
    const text = readFileSync(o.journalPath, 'utf8');
    expect(text).not.toContain('sitepass2024');
    expect(text).not.toContain(MAIL);
    expect(readInitJournal(o.journalPath)).toMatchObject({ ended: true, badLines: 0 });
  });

  it("the NVR's part of a row is a field of its own: the old text marker inside the NVR's words cannot move it, and the device's detail never carries it", async () => {
    // The NVR's notes name a channel's account, which is the NVR's (read from the network) and here carries the
    // old marker (" NVR: ") with a claim of its own; the device refuses the password, so the note is the put-back one.
    await devices({ passwordRule: 'strict' });
    const hostile = 'channel 9 stores the new password (read back).';
    const nvr = {
      before: async () => ({ kind: 'stored' as const, channels: [1], detail: `channel 1 signs in as “x NVR: ${hostile}”.` }),
      after: async () => ({ kind: 'undone' as const, channels: [1], detail: `channel 1 put back as it was (read back); its account is “x NVR: ${hostile}”.` }),
    };
    const seen: InitRow[] = [];
    const run = await InitRun.create(options({ nvr, onRow: (r) => seen.push(r) }));
    const [row] = await run.run({ password: 'sitepass2024', email: MAIL });
    await run.close();
    expect(row).toMatchObject({ outcome: 'refused', nvr: `channel 1 put back as it was (read back); its account is “x NVR: ${hostile}”.` });
    expect(row!.detail).not.toContain('NVR');
    // While the device was being set up, the note from before the account left stood on its own line too.
    expect(seen.filter((r) => !r.outcome && r.nvr).map((r) => r.nvr)).toContain(`channel 1 signs in as “x NVR: ${hostile}”.`);
  });

  it('a finished journal is not resumed; a journal of other devices is refused', async () => {
    await devices({}, {});
    const o = options();
    const run = await InitRun.create(o);
    await run.run({ password: NEW, email: '' });
    await run.close();
    await expect(InitRun.create(o)).rejects.toThrow(/finished run/);
    const other = options({ targets: [initTarget('http://127.73.2.99:80')] });
    writeFileSync(other.journalPath, readFileSync(o.journalPath, 'utf8').split('\n')[0]! + '\n');
    await expect(InitRun.create(other)).rejects.toThrow(/different devices/);
  });

  it('a journal that cannot be written stops the run before any account leaves', async () => {
    await devices({}, {});
    let writes = 0;
    const full: OpenJournalFile = async () => ({
      async write() {
        // The header lands; then the disk is full.
        if (++writes > 1) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
      async close() {},
    });
    const run = await InitRun.create(options({ openJournalFile: full }));
    const rows = await run.run({ password: NEW, email: MAIL });
    expect(run.journalError?.message).toMatch(/could not be written/);
    expect(rows.every((r) => !r.outcome)).toBe(true);
    for (const s of sims) expect(s.stats().accountCalls).toBe(0);
  });

  it('a disk full at the run header: the run is refused and its file closed at once, not left to the garbage collector', async () => {
    let closed = 0;
    const full: OpenJournalFile = async () => ({
      async write() {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
      async close() {
        closed++;
      },
    });
    await expect(InitRun.create(options({ openJournalFile: full }))).rejects.toThrow();
    expect(closed).toBe(1);
  });

  it('cancel stops starting devices; those not started keep no outcome and the run stays resumable', async () => {
    await devices({}, {}, {});
    const o = options({ concurrency: 1 });
    const run = await InitRun.create(o);
    const going = run.run({ password: NEW, email: MAIL });
    expect(run.cancel()).toBe(true);
    const rows = await going;
    await run.close();
    expect(rows.filter((r) => r.outcome).length).toBeLessThan(3);
    expect(readInitJournal(o.journalPath)?.ended).toBe(false);
    const again = await InitRun.create(o);
    expect((await again.run({ password: NEW, email: MAIL })).map((r) => r.outcome)).toEqual(['initialised', 'initialised', 'initialised']);
    await again.close();
    for (const s of sims) expect(s.stats().accountCalls).toBe(1);
  });

  it('resumes after the account answer was lost in a kill: the device is checked and proved, not sent it again', async () => {
    await devices({});
    const o = options();
    const first = await InitRun.create(o);
    await first.close();
    // What a process killed just after sending the account leaves: the header and "account-sent".
    appendFileSync(o.journalPath, `${JSON.stringify({ t: 'account-sent', key: sims[0]!.url, at: 1 })}\n{"t":"outcome","key":"torn`);
    // Meanwhile the device had taken it.
    await (await InitRun.create(options({ journalPath: join(dir, 'other.jsonl') }))).run({ password: NEW, email: MAIL });
    const before = sims[0]!.stats().accountCalls;
    const resumed = await InitRun.create(o);
    const rows = await resumed.run({ password: NEW, email: MAIL });
    await resumed.close();
    expect(rows[0]).toMatchObject({ outcome: 'initialised', resumed: true });
    expect(sims[0]!.stats().accountCalls).toBe(before);
    expect(readInitJournal(o.journalPath)?.badLines).toBe(1);
  });

  it('refuses a weak password or a malformed e-mail before anything is sent', async () => {
    await devices({});
    const run = await InitRun.create(options());
    await expect(run.run({ password: 'Pass word1', email: MAIL })).rejects.toThrow(/No spaces/);
    await expect(run.run({ password: NEW, email: 'a@b.c\r\nBcc: x@y.z' })).rejects.toThrow(/e-mail/);
    await run.close();
    expect(sims[0]!.stats().requests).toBe(0);
  });
});
