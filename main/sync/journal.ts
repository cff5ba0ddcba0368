import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SyncRow } from '../../common/sync/report';

/**
 * Append-only JSONL record of a run. Every record that must survive a crash is
 * fsynced before the engine acts on it: a "try" before a credential is sent
 * (an unanswered try counts as a failure on resume, so kill -9 can never hide
 * a rejected sign-in), "setuser-sent" before SetUser (so a resumed run checks
 * the new password first instead of setting it twice), and each outcome.
 * No record ever holds a password.
 */
export type JournalRecord =
  | { t: 'run'; v: 1; runId: string; startedAt: number; maxFailedAuths: number; concurrency: number; targets: JournalTarget[] }
  | { t: 'try'; key: string; at: number }
  | { t: 'settled'; key: string }
  | { t: 'fail'; key: string; at: number }
  | { t: 'lock'; key: string; until: number }
  | { t: 'setuser-sent'; key: string; at: number }
  | { t: 'outcome'; key: string; row: SyncRow }
  | { t: 'retry'; keys: string[]; at: number }
  | { t: 'end'; at: number };

export interface JournalTarget {
  key: string;
  xaddr: string;
  username: string;
  deviceId?: string;
}

/** What a journal says about a run so far. */
export interface JournalState {
  runId: string;
  startedAt: number;
  maxFailedAuths: number;
  concurrency: number;
  targets: JournalTarget[];
  /** Final rows, by key (only devices whose last attempt ended). */
  outcomes: Map<string, SyncRow>;
  /** Devices that were sent SetUser without a recorded outcome after it. */
  setUserPending: Set<string>;
  /** Devices ever sent SetUser in this run. */
  setUserSent: Set<string>;
  failures: Map<string, number>;
  locks: Map<string, number>;
  ended: boolean;
}

export function readJournal(path: string): JournalState | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  let state: JournalState | undefined;
  const pendingTry = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      // A torn last line from a crash mid-write: everything before it is intact.
      continue;
    }
    if (rec.t === 'run') {
      state = {
        runId: rec.runId,
        startedAt: rec.startedAt,
        maxFailedAuths: rec.maxFailedAuths,
        concurrency: rec.concurrency,
        targets: rec.targets,
        outcomes: new Map(),
        setUserPending: new Set(),
        setUserSent: new Set(),
        failures: new Map(),
        locks: new Map(),
        ended: false,
      };
      continue;
    }
    if (!state) continue;
    const bump = (key: string) => state!.failures.set(key, (state!.failures.get(key) ?? 0) + 1);
    switch (rec.t) {
      case 'try':
        if (pendingTry.get(rec.key)) bump(rec.key);
        pendingTry.set(rec.key, true);
        break;
      case 'settled':
        pendingTry.set(rec.key, false);
        break;
      case 'fail':
        bump(rec.key);
        pendingTry.set(rec.key, false);
        break;
      case 'lock':
        state.locks.set(rec.key, Math.max(state.locks.get(rec.key) ?? 0, rec.until));
        break;
      case 'setuser-sent':
        // Not counted as a try: SetUser reuses the credential that just signed in, and a
        // resumed run must keep room to test the new password and then the old one.
        state.setUserPending.add(rec.key);
        state.setUserSent.add(rec.key);
        break;
      case 'outcome': {
        const row = SyncRow.safeParse(rec.row);
        if (row.success) state.outcomes.set(rec.key, row.data);
        state.setUserPending.delete(rec.key);
        break;
      }
      case 'retry':
        for (const k of rec.keys) state.outcomes.delete(k);
        state.ended = false;
        break;
      case 'end':
        state.ended = true;
        break;
    }
  }
  if (state) for (const [key, pending] of pendingTry) if (pending) state.failures.set(key, (state.failures.get(key) ?? 0) + 1);
  return state;
}

/** Group commit: records queued in the same tick share one write + fsync. */
export class Journal {
  private queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<Journal> {
    mkdirSync(dirname(path), { recursive: true });
    return new Journal(await open(path, 'a', 0o600), path);
  }

  /** Resolves once the record is on disk. */
  append(rec: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal closed'));
    return new Promise((done, fail) => {
      this.queue.push({ line: JSON.stringify(rec) + '\n', done, fail });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the rest of this tick queue its records first.
    await Promise.resolve();
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.sync();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.flushing) await this.flushing;
    this.closed = true;
    await this.fh.close();
  }
}
