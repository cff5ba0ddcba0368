import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseJsonLines } from '../core/json-lines';
import type { LoopRecord } from './close-loop';

/**
 * The close-the-loop journal: every NVR write, before it is sent and after it
 * is answered, and each camera's verdict, so a crash resumes without writing
 * to the NVR twice (close-loop.ts reads it back as `prior`). One JSON line per
 * record, each validated on read: a line of the wrong shape is skipped and
 * counted, never trusted. It holds channel numbers and camera keys (host, port,
 * account name), never a password.
 */

const Step = z.enum(['pause', 'store', 'restore']);
const Camera = z.string().max(600);
const LoopRecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('nvr-write'), step: Step, camera: Camera, channels: z.array(z.number().int().min(1).max(512)).max(512) }),
  z.strictObject({ t: z.literal('nvr-written'), step: Step, camera: Camera, ok: z.boolean(), detail: z.string().max(2000).optional() }),
  z.strictObject({ t: z.literal('camera-done'), camera: Camera, holdsNewPassword: z.boolean() }),
]) satisfies z.ZodType<LoopRecord>;

const LoopLine = z.union([LoopRecordSchema, z.strictObject({ t: z.literal('loop-end'), at: z.number() })]);

export interface LoopJournalState {
  records: LoopRecord[];
  /** The loop finished (its channel watch ended): history, not something to resume. */
  ended: boolean;
  badLines: number;
}

/** Reads a loop journal; undefined when there is none. Never throws for a bad line. */
export function readLoopJournal(path: string): LoopJournalState | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).size > 20 * 1024 * 1024) throw new Error(`The NVR journal ${path} is larger than 20 MB; move it aside to start a new run.`);
  const { records, badLines } = parseJsonLines(readFileSync(path, 'utf8'), LoopLine);
  const state: LoopJournalState = { records: [], ended: false, badLines };
  for (const rec of records) {
    if (rec.t === 'loop-end') state.ended = true;
    else state.records.push(rec);
  }
  return state;
}

/** Appends (and flushes to disk) one record at a time; a write failure rejects, and the caller reports it. */
export class LoopJournal {
  private tail: Promise<void> = Promise.resolve();
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<LoopJournal> {
    mkdirSync(dirname(path), { recursive: true });
    return new LoopJournal(await open(path, 'a', 0o600));
  }

  append(rec: LoopRecord | { t: 'loop-end'; at: number }): Promise<void> {
    const line = JSON.stringify(LoopLine.parse(rec)) + '\n';
    const run = this.tail.then(async () => {
      await this.fh.write(line);
      await this.fh.datasync();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.fh.close();
  }
}
