import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { runSync } from './engine';
import { gateRecordsOf, Journal, JournalWriteError, LATE_BY_UNKNOWN_MS, LAZY_FLUSH_MS, parseJournal, readJournal, type JournalFile, type JournalRecord } from './journal';
import { JournalIndex } from './journal-index';
import { FakeDevice, fakeFactory } from '../../test/support/fake-device';

const OLD = 'Old-pass-1';
const NEW = 'New-pass-22';
const X = 'http://cam/onvif/device_service';
const KEY = `${X} admin`;
const header = JSON.stringify({ t: 'run', v: 2, runId: 'r1', startedAt: 1, maxFailedAuths: 2, concurrency: 4, targets: [{ xaddr: X, username: 'admin' }] });

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'sync-journal-'));
}

const wrong: [string, string][] = [
  ['null', 'null'],
  ['a number', '5'],
  ['a string', '"outcome"'],
  ['an array', '[{"t":"end","at":1}]'],
  ['an empty object', '{}'],
  ['an unknown record type', '{"t":"reboot","at":1}'],
  ['retry with keys not a list', '{"t":"retry","keys":5}'],
  ['retry without a time', `{"t":"retry","keys":["${KEY}"]}`],
  ['outcome with a null row', `{"t":"outcome","key":"${KEY}","row":null}`],
  ['outcome with a row of the wrong shape', `{"t":"outcome","key":"${KEY}","row":{"outcome":"exploded"}}`],
  ['try without a key', '{"t":"try","at":1}'],
  ['lock with a text time', `{"t":"lock","key":"${KEY}","until":"soon"}`],
  ['gate record of the wrong kind', '{"t":"gate","rec":{"t":"spend","device":"cam","at":1}}'],
  ['setuser-sent with a negative candidate', `{"t":"setuser-sent","key":"${KEY}","at":1,"candidate":-1}`],
  ['a second run header with targets not a list', '{"t":"run","v":2,"runId":"x","startedAt":1,"maxFailedAuths":2,"concurrency":4,"targets":"all"}'],
  ['a torn line (crash mid-write)', '{"t":"try","key":"ht'],
  ['binary noise', '\u0000\u0001\uFFFD'],
];

describe('journal lines of every wrong shape', () => {
  it.each(wrong)('%s is skipped and counted; the valid records around it still count', (_name, line) => {
    const text = [header, `{"t":"setuser-sent","key":"${KEY}","at":2,"candidate":0}`, line, `{"t":"gate","rec":{"t":"fail","device":"cam","at":3}}`].join('\n') + '\n';
    const s = parseJournal(text)!;
    expect(s.runId).toBe('r1');
    expect(s.badLines).toBe(1);
    expect(s.setUserPending.has(KEY)).toBe(true);
    expect(gateRecordsOf(s)).toEqual([{ t: 'fail', device: 'cam', at: 3 }]);
  });

  it('a new password refused right after SetUser marks the camera late for its other accounts; a known password is journalled by position only', () => {
    const lines = (verify: boolean) =>
      [header, `{"t":"setuser-sent","key":"${KEY}","at":2,"known":0}`, `{"t":"setuser-answered","key":"${KEY}","at":2}`, `{"t":"try","key":"${KEY}","device":"cam","at":3${verify ? ',"verify":true' : ''}}`, `{"t":"gate","rec":{"t":"fail","device":"cam","at":4}}`].join('\n') + '\n';
    const late = parseJournal(lines(true))!;
    expect(late.applyDelay.get('cam')).toBe(LATE_BY_UNKNOWN_MS);
    expect(late.replaced.get(KEY)).toEqual({ kind: 'known', index: 0 });
    // A wrong password refused before any SetUser says nothing about how late the camera applies one.
    expect(parseJournal(lines(false))!.applyDelay.has('cam')).toBe(false);
  });

  it('killed during the new password\'s check (an unanswered verify try): not counted as a refusal, but the camera gets the whole late window before the next ask', () => {
    const text = (verifyAnswered: boolean) =>
      [header, `{"t":"setuser-sent","key":"${KEY}","at":2}`, `{"t":"setuser-answered","key":"${KEY}","at":2}`, `{"t":"try","key":"${KEY}","device":"cam","at":3,"verify":true}`, ...(verifyAnswered ? [`{"t":"settled","key":"${KEY}"}`] : [])].join('\n') + '\n';
    const killed = parseJournal(text(false))!;
    expect(gateRecordsOf(killed)).toEqual([]);
    expect(killed.applyDelay.get('cam')).toBe(LATE_BY_UNKNOWN_MS);
    // Answered (accepted): nothing to wait for.
    expect(parseJournal(text(true))!.applyDelay.has('cam')).toBe(false);
    // After a SetUser that never got its answer (the kill may have come before it left), the check counts.
    const unanswered = [header, `{"t":"setuser-sent","key":"${KEY}","at":2}`, `{"t":"try","key":"${KEY}","device":"cam","at":3,"verify":true}`].join('\n') + '\n';
    expect(gateRecordsOf(parseJournal(unanswered)!)).toEqual([{ t: 'fail', device: 'cam', at: 3 }]);
  });

  // Seen in the kill -9 test (seed 645901, run 7): an uncounted first check on a late camera that refused it, then
  // the installer's check killed twice before its SetUser left, each counted: three refusals against a budget of 2.
  it('killed during a first check while another account of the camera waits: counted; once the camera had its time, or with none waiting: not', () => {
    const INSTALLER = `${X} installer`;
    const twoAccounts = JSON.stringify({ t: 'run', v: 2, runId: 'r1', startedAt: 1, maxFailedAuths: 2, concurrency: 4, targets: [{ xaddr: X, username: 'admin' }, { xaddr: X, username: 'installer' }] });
    const installerDone = `{"t":"outcome","key":"${INSTALLER}","row":{"key":"${INSTALLER}","xaddr":"${X}","username":"installer","step":"done","outcome":"updated","detail":"d","nextStep":"n","attempts":1,"failedAuths":0,"ms":1}}`;
    const text = (o: { afterWindow?: boolean; before?: string[]; resumedTry?: boolean }) =>
      [
        twoAccounts,
        ...(o.before ?? []),
        `{"t":"setuser-sent","key":"${KEY}","at":2}`,
        `{"t":"setuser-answered","key":"${KEY}","at":2}`,
        `{"t":"try","key":"${KEY}","device":"cam","at":3,"verify":true${o.afterWindow ? ',"afterWindow":true' : ''}}`,
        // The resumed process's first try on the camera closes the killed one (counted or not, for good).
        ...(o.resumedTry ? [`{"t":"try","key":"${INSTALLER}","device":"cam","at":5}`, `{"t":"settled","key":"${INSTALLER}"}`] : []),
      ].join('\n') + '\n';
    const spends = (o: Parameters<typeof text>[0]) => gateRecordsOf(parseJournal(text(o))!);
    expect(spends({})).toEqual([{ t: 'fail', device: 'cam', at: 3 }]);
    expect(spends({ resumedTry: true })).toEqual([{ t: 'fail', device: 'cam', at: 3 }]);
    expect(parseJournal(text({}))!.applyDelay.get('cam')).toBe(LATE_BY_UNKNOWN_MS);
    expect(spends({ afterWindow: true })).toEqual([]);
    expect(spends({ afterWindow: true, resumedTry: true })).toEqual([]);
    expect(spends({ before: [installerDone] })).toEqual([]);
  });

  it('property: any garbage between valid records never throws and never loses a valid record', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.json(), fc.constant('{"t":"end"}')), { maxLength: 20 }), (junk) => {
        const text = [header, ...junk.map((j) => j.replace(/\n/g, ' ')), `{"t":"outcome","key":"${KEY}","row":{"key":"${KEY}","xaddr":"${X}","username":"admin","step":"done","outcome":"updated","detail":"d","nextStep":"n","attempts":1,"failedAuths":0,"ms":1}}`].join('\n');
        const s = parseJournal(text);
        expect(s?.outcomes.get(KEY)?.outcome).toBe('updated');
      }),
    );
  });
});

describe("journal files that are not journals, and the app's index of them", () => {
  it('a file without a valid run header is moved aside, like a broken cases.json', () => {
    const d = dir();
    const path = join(d, 'run.jsonl');
    writeFileSync(path, 'null\n{"t":"retry","keys":5}\n');
    expect(readJournal(path, 1234)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(join(d, 'run.jsonl.bad-1234'), 'utf8')).toContain('retry');
  });

  it('the app index reads a folder with corrupt journals without failing, reports bad lines, and lists the good runs', () => {
    const d = dir();
    writeFileSync(join(d, 'a.jsonl'), `${header}\nnull\n{"t":"retry","keys":5}\n`);
    writeFileSync(join(d, 'b.jsonl'), 'null\n');
    writeFileSync(join(d, 'c.jsonl'), '');
    const bad: [string, number][] = [];
    const index = new JournalIndex(d, (p, n) => bad.push([p, n]));
    expect(index.summaries()).toEqual([{ runId: 'r1', startedAt: 1, devices: 1, succeeded: 0, failed: 0 }]);
    expect(bad).toEqual([[join(d, 'a.jsonl'), 2]]);
    expect(readdirSync(d).some((f) => f.startsWith('b.jsonl.bad-'))).toBe(true);
    expect(index.findUnfinished([KEY])).toEqual({ runId: 'r1', path: join(d, 'a.jsonl') });
  });
});

/** A journal file that fails like a full disk once `okWrites` writes went through. */
function diskFullAfter(okWrites: number, code = 'ENOSPC') {
  let writes = 0;
  const written: string[] = [];
  const open = async (): Promise<JournalFile> => ({
    write(data: string) {
      if (++writes > okWrites) throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
      written.push(data);
    },
    async sync() {},
    async close() {},
  });
  return { open, writes: () => writes, text: () => written.join('') };
}

describe('journal write failure (disk full, I/O error)', () => {
  it.each(['ENOSPC', 'EIO', 'EROFS'])('%s at every point of a run: it stops cleanly, every target has a row, no SetUser without its line, nothing unhandled', async (code) => {
    for (let okWrites = 1; okWrites <= 24; okWrites++) {
    const devices = new Map<string, FakeDevice>();
    for (let i = 0; i < 12; i++) devices.set(`http://d${i}/x`, new FakeDevice(OLD));
    const targets = [...devices.keys()].map((xaddr) => ({ xaddr, username: 'admin' }));
    const disk = diskFullAfter(okWrites, code);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const res = await runSync({
        targets, currentPasswords: [OLD], newPassword: NEW, clientFactory: fakeFactory(devices), concurrency: 2,
        retryBaseMs: 1, lateApplyMs: 5, journalPath: join(dir(), 'run.jsonl'), openJournalFile: disk.open,
      });
      expect(res.rows).toHaveLength(12);
      expect(res.journalError).toMatch(/could not be written/);
      for (const r of res.rows) expect(r.outcome, r.key).toBeDefined();
      expect(res.rows.filter((r) => r.subcode === 'journal').length, `after ${okWrites} writes`).toBeGreaterThan(0);
      // No camera was changed without a journal line first: a changed camera is reported updated or unverified, never skipped.
      const journalled = new Set(disk.text().split('\n').filter((l) => l.includes('"t":"setuser-sent"')).map((l) => (JSON.parse(l) as { key: string }).key));
      for (const r of res.rows) {
        const d = devices.get(r.xaddr)!;
        if (d.setUserCount > 0) expect(journalled.has(r.key), `${r.key} was sent SetUser without its journal line`).toBe(true);
        if (d.setUserCount > 0) expect(r.outcome, r.detail).toMatch(/updated|unverified/);
        else expect(r.outcome, r.detail).toMatch(/cancelled|skipped/);
      }
    } finally {
      await new Promise((r) => setImmediate(r));
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    }
  });

  it('a disk full at the run header: the run is refused and its file closed at once, not left to the garbage collector', async () => {
    let closed = 0;
    const full = async (): Promise<JournalFile> => ({
      write() {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      async sync() {},
      async close() {
        closed++;
      },
    });
    await expect(
      runSync({ targets: [{ xaddr: X, username: 'admin' }], currentPasswords: [OLD], newPassword: NEW, clientFactory: fakeFactory(new Map()), journalPath: join(dir(), 'run.jsonl'), openJournalFile: full }),
    ).rejects.toThrow(/disk is full/);
    expect(closed).toBe(1);
  });

  it('a journal that cannot even be opened refuses the run with a clear message', async () => {
    await expect(
      runSync({
        targets: [{ xaddr: X, username: 'admin' }], currentPasswords: [OLD], newPassword: NEW, clientFactory: fakeFactory(new Map()),
        journalPath: join(dir(), 'run.jsonl'), openJournalFile: async () => Promise.reject(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })),
      }),
    ).rejects.toThrow(/disk is full/);
  });
});

/** A journal file whose syncs finish only when the test says so; it logs what reached it, in order. */
function heldDisk() {
  const log: string[] = [];
  const held: { finish: () => void; fail: (e: Error) => void }[] = [];
  const open = async (): Promise<JournalFile> => ({
    write(data: string) {
      log.push(`write ${data.trim().split('\n').map((l) => (JSON.parse(l) as JournalRecord).t).join(',')}`);
    },
    sync() {
      log.push('sync');
      return new Promise<void>((finish, fail) => held.push({ finish, fail }));
    },
    async close() {},
  });
  const next = () => held.shift() ?? expect.unreachable('no sync is running');
  return { open, log, syncing: () => held.length, finishSync: () => next().finish(), failSync: () => next().fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) };
}

const settle = () => new Promise<void>((r) => setImmediate(r));
const tracked = (p: Promise<void>) => {
  const s = { state: 'pending' as 'pending' | 'done' | 'failed', error: undefined as unknown };
  p.then(() => (s.state = 'done'), (e: unknown) => ((s.state = 'failed'), (s.error = e)));
  return s;
};
const TRY: JournalRecord = { t: 'try', key: KEY, at: 1 };
const SENT: JournalRecord = { t: 'setuser-sent', key: KEY, at: 2, candidate: 0 };
const SETTLED: JournalRecord = { t: 'settled', key: KEY };

describe('journal group commit (pipelined: one sync at a time, records written at once)', () => {
  afterEach(() => vi.useRealTimers());

  it('a record is on disk only once a sync that began after its write has finished', async () => {
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    const first = tracked(j.append(TRY));
    await settle();
    const second = tracked(j.append(SENT));
    await settle();
    // Written at once, in order; the second waits for a sync of its own.
    expect(disk.log).toEqual(['write try', 'sync', 'write setuser-sent']);
    disk.finishSync();
    await settle();
    expect([first.state, second.state]).toEqual(['done', 'pending']);
    expect(disk.log.at(-1)).toBe('sync');
    disk.finishSync();
    await settle();
    expect(second.state).toBe('done');
    expect(disk.syncing()).toBe(0);
  });

  it('records of one tick share a write and a sync; lazy ones start none and go with the next waited-on record', async () => {
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    const lazy = tracked(j.append(SETTLED, { lazy: true }));
    await settle();
    expect(disk.log).toEqual(['write settled']);
    expect(disk.syncing()).toBe(0);
    const a = tracked(j.append(TRY));
    const b = tracked(j.append(SENT));
    await settle();
    expect(disk.log).toEqual(['write settled', 'write try,setuser-sent', 'sync']);
    disk.finishSync();
    await settle();
    expect([lazy.state, a.state, b.state]).toEqual(['done', 'done', 'done']);
  });

  it('a lazy record alone goes after LAZY_FLUSH_MS, or at once when the engine is about to wait on it (flushNow)', async () => {
    vi.useFakeTimers();
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    const alone = tracked(j.append(SETTLED, { lazy: true }));
    await vi.advanceTimersByTimeAsync(LAZY_FLUSH_MS - 1);
    expect(disk.syncing()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(disk.syncing()).toBe(1);
    disk.finishSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(alone.state).toBe('done');
    const hurried = tracked(j.append(TRY, { lazy: true }));
    j.flushNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(disk.syncing()).toBe(1);
    disk.finishSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(hurried.state).toBe('done');
  });

  it('a failed sync fails the records it carried and every later append, with the journal error', async () => {
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    const carried = tracked(j.append(SENT));
    await settle();
    disk.failSync();
    await settle();
    expect(carried.state).toBe('failed');
    expect(carried.error).toBeInstanceOf(JournalWriteError);
    expect(String((carried.error as Error).message)).toMatch(/an I\/O error/);
    await expect(j.append(TRY)).rejects.toBe(j.failure);
  });

  it('a sync asked for with nothing written does not stop the next record from being synced', async () => {
    // No caller asks with nothing unsynced today; the loop must not wedge if one ever does (white box).
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    (j as unknown as { syncNow(): void }).syncNow();
    const next = tracked(j.append(SENT));
    await settle();
    expect(disk.syncing()).toBe(1);
    disk.finishSync();
    await settle();
    expect(next.state).toBe('done');
  });

  it('close writes and syncs what is still queued, lazy records included', async () => {
    const disk = heldDisk();
    const j = await Journal.open('held', disk.open);
    const lazy = tracked(j.append(SETTLED, { lazy: true }));
    const closing = j.close();
    await settle();
    expect(disk.log).toEqual(['write settled', 'sync']);
    disk.finishSync();
    await closing;
    expect(lazy.state).toBe('done');
  });
});

describe('journal group commit, property: random appends, flushes, timers and disk answers', () => {
  afterEach(() => vi.useRealTimers());

  type Op = { k: 'append'; lazy: boolean } | { k: 'flushNow' } | { k: 'finish' } | { k: 'fail' } | { k: 'full' } | { k: 'advance'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.boolean().map((lazy): Op => ({ k: 'append', lazy })) },
    { weight: 2, arbitrary: fc.constant<Op>({ k: 'flushNow' }) },
    { weight: 5, arbitrary: fc.constant<Op>({ k: 'finish' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ k: 'fail' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ k: 'full' }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: LAZY_FLUSH_MS + 5 }).map((ms): Op => ({ k: 'advance', ms })) },
  );

  /** A disk that records what was written when, and which syncs began after which writes. */
  function modelDisk() {
    const written: number[] = [];
    const held: { finish: () => void; fail: (e: Error) => void }[] = [];
    /** Record ids on disk: written before a sync began that has since finished. */
    const durable = new Set<number>();
    let maxInFlight = 0;
    let full = false;
    const open = async (): Promise<JournalFile> => ({
      write(data: string) {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        for (const l of data.trim().split('\n')) written.push((JSON.parse(l) as { at: number }).at);
      },
      sync() {
        const startedAfter = written.length;
        return new Promise<void>((finish, fail) => {
          held.push({ finish: () => (written.slice(0, startedAfter).forEach((id) => durable.add(id)), finish()), fail });
          maxInFlight = Math.max(maxInFlight, held.length);
        });
      },
      async close() {},
    });
    return { open, written, held, durable, inFlight: () => maxInFlight, fill: () => (full = true) };
  }
  type Disk = ReturnType<typeof modelDisk>;
  interface Rec {
    id: number;
    lazy: boolean;
    state: 'pending' | 'done' | 'failed';
    /** Appended after a failed sync or a full disk: must fail. */
    afterFailure: boolean;
    durableAtDone?: boolean;
  }

  /** Plays the ops against the journal; returns every record appended, tracked as it settles. */
  async function play(j: Journal, disk: Disk, ops: Op[]): Promise<Rec[]> {
    const recs: Rec[] = [];
    let failed = false;
    for (const o of ops) {
      if (o.k === 'append') {
        const r: Rec = { id: recs.length + 1, lazy: o.lazy, state: 'pending', afterFailure: failed };
        recs.push(r);
        j.append({ t: 'try', key: KEY, at: r.id }, { lazy: o.lazy }).then(
          () => ((r.state = 'done'), (r.durableAtDone = disk.durable.has(r.id))),
          () => (r.state = 'failed'),
        );
      } else if (o.k === 'flushNow') j.flushNow();
      else if (o.k === 'finish') disk.held.shift()?.finish();
      else if (o.k === 'fail') {
        const h = disk.held.shift();
        if (h) {
          failed = true;
          h.fail(Object.assign(new Error('EIO'), { code: 'EIO' }));
        }
      } else if (o.k === 'full') {
        // The disk fills: the next write throws (already-queued appends of this tick included).
        disk.fill();
        failed = true;
      } else await vi.advanceTimersByTimeAsync(o.ms);
      await vi.advanceTimersByTimeAsync(0);
    }
    return recs;
  }

  /** Finishes the syncs the journal starts, a few rounds, without running any timer. */
  async function finishSyncs(disk: Disk): Promise<void> {
    for (let i = 0; i < 10 && disk.held.length; i++) {
      disk.held.shift()!.finish();
      await vi.advanceTimersByTimeAsync(0);
    }
  }

  it('records are written in order; each resolves only once durable; none waits on a timer unless lazy; a failed sync or a full disk fails everything after it; close leaves nothing pending', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        vi.useFakeTimers();
        try {
          const disk = modelDisk();
          const j = await Journal.open('model', disk.open);
          const recs = await play(j, disk, ops);
          // Without any timer: finishing the syncs the journal starts settles every record that is waited on.
          await finishSyncs(disk);
          for (const r of recs) if (!r.lazy) expect(r.state, `record ${r.id} (waited on) still pending with no timer run`).not.toBe('pending');
          const closing = j.close();
          for (let i = 0; i < 10; i++) {
            await vi.advanceTimersByTimeAsync(0);
            disk.held.shift()?.finish();
          }
          await closing;
          expect(disk.inFlight()).toBeLessThanOrEqual(1);
          expect(disk.written).toEqual([...disk.written].sort((a, b) => a - b));
          for (const r of recs) {
            expect(r.state, `record ${r.id} left pending after close`).not.toBe('pending');
            if (r.state === 'done') expect(r.durableAtDone, `record ${r.id} resolved before a sync begun after its write finished`).toBe(true);
            if (r.afterFailure) expect(r.state).toBe('failed');
          }
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 300 },
    );
  });
});
