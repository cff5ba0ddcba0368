import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { priorOf, readLoopJournal } from './loop-journal';
import { acquireJournalLock, JournalLockedError, lockPathOf } from './journal-lock';

const dir = mkdtempSync(join(tmpdir(), 'loop-journal-'));
let n = 0;
const file = (text: string) => {
  const p = join(dir, `j${++n}.jsonl`);
  writeFileSync(p, text);
  return p;
};

describe('the loop journal is read as hostile input', () => {
  it.each([
    ['torn last line', '{"t":"camera-done","camera":"10.0.0.1","holdsNewPassword":true}\n{"t":"nvr-wr', 1],
    ['an unknown record', '{"t":"camera-done","camera":"10.0.0.1","holdsNewPassword":true}\n{"t":"format-disk"}\n', 1],
    ['a password smuggled into a record', '{"t":"camera-done","camera":"10.0.0.1","holdsNewPassword":true,"password":"x"}\n', 1],
    ['a wrong type', '{"t":"nvr-write","step":"pause","camera":"h","channels":["1"]}\n', 1],
    ['a channel out of range', '{"t":"nvr-write","step":"pause","camera":"h","channels":[0]}\n', 1],
    ['a huge name', `{"t":"nvr-write","step":"pause","camera":"h","channels":[1],"names":["${'x'.repeat(300)}"]}\n`, 1],
    ['not JSON at all', '\u0000\u0001garbage\n[]\nnull\n', 3],
  ])('%s: skipped and counted, never trusted', (_name, text, bad) => {
    const state = readLoopJournal(file(text))!;
    expect(state.badLines).toBe(bad);
    expect(state.records.every((r) => !('password' in r))).toBe(true);
  });

  it('keeps the names before the pause and which cameras took the new password; a finished run is history', () => {
    const p = file(
      [
        '{"t":"nvr-write","step":"pause","camera":"10.0.0.1","channels":[1,2],"names":["Door","Gate"]}',
        '{"t":"camera-done","camera":"10.0.0.1","holdsNewPassword":true}',
        '{"t":"camera-done","camera":"10.0.0.2","holdsNewPassword":true}',
        '{"t":"rollback","camera":"10.0.0.2","username":"admin","ok":true}',
      ].join('\n') + '\n',
    );
    const prior = priorOf(readLoopJournal(p));
    expect([...prior.names]).toEqual([[1, 'Door'], [2, 'Gate']]);
    expect([...prior.holdsNew]).toEqual(['10.0.0.1']);
    const ended = readLoopJournal(file(readFileSync(p, 'utf8') + '{"t":"loop-end","at":1}\n'))!;
    expect(ended).toMatchObject({ ended: true, records: [] });
    expect(readLoopJournal(join(dir, 'none.jsonl'))).toBeUndefined();
  });
});

describe('one process per journal', () => {
  it('a second claimant is refused in plain words; released, the journal is free again', () => {
    const journal = join(dir, 'locked.jsonl');
    const lock = acquireJournalLock(journal);
    expect(() => acquireJournalLock(journal)).toThrow(JournalLockedError);
    expect(() => acquireJournalLock(journal)).toThrow(/Another nvr-console \(process \d+\) is using the journal/);
    lock.release();
    expect(existsSync(lockPathOf(journal))).toBe(false);
    acquireJournalLock(journal).release();
  });

  it('a lock left by a process that died (kill -9) is stale and taken over', () => {
    const journal = join(dir, 'stale.jsonl');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lockPathOf(journal), dead.stdout);
    const lock = acquireJournalLock(journal);
    expect(readFileSync(lockPathOf(journal), 'utf8')).toBe(String(process.pid));
    lock.release();
    // Garbage in the lock file is not a live owner either.
    writeFileSync(lockPathOf(journal), 'not a pid');
    acquireJournalLock(journal).release();
  });
});
