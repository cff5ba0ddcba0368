import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { OffsetClock, type Clock } from '../../common/clock';
import { budgetWarning, type SiteEvidence } from '../../common/sync/candidates';
import { SyncPassword } from '../../common/contract/sync';
import { OUTCOMES } from '../../common/sync/outcomes';
import { isRetryable, needsNewPassword } from '../../common/sync/retry';
import { passwordRuleProblem } from '../../common/reset/password';
import type { SyncRow } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { CredentialGate, deviceKeyOf, type DeviceLease, type GateRecord } from '../core/credential-gate';
import { foldRecord, gateRecordsOf, Journal, JournalWriteError, readJournal, type JournalRecord, type JournalState, type OpenJournalFile } from './journal';
import type { AccountJob, CameraEvidence } from './account';
import { Administrators } from './administrators';
import { syncAccount } from './pipeline';
import type { ClientFactory } from './port';

export interface SyncSecrets {
  currentPasswords: string[];
  newPassword: string;
  /**
   * Passwords known to be current for one account (by its target key), e.g. the
   * one the NVR stores for the camera's account it signs in with. Memory only;
   * tried before the shared list for that account and never for any other.
   */
  knownPasswords?: Record<string, string[]>;
}

/** At most this many known passwords per account are tried (each may cost a refused sign-in). */
const MAX_KNOWN = 3;

/** The known passwords of one account, checked (they come from a device: hostile until shown otherwise). */
function knownFor(secrets: SyncSecrets, key: string): string[] {
  const list = Object.hasOwn(secrets.knownPasswords ?? {}, key) ? secrets.knownPasswords![key] : undefined;
  if (!Array.isArray(list)) return [];
  const ok = list.filter((p): p is string => SyncPassword.safeParse(p).success);
  return [...new Set(ok)].slice(0, MAX_KNOWN);
}

export interface SyncRunOptions {
  targets: SyncTarget[];
  clientFactory: ClientFactory;
  /**
   * The app's credential gate (ctx.gate). The CLI and the bench leave it out: the
   * run builds its own, restored from and persisted to its journal.
   */
  gate?: CredentialGate;
  concurrency?: number;
  /** Refused sign-ins per camera (all its accounts together) this run allows. */
  maxFailedAuthsPerDevice?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Extra tries for transient network errors only (never SetUser). */
  retries?: number;
  retryBaseMs?: number;
  /** How long after SetUser a camera may take to switch to the new password (a refused first look gets one more after it). */
  lateApplyMs?: number;
  /** Lock length assumed when a device reports a lock without Retry-After. */
  defaultLockMs?: number;
  /** The NVR's own sync may have set the new password already: try it first. */
  nvrSynced?: boolean;
  clock?: Clock;
  /** JSONL journal; when it already holds a run for these targets, that run resumes. */
  journalPath?: string;
  /** Tests inject a journal file that fails (disk full). */
  openJournalFile?: OpenJournalFile;
  /**
   * What runs proved about each camera's Administrator accounts: give a run opened as a step of another
   * (close-the-loop's extra accounts, a rollback) the other's, so an Operator account there is changed
   * through the Administrator that run proved. Default: the run's own.
   */
  administrators?: Administrators;
  /** Spends and locks of an earlier run on these cameras (a finished journal the CLI archives): the budget goes on from them. */
  gateRecords?: GateRecord[];
  runId?: string;
  /** Called on every step or outcome change of a device. */
  onRow?: (row: SyncRow) => void;
  /** Each journal record once it is on disk (the app's journal index follows its runs this way). */
  onJournalRecord?: (rec: JournalRecord) => void;
}

export const SYNC_DEFAULTS = { concurrency: 16, maxFailedAuthsPerDevice: 2, timeoutMs: 8000, retries: 2, retryBaseMs: 250, lateApplyMs: 3000, defaultLockMs: 30 * 60_000 };

type Cfg = typeof SYNC_DEFAULTS;

/** Why the new password cannot be sent at all (the app's one rule, common/reset/password.ts): refused before any camera is touched. */
export const newPasswordProblem = passwordRuleProblem;

/** What the technician is told before a run starts. */
export function runWarnings(secrets: SyncSecrets, maxFailures: number): string[] {
  const w = budgetWarning(secrets.currentPasswords.length, maxFailures);
  return w ? [w] : [];
}

/**
 * One run over a fixed target list: the first pass, then any "retry failed"
 * passes, share one budget (the credential gate's) and one journal. Usable
 * without the app (CLI, bench): everything it needs comes in through the options.
 * Accounts of one camera run one after another inside the gate; cameras run in
 * parallel up to `concurrency`.
 */
export class SyncRun {
  readonly runId: string;
  readonly startedAt: number;
  finishedAt: number | undefined;
  readonly targets: SyncTarget[];
  readonly resumed: boolean;
  /** Journal lines of the resumed run that were unreadable and skipped. */
  readonly badJournalLines: number;
  requestCount = 0;
  readonly gate: CredentialGate;
  readonly administrators: Administrators;
  private readonly rows = new Map<string, SyncRow>();
  private readonly clock: Clock;
  private readonly cfg: Cfg;
  /** What the journal says (or would say, without one): decisions after a SetUser read this, not the process's memory. */
  private state: JournalState;
  private evidence: SiteEvidence;
  private evidenceFor: string[] | undefined;
  private evidenceNew: string | undefined;
  private controller: AbortController | undefined;
  private pass: Promise<SyncRow[]> | undefined;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly o: SyncRunOptions,
    private readonly journal: Journal | undefined,
    prior: JournalState | undefined,
  ) {
    this.clock = o.clock ?? new OffsetClock();
    const cfg: Cfg = { ...SYNC_DEFAULTS };
    for (const k of Object.keys(SYNC_DEFAULTS) as (keyof Cfg)[]) if (o[k] !== undefined) cfg[k] = o[k]!;
    if (prior) cfg.maxFailedAuthsPerDevice = prior.maxFailedAuths;
    this.cfg = cfg;
    this.gate = o.gate ?? new CredentialGate({ clock: this.clock, maxFailures: cfg.maxFailedAuthsPerDevice });
    this.administrators = o.administrators ?? new Administrators();
    this.runId = prior?.runId ?? o.runId ?? `${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    this.startedAt = prior?.startedAt ?? this.clock.now();
    this.resumed = prior !== undefined;
    this.badJournalLines = prior?.badLines ?? 0;

    const seen = new Set<string>();
    this.targets = [];
    for (const t of o.targets) {
      const key = targetKey(t);
      if (seen.has(key)) continue;
      seen.add(key);
      this.targets.push(t);
      this.rows.set(key, { key, xaddr: t.xaddr, username: t.username, deviceId: t.deviceId, step: 'queued', detail: '', nextStep: '', attempts: 0, failedAuths: 0, ms: 0 });
    }
    this.state = prior ?? foldRecord(undefined, this.header())!;
    this.evidence = { proven: [], newAlreadySet: o.nvrSynced ?? false };
    if (prior) {
      this.gate.restore(gateRecordsOf(prior));
      for (const [key, row] of prior.outcomes) {
        if (!this.rows.has(key)) continue;
        this.rows.set(key, row);
        if (row.outcome === 'already-current') this.evidence.newAlreadySet = true;
        if (row.candidate && row.outcome === 'updated' && !this.evidence.proven.includes(row.candidate - 1)) this.evidence.proven.push(row.candidate - 1);
      }
    }
    // Every spend and lock on this run's cameras goes into its journal, whichever feature caused it.
    const devices = new Set(this.targets.map((t) => deviceKeyOf(t.xaddr)));
    this.unsubscribe = this.gate.onRecord((rec) => {
      if (devices.has(deviceKeyOf(rec.device))) this.record({ t: 'gate', rec }).catch(() => {});
    });
  }

  static async create(o: SyncRunOptions): Promise<SyncRun> {
    const prior = o.journalPath ? readJournal(o.journalPath) : undefined;
    if (prior) {
      const want = new Set(o.targets.map(targetKey));
      const had = new Set(prior.targets.map(targetKey));
      if (want.size !== had.size || [...want].some((k) => !had.has(k))) {
        throw new Error(`The journal ${o.journalPath} belongs to a run with different targets; use another journal file.`);
      }
    }
    const journal = o.journalPath ? await Journal.open(o.journalPath, o.openJournalFile) : undefined;
    const run = new SyncRun(o, journal, prior);
    try {
      if (journal && !prior) await run.record(run.header());
      // Spends and locks an earlier run left (the CLI's finished journal): counted here, and in this run's journal.
      if (o.gateRecords?.length) run.gate.restore(o.gateRecords);
      const mine = new Set(run.targets.map((t) => deviceKeyOf(t.xaddr)));
      if (o.gateRecords?.length && !prior) for (const rec of run.gate.records().filter((r) => mine.has(r.device))) await run.record({ t: 'gate', rec });
    } catch (err) {
      // A full disk at the first line: the run never starts, and its file is closed now, not by the garbage collector.
      await run.close();
      throw err;
    }
    return run;
  }

  private header(): JournalRecord {
    return {
      t: 'run', v: 2, runId: this.runId, startedAt: this.startedAt, maxFailedAuths: this.cfg.maxFailedAuthsPerDevice,
      concurrency: this.cfg.concurrency, targets: this.targets.map(({ xaddr, username, deviceId, allowBasic, allowPasswordText }) => ({ xaddr, username, deviceId, allowBasic, allowPasswordText })),
    };
  }

  /** Writes a record (when there is a journal) and folds it into the run's state once it is on disk. `lazy`: see Journal.append. */
  private record = async (rec: JournalRecord, o?: { lazy?: boolean }): Promise<void> => {
    if (this.journal) await this.journal.append(rec, o);
    if (rec.t !== 'run') foldRecord(this.state, rec);
    if (this.journal) this.o.onJournalRecord?.(rec);
  };

  get running(): boolean {
    return this.pass !== undefined;
  }
  get concurrency(): number {
    return this.cfg.concurrency;
  }
  get maxFailedAuths(): number {
    return this.cfg.maxFailedAuthsPerDevice;
  }
  /** The journal write that stopped the run (disk full…), if any. */
  get journalError(): JournalWriteError | undefined {
    return this.journal?.failure;
  }

  snapshot(): SyncRow[] {
    return this.targets.map((t) => ({ ...this.rows.get(targetKey(t))! }));
  }

  /** Accounts without a final outcome (first pass / resume after a crash). */
  pendingKeys(): string[] {
    return this.targets.map(targetKey).filter((k) => this.rows.get(k)!.outcome === undefined);
  }

  failedKeys(): string[] {
    return this.targets.map(targetKey).filter((k) => {
      const o = this.rows.get(k)!.outcome;
      return o !== undefined && !OUTCOMES[o].success;
    });
  }

  /**
   * Failed accounts a retry may touch now (common/sync/retry.ts, the rule the Sync screen shows too), with
   * each camera's budget read from the gate. `newPassword`: whether the retry brings another new password
   * (cameras that refused this one under their own rule are retried only then).
   */
  retryableKeys(newPassword: 'same' | 'another' = 'same'): string[] {
    return this.failedKeys().filter((k) => {
      const row = this.rows.get(k)!;
      return isRetryable(row, this.gate.status(row.xaddr), this.cfg.maxFailedAuthsPerDevice, this.clock.now(), newPassword);
    });
  }

  /** Failed accounts whose camera refused this new password under its own rule: they need another. */
  needNewPasswordKeys(): string[] {
    return this.failedKeys().filter((k) => needsNewPassword(this.rows.get(k)!));
  }

  /**
   * Close-the-loop put this account back on the password the NVR stores (a
   * verified SetUser of a run of its own) while this run still had it open —
   * an earlier run's SetUser that a crash left unverified. This run's record of
   * the account ends there (`cancelled`), so neither a later pass nor a resume
   * verifies a password the camera no longer holds, spending its refusals.
   * An account that already has an outcome keeps it.
   */
  async settleAsPutBack(key: string, detail: string): Promise<void> {
    const row = this.rows.get(key);
    if (!row || row.outcome !== undefined) return;
    const done: SyncRow = { ...row, step: 'done', outcome: 'cancelled', detail, nextStep: 'Run the sync again to change this account.', finishedAt: this.clock.now() };
    await this.record({ t: 'outcome', key, row: done });
    this.update(done);
  }

  /** Runs the given accounts (default: those without an outcome). One pass at a time. */
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
    const problem = newPasswordProblem(secrets.newPassword);
    if (problem) throw new Error(problem);
    this.evidenceForPass(secrets);
    this.hintAdministrators(secrets.newPassword);
    const wanted = new Set(keys);
    const todo = this.targets.filter((t) => wanted.has(targetKey(t)));
    const retrying = todo.map(targetKey).filter((k) => this.rows.get(k)!.outcome !== undefined);
    this.finishedAt = undefined;
    try {
      if (retrying.length) await this.record({ t: 'retry', keys: retrying, at: this.clock.now() });
    } catch {
      return this.stopForJournal(todo);
    }
    for (const t of todo) this.update({ ...this.rows.get(targetKey(t))!, step: 'queued', outcome: undefined, detail: '', nextStep: '', unlockAt: undefined, subcode: undefined });

    // One slot per camera: its accounts run one after another inside the gate.
    const cameras = new Map<string, SyncTarget[]>();
    for (const t of todo) {
      const d = deviceKeyOf(t.xaddr);
      cameras.set(d, [...(cameras.get(d) ?? []), t]);
    }
    const limit = pLimit(this.cfg.concurrency);
    // Outcome records are flushed outside the camera's slot; the pass waits for all of them.
    // A crash before one lands only means that account is verified again on resume.
    const outcomeWrites: Promise<void>[] = [];
    await Promise.all([...cameras].map(([device, accounts]) => limit(() => this.gate.withDevice(device, (lease) => this.runCamera(device, accounts, lease, secrets, signal, outcomeWrites)))));
    // The pass waits on its lazy outcome records: they go now rather than after LAZY_FLUSH_MS.
    this.journal?.flushNow();
    await Promise.all(outcomeWrites);
    this.finishedAt = this.clock.now();
    await this.record({ t: 'end', at: this.finishedAt }).catch(() => {});
    return this.snapshot();
  }

  /**
   * Accounts this run's journal says ended holding the new password (an interrupted run, resumed): an
   * account of the same camera that needs an Administrator signs in with one of them before relying on it.
   * `others`: the run's current passwords, for its accounts that did not end so (a rollback run opened as
   * a step of this one may come before their turn): the new password first, as an account is put back
   * only after its camera's Administrator changed.
   */
  hintAdministrators(newPassword: string, others?: { currentPasswords: string[] }): void {
    for (const row of this.rows.values()) {
      if (row.via !== undefined || (row.userLevel ?? 'Administrator') !== 'Administrator') continue;
      const holdsNew = row.outcome === 'updated' || row.outcome === 'already-current';
      const passwords = holdsNew ? [newPassword] : others ? [newPassword, ...others.currentPasswords] : [];
      if (passwords.length) this.administrators.hint(deviceKeyOf(row.xaddr), { username: row.username, passwords });
    }
  }

  /** What earlier passes learnt about the site's passwords holds only for the same passwords. */
  private evidenceForPass(secrets: SyncSecrets): void {
    const same = this.evidenceFor && this.evidenceFor.length === secrets.currentPasswords.length && this.evidenceFor.every((p, i) => p === secrets.currentPasswords[i]);
    // Positions proven in an earlier pass mean nothing for another list.
    if (this.evidenceFor && !same) this.evidence.proven = [];
    // Cameras holding the run's new password say nothing about another one (a retry of cameras that refused it).
    if (this.evidenceNew !== undefined && this.evidenceNew !== secrets.newPassword) this.evidence.newAlreadySet = false;
    this.evidenceFor = [...secrets.currentPasswords];
    this.evidenceNew = secrets.newPassword;
  }

  /**
   * One camera's accounts, one after another inside its turn at the gate. An account that needs an
   * Administrator none has proven yet waits until the camera's other accounts have had their turn.
   */
  private async runCamera(device: string, accounts: SyncTarget[], lease: DeviceLease, secrets: SyncSecrets, signal: AbortSignal, outcomeWrites: Promise<void>[]): Promise<void> {
    const camera = this.cameraEvidence(device);
    const queue = [...accounts];
    const waited = new Set<string>();
    for (let target = queue.shift(); target; target = queue.shift()) {
      const key = targetKey(target);
      if (this.journal?.failure) {
        this.update(this.journalStopRow(key));
        continue;
      }
      const row = await syncAccount(this.jobFor(target, { secrets, lease, camera, signal }));
      if (camera.applyDelayMs !== undefined) this.administrators.noteApplyDelay(device, camera.applyDelayMs);
      if (row.subcode === 'NeedsAdministrator' && queue.length && !waited.has(key)) {
        waited.add(key);
        queue.push(target);
        continue;
      }
      outcomeWrites.push(this.record({ t: 'outcome', key, row }, { lazy: true }).catch(() => {}));
      this.update(row);
      if (this.journal?.failure) this.controller?.abort();
    }
  }

  /** What earlier accounts of this camera showed, in this process (this run or one it is a step of) or one that died (the journal). */
  private cameraEvidence(device: string): CameraEvidence {
    const delays = [this.state.applyDelay.get(device), this.administrators.applyDelay(device)].filter((d): d is number => d !== undefined);
    const users = this.administrators.users(device);
    return { ...(delays.length ? { applyDelayMs: Math.max(...delays) } : {}), ...(users ? { users } : {}) };
  }

  private jobFor(target: SyncTarget, o: { secrets: SyncSecrets; lease: DeviceLease; camera: CameraEvidence; signal: AbortSignal }): AccountJob {
    const key = targetKey(target);
    return {
      target, candidates: o.secrets.currentPasswords, known: knownFor(o.secrets, key), newPassword: o.secrets.newPassword, lease: o.lease, limit: this.cfg.maxFailedAuthsPerDevice,
      evidence: this.evidence, camera: o.camera, administrators: this.administrators, clock: this.clock, record: this.record, flushJournal: () => this.journal?.flushNow(), factory: this.o.clientFactory,
      timeoutMs: this.cfg.timeoutMs, retries: this.cfg.retries, retryBaseMs: this.cfg.retryBaseMs, lateApplyMs: this.cfg.lateApplyMs,
      defaultLockMs: this.cfg.defaultLockMs, signal: o.signal, prior: this.priorOf(key),
      onStep: (r) => this.update(r),
      onRequests: (n) => (this.requestCount += n),
    };
  }

  /** What the journal says about this account's SetUser: decisions after one read this, not the process's memory. */
  private priorOf(key: string): AccountJob['prior'] {
    return {
      setUserSent: this.state.setUserSent.has(key),
      replaced: this.state.replaced.get(key),
      verified: this.state.verified.has(key) && this.state.setUserPending.has(key),
      setAt: this.state.setAt.get(key),
      answered: this.state.setUserAnswered.has(key),
      via: this.state.via.get(key),
    };
  }

  private journalStopRow(key: string): SyncRow {
    const msg = this.journal?.failure?.message ?? 'The journal could not be written.';
    return { ...this.rows.get(key)!, step: 'done', outcome: 'skipped', subcode: 'journal', detail: `Not touched: ${msg}`, nextStep: 'Free disk space (or choose a writable journal), then run again: finished cameras are not repeated.', finishedAt: this.clock.now() };
  }

  private stopForJournal(todo: SyncTarget[]): SyncRow[] {
    for (const t of todo) this.update(this.journalStopRow(targetKey(t)));
    this.finishedAt = this.clock.now();
    return this.snapshot();
  }

  /** Stops starting devices; in-flight password changes are still verified. */
  cancel(): boolean {
    if (!this.controller || this.controller.signal.aborted || !this.pass) return false;
    this.controller.abort();
    return true;
  }

  async close(): Promise<void> {
    this.unsubscribe();
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
  /** Set when a journal write failed and the run stopped (rows so far are still returned). */
  journalError?: string;
  badJournalLines: number;
}

/** One-shot: run (or resume) every account and close the journal. */
export async function runSync(o: SyncRunOptions & SyncSecrets & { signal?: AbortSignal }): Promise<SyncResult> {
  const run = await SyncRun.create(o);
  const onAbort = () => run.cancel();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const rows = await run.runPass(o);
    return { runId: run.runId, resumed: run.resumed, rows, requestCount: run.requestCount, badJournalLines: run.badJournalLines, ...(run.journalError ? { journalError: run.journalError.message } : {}) };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
}
