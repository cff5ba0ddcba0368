import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError, type CallName } from '../../common/contract';
import type { SyncRunState } from '../../common/contract/sync';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { toCsv, toHtmlReport, toJsonReport, type ReportChannel, type ReportFormat, type SyncRow } from '../../common/sync/report';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { caseAccount, createKeytarKeychain, type Keychain } from '../cases/keychain';
import { newPasswordProblem, runWarnings, SyncRun, SYNC_DEFAULTS, type SyncSecrets, type SyncRunOptions } from './engine';
import { JournalIndex } from './journal-index';
import { onvifClientFactory } from './onvif-factory';
import type { ClientFactory } from './port';

type SyncHandlers = Pick<Handlers, Extract<CallName, `sync.${string}`>>;

export interface SyncDeps {
  keychain?: Keychain;
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

export async function setupSync(ctx: ServiceContext, deps: SyncDeps = {}): Promise<Feature<SyncHandlers> & { openRun(targets: SyncTarget[], secrets: SyncSecrets, o?: OpenRunOptions): Promise<SyncRunHook> }> {
  const dir = join(ctx.dataDir, 'sync');
  const log = ctx.log.child('sync');
  const keychain = deps.keychain ?? createKeytarKeychain();
  const runs = new Map<string, Held>();
  let latest: string | undefined;
  const index = new JournalIndex(dir, (path, count) => log.warn('sync journal lines skipped (unreadable or of the wrong shape)', { path, count }));

  // Progress is batched: a 1,000-camera run changes rows thousands of times a second.
  const dirty = new Map<string, Map<string, SyncRow>>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    for (const [runId, rows] of dirty) ctx.events.emit('sync.progress', { runId, rows: [...rows.values()] });
    dirty.clear();
  };
  const onRow = (runId: string) => (row: SyncRow) => {
    // A camera that ended with the new password proven on it: the inventory may
    // now read its firmware and serial with that password (no guessing).
    const h = runs.get(runId);
    const password = h?.passwordFor.get(row.key) ?? h?.secrets?.newPassword;
    if (password && (row.outcome === 'updated' || row.outcome === 'already-current')) {
      ctx.credentials.set(row.xaddr, { username: row.username, password });
    }
    let m = dirty.get(runId);
    if (!m) dirty.set(runId, (m = new Map()));
    m.set(row.key, row);
    timer ??= setTimeout(flush, PROGRESS_MS);
  };

  const state = (h: Held): SyncRunState => ({
    runId: h.run.runId,
    startedAt: h.run.startedAt,
    finishedAt: h.run.finishedAt,
    running: h.run.running,
    concurrency: h.run.concurrency,
    maxFailedAuthsPerDevice: h.run.maxFailedAuths,
    hasSecrets: h.secrets !== undefined,
    rows: h.run.snapshot(),
    ...(h.warnings.length ? { warnings: h.warnings } : {}),
  });

  const find = (runId?: string): Held => {
    const id = runId ?? latest;
    const h = id ? runs.get(id) : undefined;
    if (!h) throw new AppError('not-found', runId ? `No sync run ${runId} in this session.` : 'No sync run yet.');
    return h;
  };

  const startPass = (h: Held, secrets: SyncSecrets, keys?: string[]) => {
    h.run
      .runPass(secrets, keys)
      .then(() => {
        flush();
        const s = state(h);
        const counts = s.rows.reduce<Record<string, number>>((a, r) => ((a[r.outcome ?? 'none'] = (a[r.outcome ?? 'none'] ?? 0) + 1), a), {});
        if (h.run.journalError) log.error('sync stopped: journal write failed', { runId: h.run.runId, error: h.run.journalError.message });
        log.info('sync pass finished', { runId: h.run.runId, counts });
        ctx.events.emit('sync.finished', s);
      })
      .catch((err: unknown) => log.error('sync pass crashed', { runId: h.run.runId, error: String(err) }));
  };

  const register = (s: SyncSecrets) => {
    for (const p of [...s.currentPasswords, s.newPassword, ...knownValues(s.knownPasswords)]) ctx.secrets.add(p);
  };

  /** The new password a reset case keeps in the keychain. */
  const casePassword = async (caseId: string): Promise<string> => {
    let pw: string | null | undefined;
    try {
      pw = await keychain.get(caseAccount(caseId));
    } catch (e) {
      throw new AppError('unavailable', (e as Error).message);
    }
    if (!pw) throw new AppError('not-found', `No new password is stored for case ${caseId}; type it in instead.`);
    ctx.secrets.add(pw);
    return pw;
  };

  /**
   * A run over these targets, held for status, retry and reports. A run the app was killed in the middle of,
   * over the same cameras, is resumed rather than started again: finished cameras are not repeated and its
   * failed sign-ins still count. Nothing is contacted here.
   */
  const openHeld = async (targets: SyncTarget[], secrets: SyncSecrets, o: { concurrency?: number; maxFailedAuthsPerDevice?: number } & OpenRunOptions = {}): Promise<Held> => {
    register(secrets);
    if ([...runs.values()].some((h) => h.run.running)) throw new AppError('conflict', 'A sync is already running; cancel it or wait for it to end.');
    const problem = newPasswordProblem(secrets.newPassword);
    if (problem) throw new AppError('bad-request', problem);
    const concurrency = o.concurrency ?? SYNC_DEFAULTS.concurrency;
    const clients = deps.clientFactory ? undefined : onvifClientFactory(concurrency);
    const unfinished = index.findUnfinished(targets.map(targetKey));
    const runId = unfinished?.runId ?? `${new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    if (unfinished) log.info('resuming an interrupted sync run', { runId });
    const journalPath = unfinished?.path ?? join(dir, `${runId}.jsonl`);
    let run: SyncRun;
    try {
      run = await SyncRun.create({
        ...deps.engine, runId, targets, concurrency, maxFailedAuthsPerDevice: o.maxFailedAuthsPerDevice, clock: ctx.clock,
        // The app's one gate: enrichment and every other feature share each camera's budget and turn.
        gate: ctx.gate,
        ...(o.partOf && runs.has(o.partOf) ? { administrators: runs.get(o.partOf)!.run.administrators } : {}),
        clientFactory: deps.clientFactory ?? clients!.factory,
        journalPath,
        onRow: onRow(runId),
        onJournalRecord: (rec) => index.apply(journalPath, rec),
      });
    } catch (err) {
      clients?.dispose();
      throw new AppError('unavailable', (err as Error).message);
    }
    if (run.badJournalLines) log.warn('resumed sync journal had unreadable lines; skipped', { runId, count: run.badJournalLines });
    // A resumed run: the accounts its journal says hold the new password may change the camera's Operator accounts (once they sign in).
    run.hintAdministrators(secrets.newPassword);
    const h: Held = { run, secrets, warnings: runWarnings(secrets, run.maxFailedAuths), passwordFor: new Map(), dispose: () => clients?.dispose() };
    runs.set(runId, h);
    if (!o.partOf) latest = runId;
    return h;
  };

  const handlers: SyncHandlers = {
    'sync.start': async (input) => {
      register({ currentPasswords: input.currentPasswords, newPassword: input.newPassword ?? '' });
      const newPassword = input.caseId !== undefined ? await casePassword(input.caseId) : input.newPassword!;
      const secrets: SyncSecrets = { currentPasswords: input.currentPasswords, newPassword };
      const h = await openHeld(input.targets, secrets, { concurrency: input.concurrency, maxFailedAuthsPerDevice: input.maxFailedAuthsPerDevice });
      log.info('sync started', { runId: h.run.runId, devices: h.run.targets.length, concurrency: h.run.concurrency });
      startPass(h, secrets);
      return { runId: h.run.runId, ...(h.warnings.length ? { warnings: h.warnings } : {}) };
    },

    'sync.cancel': (input) => {
      const h = find(input?.runId);
      return { cancelled: h.run.cancel() };
    },

    'sync.retryFailed': (input) => {
      const h = find(input?.runId);
      if (h.run.running) throw new AppError('conflict', 'This run is still going.');
      for (const p of [...(input?.currentPasswords ?? []), input?.newPassword]) ctx.secrets.add(p);
      const plan = retryPlan(h, input);
      if (plan.another) {
        // Only the cameras that refused the run's password under their own rule get the other one; the rest keep the run's.
        for (const k of plan.keys) h.passwordFor.set(k, plan.secrets.newPassword);
      } else {
        h.secrets = plan.secrets;
        h.warnings = runWarnings(plan.secrets, h.run.maxFailedAuths);
      }
      startPass(h, plan.secrets, plan.keys);
      return { runId: h.run.runId, retried: plan.keys.length };
    },

    'sync.status': (input) => {
      const id = input?.runId ?? latest;
      if (!id) return null;
      const h = runs.get(id);
      return h ? state(h) : null;
    },

    'sync.report': ({ runId, format }) => reportOf(find(runId), format, ctx.host.printToPdf),

    'sync.runs': () => index.summaries(),
  };

  const openRun = async (targets: SyncTarget[], given: SyncSecrets, o: OpenRunOptions = {}): Promise<SyncRunHook> => {
    const h = await openHeld(targets, given, o);
    const run = h.run;
    let chain: Promise<unknown> = Promise.resolve();
    return {
      runId: run.runId,
      change(keys) {
        const next = chain.then(async () => {
          const pending = new Set(run.pendingKeys());
          const todo = keys.filter((k) => pending.has(k));
          const rows = todo.length && !run.journalError ? await run.runPass(h.secrets!, todo) : run.snapshot();
          flush();
          return rows;
        });
        chain = next.catch(() => undefined);
        return next;
      },
      rows: () => run.snapshot(),
      pendingKeys: () => run.pendingKeys(),
      addKnownPasswords(known) {
        h.secrets = withKnown(h.secrets!, known);
        register(h.secrets);
      },
      async finish(channels) {
        await chain;
        if (channels) h.channels = channels;
        flush();
        ctx.events.emit('sync.finished', state(h));
      },
    };
  };

  return {
    handlers,
    openRun,
    async dispose() {
      if (timer) clearTimeout(timer);
      for (const h of runs.values()) {
        h.run.cancel();
        h.dispose();
        await h.run.close().catch(() => {});
      }
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
