import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SyncRow } from '../../common/sync/report';
import { SyncTarget } from '../../common/sync/target';
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
  /** `verify`: the new password's check after SetUser; a kill during it is not counted as a spend (see foldRecord). */
  z.object({ t: z.literal('try'), key: Key, device: z.string().min(1).max(300).optional(), at: At, verify: z.boolean().optional() }),
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
  /** Device of an unanswered try (cleared by its answer). */
  pendingTry: Map<string, { key: string; at: number; counts: boolean }>;
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
    runId: rec.runId, startedAt: rec.startedAt, maxFailedAuths: rec.maxFailedAuths, concurrency: rec.concurrency, targets: rec.targets,
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
    // The new password's check after an answered SetUser: a process killed during it says little about
    // the camera (the new password is the likely one now), and counting it would leave a changed camera
    // unverifiable. Every other unanswered try counts: it may have been refused — the check after a
    // SetUser that never got its answer too (the kill may have come before SetUser left: the camera
    // still holds the old password and refused the new one).
    state.pendingTry.set(device, { key: rec.key, at: rec.at, counts: !rec.verify || !state.setUserAnswered.has(rec.key) });
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
    if (state.pendingTry.get(device)?.counts === false) state.applyDelay.set(device, Math.max(state.applyDelay.get(device) ?? 0, LATE_BY_UNKNOWN_MS));
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
  // A process killed during the new password's check: a late camera may have refused it, unrecorded. That
  // try is not counted (it would leave a changed camera unverifiable), so the camera gets the whole late
  // window before it is asked again: a second refusal from a camera still applying would be one too many.
  for (const [device, p] of state.pendingTry) if (!p.counts) state.applyDelay.set(device, Math.max(state.applyDelay.get(device) ?? 0, LATE_BY_UNKNOWN_MS));
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

/** The file a journal writes to (node's FileHandle; tests inject failing ones). */
export interface JournalFile {
  write(data: string): Promise<unknown>;
  sync(): Promise<void>;
  close(): Promise<void>;
}
export type OpenJournalFile = (path: string) => Promise<JournalFile>;

const openFile: OpenJournalFile = async (path) => {
  mkdirSync(dirname(path), { recursive: true });
  return open(path, 'a', 0o600);
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

/** Group commit: records queued in the same tick share one write + fsync. */
export class Journal {
  private queue: { line: string; rec: JournalRecord; done: () => void; fail: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** The first write failure; every later append fails at once with it. */
  failure: JournalWriteError | undefined;
  private readonly listeners = new Set<(rec: JournalRecord) => void>();

  private constructor(
    private readonly fh: JournalFile,
    readonly path: string,
  ) {}

  static async open(path: string, openJournal: OpenJournalFile = openFile): Promise<Journal> {
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

  /** Resolves once the record is on disk; rejects with JournalWriteError when it cannot be. */
  append(rec: JournalRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('journal closed'));
    return new Promise((done, fail) => {
      this.queue.push({ line: JSON.stringify(rec) + '\n', rec, done, fail });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the rest of this tick queue its records first.
    await Promise.resolve();
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      if (this.failure) {
        for (const b of batch) b.fail(this.failure);
        continue;
      }
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.sync();
      } catch (err) {
        this.failure = new JournalWriteError(this.path, err);
        for (const b of batch) b.fail(this.failure);
        continue;
      }
      for (const b of batch) {
        for (const l of this.listeners) l(b.rec);
        b.done();
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => {});
  }
}

