import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { InitRow } from '../../common/contract/init';
import { GateRecord } from '../core/credential-gate';
import { parseJsonLines } from '../core/json-lines';

/**
 * The init run's journal: one JSON line per record, each flushed to disk before
 * the run acts on it — `account-sent` before `DevInit.account` leaves (so a run
 * killed at any point never sends it twice: a resumed run reads the device's
 * state instead), `account-answered` once the device said yes or no, each
 * device's outcome, and the credential gate's spends. Validated on read: a line
 * of the wrong shape (torn by a crash, or hostile) is skipped and counted. It
 * holds device addresses and the device's words; never a password, never the e-mail.
 */

const Key = z.string().min(1).max(300);
const At = z.number().finite();
const Words = z.string().max(200);

export const InitTargetRecord = z.strictObject({ key: Key, url: z.string().max(300), deviceId: z.string().max(200).optional() });
export type InitTarget = z.infer<typeof InitTargetRecord>;

export const InitRecord = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('run'), v: z.literal(1), runId: z.string().min(1).max(200), startedAt: At, targets: z.array(InitTargetRecord).max(5000) }),
  z.strictObject({ t: z.literal('account-sent'), key: Key, at: At }),
  z.strictObject({ t: z.literal('account-answered'), key: Key, at: At, taken: z.boolean(), deviceWords: Words.optional(), deviceCode: z.number().optional() }),
  z.strictObject({ t: z.literal('outcome'), key: Key, row: InitRow }),
  z.strictObject({ t: z.literal('gate'), rec: GateRecord }),
  z.strictObject({ t: z.literal('end'), at: At }),
]);
export type InitRecord = z.infer<typeof InitRecord>;

/** What a journal says about a run so far. */
export interface InitJournalState {
  runId: string;
  startedAt: number;
  targets: InitTarget[];
  outcomes: Map<string, InitRow>;
  /** Devices sent `DevInit.account` in this run: never again in this run. */
  accountSent: Set<string>;
  /** Devices whose account request was answered: taken, or refused in these words. */
  answered: Map<string, { taken: boolean; deviceWords?: string; deviceCode?: number }>;
  gate: GateRecord[];
  ended: boolean;
  badLines: number;
}

/** Applies one record; records before the run header are ignored. */
export function foldInitRecord(state: InitJournalState | undefined, rec: InitRecord): InitJournalState | undefined {
  if (rec.t === 'run') {
    return { runId: rec.runId, startedAt: rec.startedAt, targets: rec.targets, outcomes: new Map(), accountSent: new Set(), answered: new Map(), gate: [], ended: false, badLines: state?.badLines ?? 0 };
  }
  if (!state) return state;
  switch (rec.t) {
    case 'account-sent':
      state.accountSent.add(rec.key);
      break;
    case 'account-answered':
      state.answered.set(rec.key, { taken: rec.taken, ...(rec.deviceWords ? { deviceWords: rec.deviceWords } : {}), ...(rec.deviceCode !== undefined ? { deviceCode: rec.deviceCode } : {}) });
      break;
    case 'outcome':
      state.outcomes.set(rec.key, rec.row);
      break;
    case 'gate':
      state.gate.push(rec.rec);
      break;
    case 'end':
      state.ended = true;
      break;
  }
  return state;
}

const MAX_JOURNAL = 20 * 1024 * 1024;

/** Reads a journal; undefined when there is none (or it holds no run header). Never throws for a bad line. */
export function readInitJournal(path: string): InitJournalState | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).size > MAX_JOURNAL) throw new Error(`The init journal ${path} is larger than 20 MB; move it aside to start a new run.`);
  const { records, badLines } = parseJsonLines(readFileSync(path, 'utf8'), InitRecord);
  let state: InitJournalState | undefined;
  for (const rec of records) state = foldInitRecord(state, rec);
  if (state) state.badLines = badLines;
  return state;
}

/** An unfinished run in `dir` over exactly these devices (the app resumes it rather than starting over). */
export function findUnfinished(dir: string, keys: string[]): { path: string; state: InitJournalState } | undefined {
  if (!existsSync(dir)) return undefined;
  const wanted = [...keys].sort().join('\n');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort().reverse()) {
    const path = join(dir, name);
    const state = readInitJournal(path);
    if (state && !state.ended && state.targets.map((t) => t.key).sort().join('\n') === wanted) return { path, state };
  }
  return undefined;
}

/** Where records go; tests inject one whose writes fail (a crash, a full disk). */
export interface JournalFile {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}
export type OpenJournalFile = (path: string) => Promise<JournalFile>;

/** Appends with O_APPEND and flushes each line to disk before the write resolves. */
export const openJournalFile: OpenJournalFile = async (path) => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fh = await open(path, 'a', 0o600);
  return {
    async write(line) {
      await fh.write(line);
      await fh.datasync();
    },
    close: () => fh.close(),
  };
};

/** One record at a time, in order; the first failed write is kept and every later append fails with it. */
export class InitJournal {
  private tail: Promise<void> = Promise.resolve();
  error: Error | undefined;
  private constructor(private readonly file: JournalFile) {}

  static async open(path: string, openFile: OpenJournalFile = openJournalFile): Promise<InitJournal> {
    return new InitJournal(await openFile(path));
  }

  append(rec: InitRecord): Promise<void> {
    const line = JSON.stringify(InitRecord.parse(rec)) + '\n';
    const run = this.tail.then(async () => {
      if (this.error) throw this.error;
      try {
        await this.file.write(line);
      } catch (err) {
        this.error = new Error(`The init journal could not be written (${(err as Error).message}); the run stopped so no device is sent its account without a record of it.`);
        throw this.error;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.file.close();
  }
}
