import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseJsonLines } from '../core/json-lines';
import pLimit from 'p-limit';

/**
 * The close-the-loop journal: each NVR write before it is sent and after it is
 * answered, each camera's verdict and each rollback. It is a hint, not the
 * truth: a resumed run decides from the NVR and the cameras themselves (the
 * pause marker, a read-back, the camera's own answer), so a damaged or deleted
 * journal costs at most a sign-in, never a channel. What only the journal
 * knows is a channel's name before the pause (the NVR may cut the marked
 * name) and which password a paused camera most likely holds. One JSON line
 * per record, each validated on read: a line of the wrong shape is skipped and
 * counted. It holds channel numbers, names, hosts and account names — never a
 * password.
 */

const Step = z.enum(['pause', 'store', 'restore', 'recover']);
export type LoopStep = z.infer<typeof Step>;
const Camera = z.string().max(300);
const Channels = z.array(z.number().int().min(1).max(1024)).max(1024);

const LoopRecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('nvr-write'), step: Step, camera: Camera, channels: Channels, names: z.array(z.string().max(200)).max(1024).optional() }),
  z.strictObject({ t: z.literal('nvr-written'), step: Step, camera: Camera, ok: z.boolean(), detail: z.string().max(2000).optional() }),
  z.strictObject({ t: z.literal('camera-done'), camera: Camera, holdsNewPassword: z.boolean() }),
  z.strictObject({ t: z.literal('rollback'), camera: Camera, username: z.string().max(64), ok: z.boolean(), detail: z.string().max(2000).optional() }),
  z.strictObject({ t: z.literal('loop-end'), at: z.number() }),
]);
export type LoopRecord = z.infer<typeof LoopRecordSchema>;

export interface LoopJournalState {
  records: LoopRecord[];
  /** The loop finished (its checks ended): history, not something to resume. */
  ended: boolean;
  badLines: number;
}

/** What a previous, unfinished run's journal says, as the loop uses it. */
export interface PriorLoop {
  /** Each paused channel's name before the pause. */
  names: ReadonlyMap<number, string>;
  /** Cameras (hosts) whose change ended with the new password proven, per the journal. */
  holdsNew: ReadonlySet<string>;
}

/** Reads a loop journal; undefined when there is none. Never throws for a bad line. */
export function readLoopJournal(path: string): LoopJournalState | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).size > 20 * 1024 * 1024) throw new Error(`The NVR journal ${path} is larger than 20 MB; move it aside to start a new run.`);
  const { records, badLines } = parseJsonLines(readFileSync(path, 'utf8'), LoopRecordSchema);
  const ended = records.length > 0 && records[records.length - 1]!.t === 'loop-end';
  return { records: ended ? [] : records.filter((r) => r.t !== 'loop-end'), ended, badLines };
}

/** The hints an unfinished run left; empty for a finished or missing journal. */
export function priorOf(state: LoopJournalState | undefined): PriorLoop {
  const names = new Map<number, string>();
  const holdsNew = new Set<string>();
  for (const r of state?.records ?? []) {
    if (r.t === 'nvr-write' && r.step === 'pause' && r.names) r.channels.forEach((c, i) => r.names![i] !== undefined && names.set(c, r.names![i]!));
    if (r.t === 'camera-done') {
      if (r.holdsNewPassword) holdsNew.add(r.camera);
      else holdsNew.delete(r.camera);
    }
    if (r.t === 'rollback' && r.ok) holdsNew.delete(r.camera);
  }
  return { names, holdsNew };
}

/** Appends (and flushes to disk) one record at a time; a write failure rejects, and the caller decides. */
export class LoopJournal {
  /** One write at a time, in order; a failed one does not stop the next from being tried. */
  private readonly serial = pLimit(1);
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<LoopJournal> {
    mkdirSync(dirname(path), { recursive: true });
    return new LoopJournal(await open(path, 'a', 0o600));
  }

  append(rec: LoopRecord): Promise<void> {
    const line = JSON.stringify(LoopRecordSchema.parse(rec)) + '\n';
    return this.serial(async () => {
      await this.fh.write(line);
      await this.fh.datasync();
    });
  }

  /** After the writes already asked for. */
  close(): Promise<void> {
    return this.serial(() => this.fh.close());
  }
}
