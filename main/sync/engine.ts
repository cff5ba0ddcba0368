import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { OffsetClock, type Clock } from '../../common/clock';
import { OUTCOMES } from '../../common/sync/outcomes';
import { rowKey, type SyncRow } from '../../common/sync/report';
import { LockoutBudget } from './budget';
import { Journal, readJournal, type JournalState } from './journal';
import { syncDevice, type DeviceTarget } from './pipeline';
import type { ClientFactory } from './port';

export interface SyncTargetInput {
  xaddr: string;
  username: string;
  deviceId?: string;
  allowBasic?: boolean;
  allowPasswordText?: boolean;
}

export interface SyncSecrets {
  currentPasswords: string[];
  newPassword: string;
}

export interface SyncRunOptions {
  targets: SyncTargetInput[];
  clientFactory: ClientFactory;
  concurrency?: number;
  maxFailedAuthsPerDevice?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Extra tries for transient network errors only. */
  retries?: number;
  retryBaseMs?: number;
  settleMs?: number;
  lateApplyMs?: number;
  /** Lock length assumed when a device reports a lock without Retry-After. */
  defaultLockMs?: number;
  clock?: Clock;
  /** JSONL journal; when it already holds a run for these targets, that run resumes. */
  journalPath?: string;
  runId?: string;
  /** Called on every step or outcome change of a device. */
  onRow?: (row: SyncRow) => void;
}

export const SYNC_DEFAULTS = { concurrency: 16, maxFailedAuthsPerDevice: 2, timeoutMs: 8000, retries: 2, retryBaseMs: 250, settleMs: 0, lateApplyMs: 1500, defaultLockMs: 30 * 60_000 };

/**
 * One run over a fixed target list: the first pass, then any "retry failed"
 * passes, share one lockout budget and one journal. Usable without the app
 * (CLI, bench): everything it needs comes in through the options.
 */
export class SyncRun {
  readonly runId: string;
  readonly startedAt: number;
  finishedAt: number | undefined;
  readonly targets: DeviceTarget[];
  readonly resumed: boolean;
  requestCount = 0;
  private readonly rows = new Map<string, SyncRow>();
  private readonly budget: LockoutBudget;
  private readonly clock: Clock;
  private readonly cfg: typeof SYNC_DEFAULTS;
  private controller: AbortController | undefined;
  private pass: Promise<SyncRow[]> | undefined;
  private setUserPending: Set<string>;

  private constructor(
    private readonly o: SyncRunOptions,
    private readonly journal: Journal | undefined,
    prior: JournalState | undefined,
  ) {
    this.clock = o.clock ?? new OffsetClock();
    this.cfg = { ...SYNC_DEFAULTS };
    for (const k of Object.keys(SYNC_DEFAULTS) as (keyof typeof SYNC_DEFAULTS)[]) if (o[k] !== undefined) this.cfg[k] = o[k]!;
    if (prior) this.cfg.maxFailedAuthsPerDevice = prior.maxFailedAuths;
    this.budget = new LockoutBudget(this.cfg.maxFailedAuthsPerDevice);
    this.runId = prior?.runId ?? o.runId ?? `${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    this.startedAt = prior?.startedAt ?? this.clock.now();
    this.resumed = prior !== undefined;
    this.setUserPending = new Set(prior?.setUserPending ?? []);

    const seen = new Set<string>();
    this.targets = [];
    for (const t of o.targets) {
      const key = rowKey(t.xaddr, t.username);
      const target: DeviceTarget = { key, xaddr: t.xaddr, username: t.username, deviceId: t.deviceId, allowBasic: t.allowBasic, allowPasswordText: t.allowPasswordText };
      if (seen.has(key)) continue;
      seen.add(key);
      this.targets.push(target);
      this.rows.set(key, { key, xaddr: t.xaddr, username: t.username, deviceId: t.deviceId, step: 'queued', detail: '', nextStep: '', attempts: 0, failedAuths: 0, ms: 0 });
    }
    if (prior) {
      for (const [key, n] of prior.failures) this.budget.seed(key, n);
      for (const [key, until] of prior.locks) this.budget.lock(key, until);
      for (const [key, row] of prior.outcomes) if (this.rows.has(key)) this.rows.set(key, row);
    }
  }

  static async create(o: SyncRunOptions): Promise<SyncRun> {
    const prior = o.journalPath ? readJournal(o.journalPath) : undefined;
    if (prior) {
      const want = new Set(o.targets.map((t) => rowKey(t.xaddr, t.username)));
      const had = new Set(prior.targets.map((t) => t.key));
      if (want.size !== had.size || [...want].some((k) => !had.has(k))) {
        throw new Error(`The journal ${o.journalPath} belongs to a run with different targets; use another journal file.`);
      }
    }
    const journal = o.journalPath ? await Journal.open(o.journalPath) : undefined;
    const run = new SyncRun(o, journal, prior);
    if (journal && !prior) {
      await journal.append({
        t: 'run', v: 1, runId: run.runId, startedAt: run.startedAt, maxFailedAuths: run.cfg.maxFailedAuthsPerDevice,
        concurrency: run.cfg.concurrency, targets: run.targets.map(({ key, xaddr, username, deviceId }) => ({ key, xaddr, username, deviceId })),
      });
    }
    return run;
  }

  get running(): boolean {
    return this.pass !== undefined;
  }
  get concurrency(): number {
    return this.cfg.concurrency;
  }
  get maxFailedAuths(): number {
    return this.cfg.maxFailedAuthsPerDevice;
  }

  snapshot(): SyncRow[] {
    return this.targets.map((t) => ({ ...this.rows.get(t.key)! }));
  }

  /** Devices without a final outcome (first pass / resume after a crash). */
  pendingKeys(): string[] {
    return this.targets.filter((t) => this.rows.get(t.key)!.outcome === undefined).map((t) => t.key);
  }

  failedKeys(): string[] {
    return this.targets.filter((t) => {
      const o = this.rows.get(t.key)!.outcome;
      return o !== undefined && !OUTCOMES[o].success;
    }).map((t) => t.key);
  }

  /**
   * Failed devices a retry may touch now: not those still locked (they wait for
   * their countdown) nor those whose failed sign-ins already fill the budget.
   */
  retryableKeys(): string[] {
    const now = this.clock.now();
    return this.failedKeys().filter((k) => {
      const o = this.rows.get(k)!.outcome!;
      return OUTCOMES[o].retryable && this.budget.canTry(k) && this.budget.lockedUntil(k, now) === undefined;
    });
  }

  /** Runs the given devices (default: those without an outcome). One pass at a time. */
  async runPass(secrets: SyncSecrets, keys = this.pendingKeys()): Promise<SyncRow[]> {
    if (this.pass) throw new Error('A pass of this run is already going.');
    this.pass = this.doPass(secrets, keys);
    try {
      return await this.pass;
    } finally {
      this.pass = undefined;
    }
  }

  private async doPass(secrets: SyncSecrets, keys: string[]): Promise<SyncRow[]> {
    this.controller = new AbortController();
    const signal = this.controller.signal;
    // Every running device listens for cancel.
    setMaxListeners(0, signal);
    const wanted = new Set(keys);
    const retrying = this.targets.filter((t) => wanted.has(t.key) && this.rows.get(t.key)!.outcome !== undefined).map((t) => t.key);
    if (retrying.length) await this.journal?.append({ t: 'retry', keys: retrying, at: this.clock.now() });
    this.finishedAt = undefined;
    const todo = this.targets.filter((t) => wanted.has(t.key));
    for (const t of todo) this.update({ ...this.rows.get(t.key)!, step: 'queued', outcome: undefined, detail: '', nextStep: '', unlockAt: undefined, subcode: undefined });
    const limit = pLimit(this.cfg.concurrency);
    // Outcome records are flushed outside the device's concurrency slot; the pass waits for all of them.
    // A crash before one lands only means that device is checked again on resume (new password first).
    const outcomeWrites: Promise<void>[] = [];
    await Promise.all(
      todo.map((target) =>
        limit(async () => {
          const row = await syncDevice({
            target, candidates: secrets.currentPasswords, newPassword: secrets.newPassword, budget: this.budget, clock: this.clock,
            journal: this.journal, factory: this.o.clientFactory, timeoutMs: this.cfg.timeoutMs, retries: this.cfg.retries,
            retryBaseMs: this.cfg.retryBaseMs, settleMs: this.cfg.settleMs, lateApplyMs: this.cfg.lateApplyMs, defaultLockMs: this.cfg.defaultLockMs, signal,
            resumeAfterSet: this.setUserPending.has(target.key),
            onStep: (r) => this.update(r),
            onRequests: (n) => (this.requestCount += n),
          });
          this.setUserPending.delete(target.key);
          if (this.journal) outcomeWrites.push(this.journal.append({ t: 'outcome', key: target.key, row }));
          this.update(row);
        }),
      ),
    );
    await Promise.all(outcomeWrites);
    this.finishedAt = this.clock.now();
    await this.journal?.append({ t: 'end', at: this.finishedAt });
    return this.snapshot();
  }

  /** Stops starting devices; in-flight password changes are still verified. */
  cancel(): boolean {
    if (!this.controller || this.controller.signal.aborted || !this.pass) return false;
    this.controller.abort();
    return true;
  }

  async close(): Promise<void> {
    await this.journal?.close();
  }

  private update(row: SyncRow): void {
    this.rows.set(row.key, row);
    this.o.onRow?.({ ...row });
  }
}

export interface SyncResult {
  runId: string;
  resumed: boolean;
  rows: SyncRow[];
  requestCount: number;
}

/** One-shot: run (or resume) every device and close the journal. */
export async function runSync(o: SyncRunOptions & SyncSecrets & { signal?: AbortSignal }): Promise<SyncResult> {
  const run = await SyncRun.create(o);
  const onAbort = () => run.cancel();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const rows = await run.runPass(o);
    return { runId: run.runId, resumed: run.resumed, rows, requestCount: run.requestCount };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
}
