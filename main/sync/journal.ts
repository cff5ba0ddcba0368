import { existsSync, mkdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SyncRow } from '../../common/sync/report';
import { SyncTarget, targetKey } from '../../common/sync/target';
import { deviceKeyOf, GateRecord } from '../core/credential-gate';
import { parseJsonLines } from '../core/json-lines';

/**
 * Append-only JSONL record of a run. Every record that must survive a crash is
 * fsynced before the engine acts on it: a "try" before a credential is sent
 * (an unanswered try counts as a failure on resume, so kill -9 can never hide
 * a rejected sign-in), "setuser-sent" before SetUser (so a resumed run verifies
 * instead of setting it twice), "verified" once the new password signed in
 * (so a kill during the old-password check resumes as updated), and each
 * outcome. The credential gate's spends and locks are journalled too, so a
 * resumed run keeps its budget. No record ever holds a password.
 */
const Key = z.string().min(1).max(4200);
const At = z.number().finite();

export const JournalRecord = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('run'),
    v: z.union([z.literal(1), z.literal(2)]),
    runId: z.string().min(1).max(200),
    startedAt: At,
    maxFailedAuths: z.number().int().min(1).max(10),
    concurrency: z.number().int().min(1).max(1024),
    targets: z.array(SyncTarget).max(5000),
  }),
  /**
   * `verify`: the new password's check after SetUser; `afterWindow`: made once the camera had its time to apply
   * it. A kill during such a check is counted as a spend only where that is needed (see FOLDS.try).
   */
  z.object({ t: z.literal('try'), key: Key, device: z.string().min(1).max(300).optional(), at: At, verify: z.boolean().optional(), afterWindow: z.boolean().optional() }),
  z.object({ t: z.literal('settled'), key: Key }),
  z.object({ t: z.literal('gate'), rec: GateRecord }),
  /** v1 journals counted per account; read as the account's device. */
  z.object({ t: z.literal('fail'), key: Key, at: At }),
  z.object({ t: z.literal('lock'), key: Key, until: At }),
  /**
   * `candidate`: position (0-based) of the current password that signed in, so a resumed run knows which old one
   * to look for; `known`: the same, in the passwords given for this account alone (the run's memory, not the journal, holds them);
   * `via`: the camera's Administrator account that sent SetUser for this one (which may not change itself).
   */
  z.object({
    t: z.literal('setuser-sent'), key: Key, at: At, candidate: z.number().int().min(0).max(10).optional(), known: z.number().int().min(0).max(10).optional(),
    via: z.string().min(1).max(64).optional(),
  }),
  /** `applyDelayMs`: how long the camera kept the old password after SetUser (0: at once), so later accounts wait as long. */
  /** The camera answered SetUser (success, a fault, or a dropped connection after the request left): it reached the camera. */
  /** `refused`: the camera answered with a fault, so the change never landed and a later pass may send it again. */
  z.object({ t: z.literal('setuser-answered'), key: Key, at: At, refused: z.boolean().optional() }),
  z.object({ t: z.literal('verified'), key: Key, at: At, applyDelayMs: z.number().min(0).max(600_000).optional() }),
  z.object({ t: z.literal('outcome'), key: Key, row: SyncRow }),
  z.object({ t: z.literal('retry'), keys: z.array(Key).max(5000), at: At }),
  z.object({ t: z.literal('end'), at: At }),
]);
export type JournalRecord = z.infer<typeof JournalRecord>;

/** What a journal says about a run so far. */
export interface JournalState {
  runId: string;
  startedAt: number;
  maxFailedAuths: number;
  concurrency: number;
  targets: SyncTarget[];
  /** The run's account keys by device (from `targets`; a fold asks it for every try). */
  keysByDevice: Map<string, string[]>;
  /** Final rows, by key (only accounts whose last attempt ended). */
  outcomes: Map<string, SyncRow>;
  /** Accounts sent SetUser in this run without an outcome after it. */
  setUserPending: Set<string>;
  /** Accounts ever sent SetUser in this run: never again in this run unless the journal shows it never landed. */
  setUserSent: Set<string>;
  /** Which password each SetUser replaced (when journalled): a position in the shared list or in the account's known ones. */
  replaced: Map<string, { kind: 'current' | 'known'; index: number }>;
  /** App-clock time of each account's last SetUser. */
  setAt: Map<string, number>;
  /** Accounts whose last SetUser an Administrator of the camera sent: that account's name. */
  via: Map<string, string>;
  /** Per device: the longest time a camera kept an old password after SetUser in this run. */
  applyDelay: Map<string, number>;
  /** Accounts whose last SetUser is known to have reached the camera: never sent again in this run. */
  setUserAnswered: Set<string>;
  /** Accounts whose new password signed in after SetUser. */
  verified: Set<string>;
  /** Spends and locks to restore into the credential gate (unanswered tries count as spends). */
  gate: GateRecord[];
  ended: boolean;
  /** Lines that were not a valid record (torn by a crash, or hostile): skipped. */
  badLines: number;
  /** Device of an unanswered try (cleared by its answer); `check`: the new password's check after an answered SetUser. */
  pendingTry: Map<string, { key: string; at: number; counts: boolean; check: boolean }>;
}

/** A camera known to apply late, by how much unknown: longer than any late window, so it gets the whole one. */
export const LATE_BY_UNKNOWN_MS = 600_000;

/** The key's device: `${xaddr} ${username}` → host. */
function deviceOfKey(key: string): string {
  return deviceKeyOf(key.split(' ')[0]!);
}

/** Applies one record; records before the run header are ignored. Pure apart from `state`. */
export function foldRecord(state: JournalState | undefined, rec: JournalRecord): JournalState | undefined {
  if (rec.t === 'run') return freshState(rec, state?.badLines ?? 0);
  if (!state) return state;
  (FOLDS[rec.t] as (s: JournalState, r: JournalRecord) => void)(state, rec);
  return state;
}

function freshState(rec: Extract<JournalRecord, { t: 'run' }>, badLines: number): JournalState {
  return {
    runId: rec.runId, startedAt: rec.startedAt, maxFailedAuths: rec.maxFailedAuths, concurrency: rec.concurrency, targets: rec.targets, keysByDevice: keysByDevice(rec.targets),
    outcomes: new Map(), setUserPending: new Set(), setUserSent: new Set(), setUserAnswered: new Set(), replaced: new Map(), setAt: new Map(), via: new Map(),
    applyDelay: new Map(), verified: new Set(), gate: [], ended: false, badLines, pendingTry: new Map(),
  };
}

type Record_<T extends JournalRecord['t']> = Extract<JournalRecord, { t: T }>;

/** One fold per record kind: what it changes in the run's state. */
const FOLDS: { [T in Exclude<JournalRecord['t'], 'run'>]: (state: JournalState, rec: Record_<T>) => void } = {
  try: (state, rec) => {
    const device = rec.device ?? deviceOfKey(rec.key);
    const open = state.pendingTry.get(device);
    if (open?.counts) state.gate.push({ t: 'fail', device, at: open.at });
    // Every unanswered try counts: it may have been refused — the check after a SetUser that never got its
    // answer too (the kill may have come before SetUser left: the camera still holds the old password).
    // One kind may go uncounted, since counting it can leave a changed camera unverifiable: the new
    // password's check after an answered SetUser, where a refusal is unlikely or cannot cost a lock — made
    // once the camera had its time to apply (a late camera has applied by then), or with no other account
    // of the camera left to change in this run (the resumed check, after the whole window, is then the
    // camera's last try). A first check while other accounts wait counts: a late camera may have refused
    // it, and those accounts' tries and checks (each kill adding one) would spend past the budget.
    const check = rec.verify === true && state.setUserAnswered.has(rec.key);
    const counts = !check || (rec.afterWindow !== true && othersToChange(state, device, rec.key));
    state.pendingTry.set(device, { key: rec.key, at: rec.at, counts, check });
  },
  settled: (state, rec) => {
    for (const [device, p] of state.pendingTry) if (p.key === rec.key) state.pendingTry.delete(device);
  },
  gate: (state, rec) => {
    state.gate.push(rec.rec);
    if (rec.rec.t !== 'fail') return;
    const device = deviceKeyOf(rec.rec.device);
    // The new password refused right after SetUser: this camera applies changes late, by an unknown
    // margin, so its other accounts (in this process or a resumed one) give it the whole window first.
    if (state.pendingTry.get(device)?.check) state.applyDelay.set(device, Math.max(state.applyDelay.get(device) ?? 0, LATE_BY_UNKNOWN_MS));
    state.pendingTry.delete(device);
  },
  fail: (state, rec) => {
    state.gate.push({ t: 'fail', device: deviceOfKey(rec.key), at: rec.at });
    state.pendingTry.delete(deviceOfKey(rec.key));
  },
  lock: (state, rec) => void state.gate.push({ t: 'lock', device: deviceOfKey(rec.key), until: rec.until }),
  'setuser-sent': (state, rec) => {
    state.setUserPending.add(rec.key);
    state.setUserSent.add(rec.key);
    state.setUserAnswered.delete(rec.key);
    if (rec.known !== undefined) state.replaced.set(rec.key, { kind: 'known', index: rec.known });
    else if (rec.candidate !== undefined) state.replaced.set(rec.key, { kind: 'current', index: rec.candidate });
    else state.replaced.delete(rec.key);
    state.setAt.set(rec.key, rec.at);
    if (rec.via !== undefined) state.via.set(rec.key, rec.via);
    else state.via.delete(rec.key);
  },
  'setuser-answered': (state, rec) => {
    if (!rec.refused) return void state.setUserAnswered.add(rec.key);
    state.setUserSent.delete(rec.key);
    state.setUserPending.delete(rec.key);
    state.setUserAnswered.delete(rec.key);
  },
  verified: (state, rec) => {
    state.verified.add(rec.key);
    if (rec.applyDelayMs === undefined) return;
    const d = deviceOfKey(rec.key);
    state.applyDelay.set(d, Math.max(state.applyDelay.get(d) ?? 0, rec.applyDelayMs));
  },
  outcome: (state, rec) => {
    state.outcomes.set(rec.key, rec.row);
    state.setUserPending.delete(rec.key);
    // The camera refused that SetUser outright: it never landed, and a retry may send one.
    if (rec.row.outcome !== 'rejected') return;
    state.setUserSent.delete(rec.key);
    state.setUserAnswered.delete(rec.key);
    state.verified.delete(rec.key);
  },
  retry: (state, rec) => {
    for (const k of rec.keys) state.outcomes.delete(k);
    state.ended = false;
  },
  end: (state) => void (state.ended = true),
};

/** Whether another account of the device has no outcome yet in this run (it will need the budget). */
function othersToChange(state: JournalState, device: string, key: string): boolean {
  return (state.keysByDevice.get(device) ?? []).some((k) => k !== key && !state.outcomes.has(k));
}

function keysByDevice(targets: SyncTarget[]): Map<string, string[]> {
  const byDevice = new Map<string, string[]>();
  for (const t of targets) {
    const k = targetKey(t);
    const device = deviceOfKey(k);
    const keys = byDevice.get(device);
    if (keys) keys.push(k);
    else byDevice.set(device, [k]);
  }
  return byDevice;
}

/** Gate records to restore: the journalled ones plus a spend for every try that never got an answer. */
export function gateRecordsOf(state: JournalState): GateRecord[] {
  return [...state.gate, ...[...state.pendingTry].filter(([, p]) => p.counts).map(([device, p]): GateRecord => ({ t: 'fail', device, at: p.at }))];
}

export function parseJournal(text: string): JournalState | undefined {
  const { records, badLines } = parseJsonLines(text, JournalRecord);
  let state: JournalState | undefined;
  for (const rec of records) state = foldRecord(state, rec);
  if (!state) return state;
  state.badLines = badLines;
  // A process killed during the new password's check: a late camera may have refused it. Counted or not,
  // the camera gets the whole late window before it is asked again: a second refusal from a camera still
  // applying would be one too many.
  for (const [device, p] of state.pendingTry) if (p.check) state.applyDelay.set(device, Math.max(state.applyDelay.get(device) ?? 0, LATE_BY_UNKNOWN_MS));
  return state;
}

class JournalUnreadable extends Error {}

/**
 * Reads a journal. A file without a valid run header is moved aside
 * (`<name>.bad-<time>`, like a broken cases.json) and treated as absent;
 * bad lines inside a good file are skipped and counted in `badLines`.
 */
export function readJournal(path: string, now = Date.now()): JournalState | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new JournalUnreadable(`The sync journal ${path} cannot be read: ${(err as Error).message}`);
  }
  const state = parseJournal(text);
  if (!state && text.trim()) {
    try {
      renameSync(path, `${path}.bad-${now}`);
    } catch {
      // left in place; it is ignored either way
    }
  }
  return state;
}

/** The file a journal writes to (node's file; tests inject failing ones). */
export interface JournalFile {
  /**
   * Hands the bytes to the operating system at once, in order (not yet on disk); throws when it cannot.
   * Synchronous (`undefined`, so an async function does not type-check): writes must land in append order.
   */
  write(data: string): undefined;
  /** Resolves once everything written so far is on disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}
export type OpenJournalFile = (path: string) => Promise<JournalFile>;

/**
 * The write is synchronous on purpose: a few hundred bytes into the page cache take microseconds, while a
 * trip to the thread pool took 0.9 ms on the bench machine (the wake-ups, not the copy) — on the critical
 * path of every camera's SetUser. Only the fdatasync, which waits for the disk, leaves the event loop.
 */
export const openJournalFileOnDisk: OpenJournalFile = async (path) => {
  mkdirSync(dirname(path), { recursive: true });
  const fh = await open(path, 'a', 0o600);
  return {
    write(data) {
      const bytes = Buffer.from(data, 'utf8');
      // A regular file takes it all or throws; a short write (a full disk mid-line) is a failure too.
      for (let off = 0; off < bytes.length; ) {
        const n = writeSync(fh.fd, bytes, off);
        if (n <= 0) throw Object.assign(new Error('short write to the journal'), { code: 'ENOSPC' });
        off += n;
      }
    },
    sync: () => fh.datasync(),
    close: () => fh.close(),
  };
};

/** A journal write failed (disk full, I/O error, read-only): the run must stop, cleanly. */
export class JournalWriteError extends Error {
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EROFS' ? 'the disk is read-only' : code === 'EIO' ? 'an I/O error' : (code ?? String((cause as Error)?.message ?? cause));
    super(`The sync journal ${path} could not be written (${why}). The run stopped so that no camera is changed without a record.`);
  }
}

/**
 * How long a `lazy` record may wait for company on its way to disk. The engine acts on a `try` and on
 * `setuser-sent` only once they are on disk; the records after them (settled, setuser-answered, verified,
 * outcome) it never waits on, and a crash that loses one only makes the resumed run stricter (foldRecord).
 * Synced at once, each cost a flush, and `setuser-sent` queued behind those flushes: it took 4.4 ms on
 * average to reach the disk at 16 cameras at a time, on the critical path of every camera. A `try` is lazy
 * too until its camera's challenge is answered (the engine calls flushNow before it waits): by then it has
 * usually gone with another camera's `setuser-sent`.
 */
export const LAZY_FLUSH_MS = 20;

interface Entry {
  line: string;
  rec: JournalRecord;
  lazy: boolean;
  done: () => void;
  fail: (e: unknown) => void;
}

/**
 * Group commit, pipelined. Records appended in the same tick are written together, at once and in order;
 * a record is on disk once an fdatasync that began after its write has finished. One sync runs at a time,
 * and the records written while it runs go with the next. Records nothing waits on (`lazy`) start no sync
 * of their own: they go with the next record that is waited on, or after LAZY_FLUSH_MS.
 */
export class Journal {
  /** Appended in this tick, not yet written. */
  private pending: Entry[] = [];
  /** Written, not yet known to be on disk. */
  private unsynced: Entry[] = [];
  private writeQueued = false;
  /** A sync is wanted: a record waited on was written, the engine asked (flushNow), or a lazy one's time is up. */
  private wanted = false;
  private hurried = false;
  private syncing: Promise<void> | undefined;
  private lazyTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The first write failure; every later append fails at once with it. */
  failure: JournalWriteError | undefined;
  private readonly listeners = new Set<(rec: JournalRecord) => void>();

  private constructor(
    private readonly fh: JournalFile,
    readonly path: string,
  ) {}

  static async open(path: string, openJournal: OpenJournalFile = openJournalFileOnDisk): Promise<Journal> {
    try {
      return new Journal(await openJournal(path), path);
    } catch (err) {
      throw new JournalWriteError(path, err);
    }
  }

  /** Called with each record once it is on disk (the service's journal index). */
  onAppend(listener: (rec: JournalRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once the record is on disk; rejects with JournalWriteError when it cannot be. `lazy`: nothing
   * waits on this record, so it goes with the next one that is waited on, or after LAZY_FLUSH_MS.
   */
  append(rec: JournalRecord, o: { lazy?: boolean } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('journal closed'));
    return new Promise((done, fail) => {
      this.pending.push({ line: JSON.stringify(rec) + '\n', rec, lazy: o.lazy ?? false, done, fail });
      if (!this.writeQueued) {
        this.writeQueued = true;
        // The rest of this tick's records go in the same write.
        queueMicrotask(() => this.writePending());
      }
    });
  }

  /** Everything appended so far goes to disk now (a lazy record the engine is about to wait on). */
  flushNow(): void {
    if (this.pending.length) this.hurried = true;
    else if (this.unsynced.length) this.syncNow();
  }

  private writePending(): void {
    this.writeQueued = false;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    if (this.failure) return this.failAll(batch);
    try {
      this.fh.write(batch.map((b) => b.line).join(''));
    } catch (err) {
      this.failure = new JournalWriteError(this.path, err);
      return this.failAll(batch);
    }
    this.unsynced.push(...batch);
    if (this.hurried || batch.some((b) => !b.lazy)) this.syncNow();
    else this.lazyTimer ??= setTimeout(() => this.syncNow(), LAZY_FLUSH_MS);
    this.hurried = false;
  }

  private syncNow(): void {
    // Nothing written since the last sync and none running: nothing to do. (A loop started with nothing to sync
    // would end before `syncing` is assigned, leaving it set to a settled promise and no later flush started.)
    if (!this.unsynced.length && !this.syncing) return;
    this.wanted = true;
    this.syncing ??= this.syncLoop();
  }

  private async syncLoop(): Promise<void> {
    while (this.wanted) {
      this.wanted = false;
      clearTimeout(this.lazyTimer);
      this.lazyTimer = undefined;
      const batch = this.unsynced;
      this.unsynced = [];
      if (!batch.length) continue;
      try {
        await this.fh.sync();
      } catch (err) {
        this.failure ??= new JournalWriteError(this.path, err);
        this.failAll(batch);
        continue;
      }
      for (const b of batch) {
        for (const l of this.listeners) l(b.rec);
        b.done();
      }
    }
    this.syncing = undefined;
    // Lazy records written while the last sync ran wait for company, or their time.
    if (this.unsynced.length) this.lazyTimer ??= setTimeout(() => this.syncNow(), LAZY_FLUSH_MS);
  }

  private failAll(batch: Entry[]): void {
    for (const b of batch) b.fail(this.failure);
  }

  async close(): Promise<void> {
    this.writePending();
    if (this.unsynced.length) this.syncNow();
    if (this.syncing) await this.syncing;
    clearTimeout(this.lazyTimer);
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => {});
  }
}
