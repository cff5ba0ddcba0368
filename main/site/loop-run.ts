import type { NvrChannelStore, StoredChannel } from '../dahua/channel-store';
import type { LoopRecord, PriorLoop } from './loop-journal';
import type { CameraPort, LoopClock } from './ports';

/**
 * The state one close-the-loop run carries from stage to stage: the NVR's
 * channels as last read back (every decision reads this, never the journal),
 * and what happened to each channel so far (the board and the verdict read
 * that). Passwords read from the NVR stay in `view`, in memory, and are
 * registered as secrets the moment they are read.
 */

/** What a camera account holds after its change: the new password, the one it had, or nobody knows (SetUser sent, not verified). */
export type Holds = 'new' | 'old' | 'unknown';

export interface ChannelNote {
  /** The app wrote this channel or changed its camera in this run. */
  touched: boolean;
  holds?: Holds;
  /** The NVR took the new stored password (read back). */
  stored?: boolean;
  /** The NVR refused a write for this channel (pause or store). */
  refused?: boolean;
  rolledBack?: boolean;
  /** "Cameras only": the camera changed and the NVR was, by the technician's choice, not written. */
  camerasOnly?: boolean;
  /** Plain sentences, in order; never a password. */
  detail: string[];
  /** What to do about this channel in particular. */
  nextStep?: string;
}

export interface LoopRunOptions {
  store: NvrChannelStore;
  cameras: CameraPort;
  clock: LoopClock;
  newPassword: string;
  prior: PriorLoop;
  /** Appends one journal record (flushed); rejects when it cannot. */
  append(rec: LoopRecord): Promise<void>;
  /** Registers a password read from the NVR with the log scrubber. */
  secret(password: string): void;
  onChange?(): void;
}

export class LoopRun {
  readonly view = new Map<number, StoredChannel>();
  /** The NVR's connection state per channel, as read before the cameras (a connected channel proves its camera takes what the NVR stores). */
  states = new Map<number, string>();
  /** Channels whose stored password their camera was just seen to accept (a probe in this run). */
  readonly proven = new Set<number>();
  readonly notes = new Map<number, ChannelNote>();
  /** Set when a journal record could not be written (disk full…): no new camera starts after that. */
  journalError: string | undefined;
  /** Set when the run was cancelled: no new camera starts either. */
  stopped: string | undefined;

  constructor(readonly o: LoopRunOptions) {}

  get store(): NvrChannelStore {
    return this.o.store;
  }
  get cameras(): CameraPort {
    return this.o.cameras;
  }
  get newPassword(): string {
    return this.o.newPassword;
  }

  /** Reads every channel back from the NVR into `view`; undefined when the NVR could not be read. */
  async readBack(): Promise<StoredChannel[] | undefined> {
    let channels: StoredChannel[];
    try {
      channels = await this.o.store.readChannels();
    } catch {
      return undefined;
    }
    this.view.clear();
    for (const c of channels) {
      if (c.password !== undefined) this.o.secret(c.password);
      this.view.set(c.channel, c);
    }
    return channels;
  }

  /** Journals a record; a failure is remembered (the run says so and starts no new camera), never thrown. */
  async record(rec: LoopRecord): Promise<boolean> {
    try {
      await this.o.append(rec);
      return true;
    } catch (err) {
      this.journalError ??= `The NVR journal could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); no further camera was started.`;
      return false;
    }
  }

  note(channel: number): ChannelNote {
    let n = this.notes.get(channel);
    if (!n) this.notes.set(channel, (n = { touched: false, detail: [] }));
    return n;
  }

  /** Adds a sentence (and optionally the next step) to each channel's note. */
  say(channels: readonly number[], sentence: string, nextStep?: string): void {
    for (const c of channels) {
      const n = this.note(c);
      n.detail.push(sentence);
      if (nextStep) n.nextStep = nextStep;
    }
    this.o.onChange?.();
  }
}
