import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError, type CallName } from '../../common/contract';
import type { SyncRunState } from '../../common/contract/sync';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { toCsv, toHtmlReport, toJsonReport, type ReportChannel, type ReportFormat, type SyncRow } from '../../common/sync/report';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { caseAccount, type Keychain } from '../core/keychain';
import { newPasswordProblem, runWarnings, SyncRun, SYNC_DEFAULTS, type SyncSecrets, type SyncRunOptions } from './engine';
import { JournalIndex } from './journal-index';
import { onvifClientFactory } from './onvif-factory';
import type { ClientFactory } from './port';
import { RowBatcher } from '../core/row-batcher';

type SyncHandlers = Pick<Handlers, Extract<CallName, `sync.${string}`>>;

export interface SyncDeps {
  /** The one keychain of the app (a reset case's new password), given by the composition root; tests pass a memory one. */
  keychain: Keychain;
  /** Tests swap the ONVIF clients for fakes. */
  clientFactory?: ClientFactory;
  /** Engine knobs for tests (short timeouts). */
  engine?: Partial<Pick<SyncRunOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'lateApplyMs' | 'openJournalFile'>>;
}

interface Held {
  run: SyncRun;
  /** Kept in memory only, for "retry failed" without re-entry; gone on restart. */
  secrets?: SyncSecrets;
  warnings: string[];
  /** The NVR's channels when this run closed the loop (site feature): the report shows them. */
  channels?: ReportChannel[];
  /** Accounts retried with another new password (their camera refused the run's under its own rule): memory only. */
  passwordFor: Map<string, string>;
  dispose(): void;
}

const PROGRESS_MS = 100;

/** A sync run another feature drives camera by camera (close the loop): its rows show in sync.status and its report. */
export interface SyncRunHook {
  runId: string;
  /** Runs these accounts (those without an outcome yet); one pass at a time, so calls queue. */
  change(keys: string[]): Promise<SyncRow[]>;
  rows(): SyncRow[];
  pendingKeys(): string[];
  /** This account was put back on the password the NVR stores by a run of its own (SyncRun.settleAsPutBack). */
  settleAsPutBack(key: string, detail: string): Promise<void>;
  /**
   * Passwords known to be current for some accounts (by target key), learnt after the run was
   * opened (e.g. read from the NVR): memory only, registered as secrets, tried first for that
   * account alone by the next change().
   */
  addKnownPasswords(known: Record<string, string[]>): void;
  /** Ends the run; with the NVR's channels when the loop was closed (its report shows them). */
  finish(channels?: ReportChannel[]): Promise<void>;
}

export interface OpenRunOptions {
  /**
   * The run this one is a step of (close-the-loop's rollback of one account): it does not become the run
   * `sync.status` shows by default, and it shares the Administrators that run proved on each camera (an
   * Operator account is put back through one).
   */
  partOf?: string;
}

type OpenRun = (targets: SyncTarget[], secrets: SyncSecrets, o?: OpenRunOptions) => Promise<SyncRunHook>;

/** sync.* verbs: runs of the engine, their live rows, retry, reports; and runs another feature drives (openRun). */
export async function setupSync(ctx: ServiceContext, deps: SyncDeps): Promise<Feature<SyncHandlers> & { openRun: OpenRun }> {
  const sync = new SyncService(ctx, deps);
  const handlers: SyncHandlers = {
    'sync.start': (input) => sync.start(input),
    'sync.cancel': (input) => ({ cancelled: sync.find(input?.runId).run.cancel() }),
    'sync.retryFailed': (input) => sync.retryFailed(input),
    'sync.status': (input) => sync.status(input?.runId),
    'sync.report': ({ runId, format }) => reportOf(sync.find(runId), format, ctx.host.printToPdf),
    'sync.runs': () => sync.index.summaries(),
  };
  return { handlers, openRun: (targets, secrets, o) => sync.openRun(targets, secrets, o), dispose: () => sync.dispose() };
}

type StartInput = Parameters<SyncHandlers['sync.start']>[0];
type RetryFailedInput = Parameters<SyncHandlers['sync.retryFailed']>[0];

/** The feature's runs in this session and the verbs on them, each a short method. */
class SyncService {
  readonly index: JournalIndex;
  private readonly dir: string;
  private readonly log;
  private readonly keychain: Keychain;
  private readonly runs = new Map<string, Held>();
  /** The run sync.status shows by default: the last one opened that is not a step of another. */
  private latest: string | undefined;
  private readonly progress: RowBatcher<SyncRow>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: SyncDeps,
  ) {
    this.dir = join(ctx.dataDir, 'sync');
    this.log = ctx.log.child('sync');
    this.keychain = deps.keychain;
    this.index = new JournalIndex(this.dir, (path, count) => this.log.warn('sync journal lines skipped (unreadable or of the wrong shape)', { path, count }));
    // A 1,000-camera run changes rows thousands of times a second: one sync.progress per run at most every PROGRESS_MS.
    this.progress = new RowBatcher<SyncRow>((runId, rows) => ctx.events.emit('sync.progress', { runId, rows }), PROGRESS_MS);
  }

  async start(input: StartInput) {
    this.register({ currentPasswords: input.currentPasswords, newPassword: input.newPassword ?? '' });
    const newPassword = input.caseId !== undefined ? await this.casePassword(input.caseId) : input.newPassword!;
    const secrets: SyncSecrets = { currentPasswords: input.currentPasswords, newPassword };
    const h = await this.openHeld(input.targets, secrets, { concurrency: input.concurrency, maxFailedAuthsPerDevice: input.maxFailedAuthsPerDevice });
    this.log.info('sync started', { runId: h.run.runId, devices: h.run.targets.length, concurrency: h.run.concurrency });
    this.startPass(h, secrets);
    return { runId: h.run.runId, ...(h.warnings.length ? { warnings: h.warnings } : {}) };
  }

  retryFailed(input: RetryFailedInput) {
    const h = this.find(input?.runId);
    if (h.run.running) throw new AppError('conflict', 'This run is still going.');
    for (const p of [...(input?.currentPasswords ?? []), input?.newPassword]) this.ctx.secrets.add(p);
    const plan = retryPlan(h, input);
    if (plan.another) {
      // Only the cameras that refused the run's password under their own rule get the other one; the rest keep the run's.
      for (const k of plan.keys) h.passwordFor.set(k, plan.secrets.newPassword);
    } else {
      h.secrets = plan.secrets;
      h.warnings = runWarnings(plan.secrets, h.run.maxFailedAuths);
    }
    this.startPass(h, plan.secrets, plan.keys);
    return { runId: h.run.runId, retried: plan.keys.length };
  }

  status(runId: string | undefined): SyncRunState | null {
    const id = runId ?? this.latest;
    const h = id ? this.runs.get(id) : undefined;
    return h ? stateOf(h) : null;
  }

  find(runId?: string): Held {
    const id = runId ?? this.latest;
    const h = id ? this.runs.get(id) : undefined;
    if (!h) throw new AppError('not-found', runId ? `No sync run ${runId} in this session.` : 'No sync run yet.');
    return h;
  }

  async openRun(targets: SyncTarget[], given: SyncSecrets, o: OpenRunOptions = {}): Promise<SyncRunHook> {
    return hookOf(await this.openHeld(targets, given, o), {
      flush: () => this.progress.flush(),
      register: (s) => this.register(s),
      finished: (h) => this.ctx.events.emit('sync.finished', stateOf(h)),
    });
  }

  async dispose(): Promise<void> {
    this.progress.stop();
    for (const h of this.runs.values()) {
      h.run.cancel();
      h.dispose();
      await h.run.close().catch(() => {});
    }
  }

  /**
   * A run over these targets, held for status, retry and reports. A run the app was killed in the middle of,
   * over the same cameras, is resumed rather than started again: finished cameras are not repeated and its
   * failed sign-ins still count. Nothing is contacted here.
   */
  private async openHeld(targets: SyncTarget[], secrets: SyncSecrets, o: { concurrency?: number; maxFailedAuthsPerDevice?: number } & OpenRunOptions = {}): Promise<Held> {
    this.register(secrets);
    if ([...this.runs.values()].some((h) => h.run.running)) throw new AppError('conflict', 'A sync is already running; cancel it or wait for it to end.');
    const problem = newPasswordProblem(secrets.newPassword);
    if (problem) throw new AppError('bad-request', problem);
    const clients = this.deps.clientFactory ? undefined : onvifClientFactory(o.concurrency ?? SYNC_DEFAULTS.concurrency);
    let run: SyncRun;
    try {
      run = await this.createRun(targets, o, this.deps.clientFactory ?? clients!.factory);
    } catch (err) {
      clients?.dispose();
      throw new AppError('unavailable', (err as Error).message);
    }
    if (run.badJournalLines) this.log.warn('resumed sync journal had unreadable lines; skipped', { runId: run.runId, count: run.badJournalLines });
    // A resumed run: the accounts its journal says hold the new password may change the camera's Operator accounts (once they sign in).
    run.hintAdministrators(secrets.newPassword);
    const h: Held = { run, secrets, warnings: runWarnings(secrets, run.maxFailedAuths), passwordFor: new Map(), dispose: () => clients?.dispose() };
    this.runs.set(run.runId, h);
    if (!o.partOf) this.latest = run.runId;
    return h;
  }

  /** The engine's run: an unfinished journal over the same targets resumes, else a new one; on the app's one gate. */
  private createRun(targets: SyncTarget[], o: { concurrency?: number; maxFailedAuthsPerDevice?: number } & OpenRunOptions, clientFactory: ClientFactory): Promise<SyncRun> {
    const unfinished = this.index.findUnfinished(targets.map(targetKey));
    const runId = unfinished?.runId ?? `${new Date(this.ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    if (unfinished) this.log.info('resuming an interrupted sync run', { runId });
    const journalPath = unfinished?.path ?? join(this.dir, `${runId}.jsonl`);
    const parent = o.partOf !== undefined ? this.runs.get(o.partOf) : undefined;
    // A rollback of an Operator account goes through its camera's Administrator, which may not have had its turn yet.
    if (parent?.secrets) parent.run.hintAdministrators(parent.secrets.newPassword, { currentPasswords: parent.secrets.currentPasswords });
    return SyncRun.create({
      ...this.deps.engine, runId, targets, concurrency: o.concurrency ?? SYNC_DEFAULTS.concurrency, maxFailedAuthsPerDevice: o.maxFailedAuthsPerDevice, clock: this.ctx.clock,
      // The app's one gate: enrichment and every other feature share each camera's budget and turn.
      gate: this.ctx.gate,
      ...(parent ? { administrators: parent.run.administrators } : {}),
      clientFactory,
      journalPath,
      onRow: (row) => this.onRow(runId, row),
      onJournalRecord: (rec) => this.index.apply(journalPath, rec),
    });
  }

  private onRow(runId: string, row: SyncRow): void {
    // A camera that ended with the new password proven on it: the inventory may now read its firmware and
    // serial with that password (no guessing). An account changed through the camera's Administrator does
    // not replace that Administrator's credential.
    const h = this.runs.get(runId);
    const password = h?.passwordFor.get(row.key) ?? h?.secrets?.newPassword;
    const proven = row.outcome === 'updated' || row.outcome === 'already-current';
    if (password && proven && (row.via === undefined || !this.ctx.credentials.get(row.xaddr))) {
      this.ctx.credentials.set(row.xaddr, { username: row.username, password });
    }
    this.progress.add(runId, row);
  }

  private startPass(h: Held, secrets: SyncSecrets, keys?: string[]): void {
    h.run
      .runPass(secrets, keys)
      .then(() => {
        this.progress.flush();
        const s = stateOf(h);
        const counts = s.rows.reduce<Record<string, number>>((a, r) => ((a[r.outcome ?? 'none'] = (a[r.outcome ?? 'none'] ?? 0) + 1), a), {});
        if (h.run.journalError) this.log.error('sync stopped: journal write failed', { runId: h.run.runId, error: h.run.journalError.message });
        this.log.info('sync pass finished', { runId: h.run.runId, counts });
        this.ctx.events.emit('sync.finished', s);
      })
      .catch((err: unknown) => this.log.error('sync pass crashed', { runId: h.run.runId, error: String(err) }));
  }

  private register(s: SyncSecrets): void {
    for (const p of [...s.currentPasswords, s.newPassword, ...knownValues(s.knownPasswords)]) this.ctx.secrets.add(p);
  }

  /** The new password a reset case keeps in the keychain. */
  private async casePassword(caseId: string): Promise<string> {
    let pw: string | null | undefined;
    try {
      pw = await this.keychain.get(caseAccount(caseId));
    } catch (e) {
      throw new AppError('unavailable', (e as Error).message);
    }
    if (!pw) throw new AppError('not-found', `No new password is stored for case ${caseId}; type it in instead.`);
    this.ctx.secrets.add(pw);
    return pw;
  }
}


function stateOf(h: Held): SyncRunState {
  return {
    runId: h.run.runId,
    startedAt: h.run.startedAt,
    finishedAt: h.run.finishedAt,
    running: h.run.running,
    concurrency: h.run.concurrency,
    maxFailedAuthsPerDevice: h.run.maxFailedAuths,
    hasSecrets: h.secrets !== undefined,
    rows: h.run.snapshot(),
    ...(h.warnings.length ? { warnings: h.warnings } : {}),
  };
}

/** The run as another feature drives it: one pass at a time (calls queue), its rows, more known passwords, its end. */
function hookOf(h: Held, f: { flush(): void; register(s: SyncSecrets): void; finished(h: Held): void }): SyncRunHook {
  const run = h.run;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    runId: run.runId,
    change(keys) {
      const next = chain.then(async () => {
        const pending = new Set(run.pendingKeys());
        const todo = keys.filter((k) => pending.has(k));
        const rows = todo.length && !run.journalError ? await run.runPass(h.secrets!, todo) : run.snapshot();
        f.flush();
        return rows;
      });
      chain = next.catch(() => undefined);
      return next;
    },
    rows: () => run.snapshot(),
    pendingKeys: () => run.pendingKeys(),
    settleAsPutBack(key, detail) {
      const next = chain.then(() => run.settleAsPutBack(key, detail));
      chain = next.catch(() => undefined);
      return next;
    },
    addKnownPasswords(known) {
      h.secrets = withKnown(h.secrets!, known);
      f.register(h.secrets);
    },
    async finish(channels) {
      await chain;
      if (channels) h.channels = channels;
      f.flush();
      f.finished(h);
    },
  };
}

type RetryInput = { currentPasswords?: string[]; newPassword?: string } | undefined;

/**
 * What "retry failed" runs, and with which passwords: the run's own (or the ones typed again), for the
 * accounts the one retry rule allows (common/sync/retry.ts); or, given another new password, only the
 * accounts whose camera refused the run's password under its own rule.
 */
function retryPlan(h: Held, input: RetryInput): { secrets: SyncSecrets; keys: string[]; another: boolean } {
  const secrets: SyncSecrets | undefined =
    input?.currentPasswords || input?.newPassword
      ? { ...h.secrets, currentPasswords: input.currentPasswords ?? h.secrets?.currentPasswords ?? [], newPassword: input.newPassword ?? h.secrets?.newPassword ?? '' }
      : h.secrets;
  if (!secrets || !secrets.currentPasswords.length || !secrets.newPassword) {
    throw new AppError('conflict', 'Enter the current and new passwords again to retry (the app does not keep them after a restart).');
  }
  const problem = newPasswordProblem(secrets.newPassword);
  if (problem) throw new AppError('bad-request', problem);
  const another = h.secrets !== undefined && secrets.newPassword !== h.secrets.newPassword;
  const refusedIt = new Set(h.run.needNewPasswordKeys());
  const keys = another ? h.run.retryableKeys('another').filter((k) => refusedIt.has(k)) : h.run.retryableKeys('same');
  if (keys.length) return { secrets, keys, another };
  const n = refusedIt.size;
  if (n && !another) throw new AppError('conflict', `${n} camera${n === 1 ? '' : 's'} refused this new password under ${n === 1 ? 'its' : 'their'} own rule: enter another new password to retry ${n === 1 ? 'it' : 'them'}.`);
  throw new AppError('conflict', another ? 'No camera refused the new password under its own rule: another new password is not needed.' : 'No failed camera can be retried now (locked ones wait for their countdown; ones that used their failed sign-ins wait for a new run).');
}

/** A run's report in one format, without any password (PDF: through the desktop host only). */
async function reportOf(h: Held, format: ReportFormat, printToPdf: ((html: string) => Promise<Uint8Array>) | undefined) {
  const rows = h.run.snapshot();
  const base = `camera-sync-${h.run.runId}`;
  if (format === 'csv') return { filename: `${base}.csv`, mime: 'text/csv', content: toCsv(rows, h.channels), encoding: 'utf8' as const };
  if (format === 'json') return { filename: `${base}.json`, mime: 'application/json', content: toJsonReport(rows, h.channels), encoding: 'utf8' as const };
  const html = toHtmlReport(rows, { runId: h.run.runId, startedAt: h.run.startedAt, finishedAt: h.run.finishedAt, ...(h.channels ? { channels: h.channels } : {}) });
  if (format === 'html') return { filename: `${base}.html`, mime: 'text/html', content: html, encoding: 'utf8' as const };
  if (!printToPdf) throw new AppError('unavailable', 'PDF export needs the desktop app. Open the printable report and use your browser’s Print → Save as PDF.');
  const pdf = await printToPdf(html);
  return { filename: `${base}.pdf`, mime: 'application/pdf', content: Buffer.from(pdf).toString('base64'), encoding: 'base64' as const };
}

/** The secrets with more known passwords for some accounts (each list kept once, strings only). */
function withKnown(secrets: SyncSecrets, known: Record<string, string[]>): SyncSecrets {
  const merged: Record<string, string[]> = { ...secrets.knownPasswords };
  for (const [key, list] of Object.entries(known)) {
    if (!Array.isArray(list)) continue;
    merged[key] = [...new Set([...(merged[key] ?? []), ...list.filter((p) => typeof p === 'string')])];
  }
  return { ...secrets, knownPasswords: merged };
}

/** Every password in a knownPasswords map, whatever shape a caller handed in. */
function knownValues(known: SyncSecrets['knownPasswords']): string[] {
  return Object.values(known ?? {}).flatMap((list) => (Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : []));
}
