import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError, type CallName } from '../../common/contract';
import type { SyncRunState } from '../../common/contract/sync';
import { OUTCOMES } from '../../common/sync/outcomes';
import { rowKey, toCsv, toHtmlReport, toJsonReport, type SyncRow } from '../../common/sync/report';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { caseAccount, createKeytarKeychain, type Keychain } from '../cases/keychain';
import { SyncRun, SYNC_DEFAULTS, type SyncSecrets, type SyncRunOptions } from './engine';
import { readJournal } from './journal';
import { onvifClientFactory } from './onvif-factory';
import type { ClientFactory } from './port';

type SyncHandlers = Pick<Handlers, Extract<CallName, `sync.${string}`>>;

export interface SyncDeps {
  keychain?: Keychain;
  /** Tests swap the ONVIF clients for fakes. */
  clientFactory?: ClientFactory;
  /** Engine knobs for tests (short timeouts). */
  engine?: Partial<Pick<SyncRunOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'lateApplyMs' | 'settleMs'>>;
}

interface Held {
  run: SyncRun;
  /** Kept in memory only, for "retry failed" without re-entry; gone on restart. */
  secrets?: SyncSecrets;
  dispose(): void;
}

const PROGRESS_MS = 100;

/** sync.* verbs: runs of the engine, their live rows, retry, reports. */
export async function setupSync(ctx: ServiceContext, deps: SyncDeps = {}): Promise<Feature<SyncHandlers>> {
  const dir = join(ctx.dataDir, 'sync');
  const log = ctx.log.child('sync');
  const keychain = deps.keychain ?? createKeytarKeychain();
  const runs = new Map<string, Held>();
  let latest: string | undefined;

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
    const secrets = runs.get(runId)?.secrets;
    if (secrets && (row.outcome === 'updated' || row.outcome === 'already-current')) {
      ctx.credentials.set(row.xaddr, { username: row.username, password: secrets.newPassword });
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
        log.info('sync pass finished', { runId: h.run.runId, counts });
        ctx.events.emit('sync.finished', s);
      })
      .catch((err: unknown) => log.error('sync pass crashed', { runId: h.run.runId, error: String(err) }));
  };

  const register = (s: SyncSecrets) => {
    for (const p of [...s.currentPasswords, s.newPassword]) ctx.secrets.add(p);
  };

  const handlers: SyncHandlers = {
    'sync.start': async (input) => {
      register({ currentPasswords: input.currentPasswords, newPassword: input.newPassword ?? '' });
      if ([...runs.values()].some((h) => h.run.running)) throw new AppError('conflict', 'A sync is already running; cancel it or wait for it to end.');
      let newPassword = input.newPassword;
      if (input.caseId !== undefined) {
        try {
          newPassword = (await keychain.get(caseAccount(input.caseId))) ?? undefined;
        } catch (e) {
          throw new AppError('unavailable', (e as Error).message);
        }
        if (!newPassword) throw new AppError('not-found', `No new password is stored for case ${input.caseId}; type it in instead.`);
        ctx.secrets.add(newPassword);
      }
      const secrets: SyncSecrets = { currentPasswords: input.currentPasswords, newPassword: newPassword! };
      const concurrency = input.concurrency ?? SYNC_DEFAULTS.concurrency;
      const clients = deps.clientFactory ? undefined : onvifClientFactory(concurrency);
      // A run the app was killed in the middle of, over the same cameras, is resumed rather than started
      // again: finished cameras are not repeated and its failed sign-ins still count.
      const unfinished = findUnfinished(dir, input.targets.map((t) => rowKey(t.xaddr, t.username)));
      const runId = unfinished?.runId ?? `${new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
      if (unfinished) log.info('resuming an interrupted sync run', { runId });
      const run = await SyncRun.create({
        ...deps.engine,
        runId,
        targets: input.targets,
        concurrency,
        maxFailedAuthsPerDevice: input.maxFailedAuthsPerDevice,
        clock: ctx.clock,
        clientFactory: deps.clientFactory ?? clients!.factory,
        journalPath: unfinished?.path ?? join(dir, `${runId}.jsonl`),
        onRow: onRow(runId),
      });
      const h: Held = { run, secrets, dispose: () => clients?.dispose() };
      runs.set(runId, h);
      latest = runId;
      log.info('sync started', { runId, devices: run.targets.length, concurrency });
      startPass(h, secrets);
      return { runId };
    },

    'sync.cancel': (input) => {
      const h = find(input?.runId);
      return { cancelled: h.run.cancel() };
    },

    'sync.retryFailed': (input) => {
      const h = find(input?.runId);
      if (h.run.running) throw new AppError('conflict', 'This run is still going.');
      const given = input?.currentPasswords || input?.newPassword;
      if (input?.currentPasswords) register({ currentPasswords: input.currentPasswords, newPassword: input.newPassword ?? '' });
      else if (input?.newPassword) ctx.secrets.add(input.newPassword);
      const secrets: SyncSecrets | undefined = given
        ? { currentPasswords: input?.currentPasswords ?? h.secrets?.currentPasswords ?? [], newPassword: input?.newPassword ?? h.secrets?.newPassword ?? '' }
        : h.secrets;
      if (!secrets || !secrets.currentPasswords.length || !secrets.newPassword) {
        throw new AppError('conflict', 'Enter the current and new passwords again to retry (the app does not keep them after a restart).');
      }
      h.secrets = secrets;
      const keys = h.run.retryableKeys();
      if (!keys.length) throw new AppError('conflict', 'No failed camera can be retried now (locked ones wait for their countdown; ones that used their failed sign-ins wait for a new run).');
      startPass(h, secrets, keys);
      return { runId: h.run.runId, retried: keys.length };
    },

    'sync.status': (input) => {
      const id = input?.runId ?? latest;
      if (!id) return null;
      const h = runs.get(id);
      return h ? state(h) : null;
    },

    'sync.report': async ({ runId, format }) => {
      const h = find(runId);
      const rows = h.run.snapshot();
      const base = `camera-sync-${h.run.runId}`;
      if (format === 'csv') return { filename: `${base}.csv`, mime: 'text/csv', content: toCsv(rows), encoding: 'utf8' as const };
      if (format === 'json') return { filename: `${base}.json`, mime: 'application/json', content: toJsonReport(rows), encoding: 'utf8' as const };
      const html = toHtmlReport(rows, { runId: h.run.runId, startedAt: h.run.startedAt, finishedAt: h.run.finishedAt });
      if (format === 'html') return { filename: `${base}.html`, mime: 'text/html', content: html, encoding: 'utf8' as const };
      if (!ctx.host.printToPdf) {
        throw new AppError('unavailable', 'PDF export needs the desktop app. Open the printable report and use your browser’s Print → Save as PDF.');
      }
      const pdf = await ctx.host.printToPdf(html);
      return { filename: `${base}.pdf`, mime: 'application/pdf', content: Buffer.from(pdf).toString('base64'), encoding: 'base64' as const };
    },

    'sync.runs': () => {
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
      } catch {
        return [];
      }
      return files
        .flatMap((f) => {
          const j = readJournal(join(dir, f));
          if (!j) return [];
          const rows = [...j.outcomes.values()];
          const succeeded = rows.filter((r) => r.outcome && OUTCOMES[r.outcome].success).length;
          return [{ runId: j.runId, startedAt: j.startedAt, devices: j.targets.length, succeeded, failed: rows.length - succeeded }];
        })
        .sort((a, b) => b.startedAt - a.startedAt);
    },
  };

  return {
    handlers,
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

/** The newest journal in `dir` that never ended and covers exactly these targets. */
function findUnfinished(dir: string, keys: string[]): { runId: string; path: string } | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().reverse();
  } catch {
    return undefined;
  }
  const want = new Set(keys);
  for (const f of files) {
    const path = join(dir, f);
    const j = readJournal(path);
    if (!j || j.ended || j.targets.length !== want.size || !j.targets.every((t) => want.has(t.key))) continue;
    return { runId: j.runId, path };
  }
  return undefined;
}
