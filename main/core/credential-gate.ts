import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../common/clock';
import { hostOf } from '../../common/discovery/net';
import { parseJsonLines } from './json-lines';

/**
 * The one door to a device's credentials, shared by every feature that signs
 * in (camera sync, discovery enrichment, the NVR). Vendors count failed
 * sign-ins per device or per client address, not per account (DOMAIN.md), so:
 * - one credentialed exchange at a time per device (accounts run one after another);
 * - one failure budget per device, across accounts, features, retry passes and runs;
 * - a device that reported a lock is not touched before it unlocks.
 * Features ask the gate; they never count on their own. The app's gate keeps
 * its records in a file (persistGate), as the CLI's runs keep theirs in their
 * journals, so a restart does not start a device's budget again.
 */

/** A device is its host (lower case, no port, no brackets): the NVR's RPC and ONVIF ports are one device. */
export const deviceKeyOf = hostOf;

/** What the gate persists: budget spends and reported locks, never a credential. */
export const GateRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('fail'), device: z.string().min(1).max(300), at: z.number().finite() }),
  z.object({ t: z.literal('lock'), device: z.string().min(1).max(300), until: z.number().finite() }),
]);
export type GateRecord = z.infer<typeof GateRecord>;

export interface DeviceLease {
  readonly device: string;
  /** Failed sign-ins this device may see in one window. */
  readonly max: number;
  /** Failed sign-ins counted against the device now (all accounts, all features). */
  failures(): number;
  /**
   * Whether one more sign-in that might be refused still fits the budget and the
   * device is not locked. `limit` replaces the gate's default for a caller with
   * its own (a sync run's --max-failures); the count is still the device's.
   */
  canTry(limit?: number): boolean;
  /** Failed sign-ins still allowed under `limit` (default: the gate's). */
  remaining(limit?: number): number;
  /** Counts one refused sign-in; returns the new total. */
  recordFailure(): number;
  /** The device reported a lock until this app-clock time. */
  lock(until: number): void;
  lockedUntil(): number | undefined;
}

export interface GateStatus {
  failures: number;
  max: number;
  lockedUntil?: number;
}

export interface CredentialGateOptions {
  clock: Clock;
  /** Default 2: vendors lock after 3–10 failures and a recorder holding an old password spends some too. */
  maxFailures?: number;
  /**
   * Failures older than this stop counting: vendors' counters reset after their
   * lock period (30 minutes typical). Default 30 minutes.
   */
  windowMs?: number;
  /** Called for every spend and lock, so a host can persist them (journal, gate file). */
  onRecord?: (record: GateRecord) => void;
}

export class CredentialGate {
  readonly max: number;
  private readonly windowMs: number;
  private readonly fails = new Map<string, number[]>();
  private readonly locks = new Map<string, number>();
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(record: GateRecord) => void>();

  constructor(private readonly o: CredentialGateOptions) {
    this.max = o.maxFailures ?? 2;
    this.windowMs = o.windowMs ?? 30 * 60_000;
  }

  /**
   * Runs `fn` as the device's only credentialed exchange: callers for the same
   * device queue behind each other, in call order. A queued caller whose signal
   * aborts leaves the queue without running.
   */
  async withDevice<T>(urlOrHost: string, fn: (lease: DeviceLease) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const device = deviceKeyOf(urlOrHost);
    const prev = this.tails.get(device) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(device, tail);
    try {
      await waitTurn(prev, signal);
      return await fn(this.lease(device));
    } finally {
      release();
      if (this.tails.get(device) === tail) this.tails.delete(device);
    }
  }

  status(urlOrHost: string): GateStatus {
    const device = deviceKeyOf(urlOrHost);
    const until = this.lockedUntil(device);
    return { failures: this.count(device), max: this.max, ...(until !== undefined ? { lockedUntil: until } : {}) };
  }

  /**
   * Replays persisted records (a journal, the gate file); the window still applies.
   * Idempotent: a record this gate already holds (same device and time) is not
   * counted twice, so a run resumed in the session that wrote it keeps its budget exact.
   */
  restore(records: Iterable<GateRecord>): void {
    const given = new Map<string, number[]>();
    for (const r of records) {
      const device = deviceKeyOf(r.device);
      if (r.t === 'fail') given.set(device, [...(given.get(device) ?? []), r.at]);
      else this.locks.set(device, Math.max(this.locks.get(device) ?? 0, r.until));
    }
    for (const [device, ats] of given) {
      const have = [...(this.fails.get(device) ?? [])];
      const added: number[] = [];
      for (const at of ats) {
        const i = have.indexOf(at);
        if (i >= 0) have.splice(i, 1);
        else added.push(at);
      }
      if (added.length) this.fails.set(device, [...(this.fails.get(device) ?? []), ...added]);
    }
  }

  /** Every spend and lock from now on, for any device (a run journals those of its cameras). Returns the unsubscribe. */
  onRecord(listener: (record: GateRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Spends still in the window and locks not yet over: what a restart must keep (never a credential). */
  records(): GateRecord[] {
    const out: GateRecord[] = [];
    for (const device of this.fails.keys()) for (const at of this.recent(device)) out.push({ t: 'fail', device, at });
    for (const [device, until] of this.locks) if (until > this.o.clock.now()) out.push({ t: 'lock', device, until });
    return out;
  }

  private emit(record: GateRecord): void {
    this.o.onRecord?.(record);
    for (const l of this.listeners) l(record);
  }

  private lease(device: string): DeviceLease {
    return {
      device,
      max: this.max,
      failures: () => this.count(device),
      canTry: (limit = this.max) => this.count(device) < limit && this.lockedUntil(device) === undefined,
      remaining: (limit = this.max) => Math.max(0, limit - this.count(device)),
      recordFailure: () => {
        const at = this.o.clock.now();
        this.fails.set(device, [...this.recent(device), at]);
        this.emit({ t: 'fail', device, at });
        return this.count(device);
      },
      lock: (until) => {
        this.locks.set(device, Math.max(this.locks.get(device) ?? 0, until));
        this.emit({ t: 'lock', device, until });
      },
      lockedUntil: () => this.lockedUntil(device),
    };
  }

  private recent(device: string): number[] {
    const since = this.o.clock.now() - this.windowMs;
    return (this.fails.get(device) ?? []).filter((at) => at > since);
  }

  private count(device: string): number {
    return this.recent(device).length;
  }

  private lockedUntil(device: string): number | undefined {
    const until = this.locks.get(device);
    return until !== undefined && until > this.o.clock.now() ? until : undefined;
  }
}

function waitTurn(prev: Promise<unknown>, signal?: AbortSignal): Promise<void> {
  const turn = prev.then(
    () => undefined,
    () => undefined,
  );
  if (!signal) return turn;
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** A gate file larger than this is not read (no app writes that much in a window): the budget starts again, said in the log. */
const MAX_GATE_FILE_BYTES = 1024 * 1024;

/**
 * Past this size the gate file is rewritten at start with only the records still in the window. Below it the
 * file is left as it is: the app and a CLI run share it, and a rewrite loses whatever the other process appends
 * between the read and the rename (one refusal uncounted). At ~60 bytes a record that is a thousand refusals.
 */
export const COMPACT_GATE_FILE_BYTES = 64 * 1024;

/**
 * Keeps `gate`'s records in `path` (JSON lines, 0600): restores the ones a
 * previous launch wrote (validated; bad lines skipped and counted), rewrites
 * the file with only those still in the window when it is large or damaged
 * (COMPACT_GATE_FILE_BYTES), then appends every new spend and lock as it
 * happens, before any later sign-in can be made. `onProblem` hears what could
 * not be read or written (the app logs it); the gate still counts in memory.
 */
export function persistGate(gate: CredentialGate, path: string, onProblem: (what: string, detail: Record<string, unknown>) => void = () => {}): () => void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    // Too large (MAX_GATE_FILE_BYTES is past the compaction size) or damaged: rewritten with the window's records.
    let rewrite = size > COMPACT_GATE_FILE_BYTES;
    if (size > MAX_GATE_FILE_BYTES) onProblem('credential gate file too large; not read', { path, size });
    else if (size > 0) {
      const text = readFileSync(path, 'utf8');
      const { records, badLines } = parseJsonLines(text, GateRecord);
      if (badLines) onProblem('credential gate file lines skipped (unreadable or of the wrong shape)', { path, count: badLines });
      gate.restore(records);
      // A torn last line would swallow the next record appended to it.
      if (badLines > 0 || !text.endsWith('\n')) rewrite = true;
    }
    if (rewrite) {
      const kept = gate.records().map((r) => JSON.stringify(r) + '\n').join('');
      writeFileSync(`${path}.tmp`, kept, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    }
  } catch (err) {
    onProblem('credential gate file could not be read or compacted', { path, error: String(err) });
  }
  return gate.onRecord((rec) => {
    try {
      appendFileSync(path, JSON.stringify(rec) + '\n', { mode: 0o600 });
    } catch (err) {
      onProblem('credential gate record could not be written', { path, error: String(err) });
    }
  });
}
