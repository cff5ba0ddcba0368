import { join } from 'node:path';
import { AppError, type CallName } from '../../common/contract';
import type { SiteChannelResult, SiteLoopState } from '../../common/contract/site';
import { hostOf } from '../../common/discovery/net';
import { siteSummary } from '../../common/nvr/channel-outcomes';
import type { SyncRow } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import type { NvrChannelStore } from '../dahua/channel-store';
import type { LoopPlan } from './plan';
import { accountDetail, holdsAfter, type CameraPort, type KnownPasswords } from './ports';
import { probeAccount } from './probe';
import { planView, readSite, restorePaused, runSite } from './run-site';
import { planLoop } from './plan';
import { ChannelSnapshots } from './snapshot';
import type { ChannelResult, LoopVerdict } from './verdict';

type SiteHandlers = Pick<Handlers, Extract<CallName, `site.${string}`>>;

/** A camera sync run as the sync feature opens it for another feature (main/sync/service.ts `SyncRunHook`). */
export interface SiteSyncRun {
  runId: string;
  change(keys: string[]): Promise<SyncRow[]>;
  pendingKeys(): string[];
  addKnownPasswords(known: KnownPasswords): void;
  finish(channels?: { channel: number; address?: string; outcome?: SiteChannelResult['outcome']; detail: string }[]): Promise<void>;
}

/**
 * What the site feature needs from the NVR and camera-sync features, handed
 * in by the composition root (features do not import each other).
 */
export interface SiteDeps {
  /** The open NVR session (nvr.signIn), or undefined. */
  nvr(): { url: string; opened: number; store: NvrChannelStore } | undefined;
  /** A camera-sync run driven camera by camera. */
  openRun(targets: SyncTarget[], secrets: { currentPasswords: string[]; newPassword: string; knownPasswords?: KnownPasswords }): Promise<SiteSyncRun>;
  casePassword?: (caseId: string) => Promise<string | null | undefined>;
  pollMs?: number;
  /** Per exchange with a camera for a tile's picture (tests). */
  snapshotTimeoutMs?: number;
}

/**
 * site.*: the plan per channel, then close the loop (main/site/run-site.ts,
 * the same sequence the CLI runs), with the live board as `site.progress`.
 * When an NVR session opens, channels an earlier run left paused are put back.
 */
export async function setupSite(ctx: ServiceContext, deps: SiteDeps): Promise<Feature<SiteHandlers>> {
  const log = ctx.log.child('site');
  let state: SiteLoopState | null = null;
  let running: Promise<void> | undefined;
  let restoredFor = 0;
  /** The restore at sign-in, which a run waits for (one job on an NVR's journal at a time). */
  let restoring: Promise<void> = Promise.resolve();
  const pictures = new ChannelSnapshots(ctx, deps.snapshotTimeoutMs !== undefined ? { timeoutMs: deps.snapshotTimeoutMs } : {});
  const clock = { now: () => ctx.clock.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const secret = (p: string) => ctx.secrets.add(p);
  const journalFor = (url: string) => join(ctx.dataDir, 'site', `${hostOf(url).replace(/[^a-z0-9.-]/gi, '_')}.nvr-loop.jsonl`);

  const publish = (s: SiteLoopState) => {
    state = s;
    ctx.events.emit('site.progress', s);
  };
  const session = () => {
    const nvr = deps.nvr();
    if (!nvr) throw new AppError('conflict', 'Sign in to the NVR first (NVR tab, or the NVR row in Devices).');
    return nvr;
  };
  const newPasswordOf = async (input: { newPassword?: string | undefined; caseId?: string | undefined }): Promise<string> => {
    if (input.caseId === undefined) return input.newPassword!;
    const p = (await deps.casePassword?.(input.caseId).catch(() => undefined)) ?? undefined;
    if (!p) throw new AppError('not-found', 'No new password is stored for this case; type it in instead.');
    ctx.secrets.add(p);
    return p;
  };

  const closeLoopRun = (nvr: ReturnType<typeof session>, input: { targets: SyncTarget[]; currentPasswords: string[]; waitMs?: number | undefined; camerasOnly?: boolean | undefined }, newPassword: string) => {
    const waitMs = input.waitMs ?? 90_000;
    let syncRun: SiteSyncRun | undefined;
    let plan: LoopPlan | undefined;
    let watchUntil: number | undefined;
    const show = (rs: ChannelResult[], extra: Partial<SiteLoopState> = {}) => {
      if (watchUntil === undefined && rs.some((r) => r.connectionState !== undefined)) watchUntil = ctx.clock.now() + waitMs;
      publish({ running: true, results: decorate(plan, rs), ...(syncRun ? { syncRunId: syncRun.runId } : {}), ...(watchUntil ? { watchUntil } : {}), ...extra });
    };
    publish({ running: true, results: [] });
    return runSite({
      store: nvr.store, targets: input.targets, newPassword, journalPath: journalFor(nvr.url), clock, waitMs, pollMs: deps.pollMs ?? 3000, secret,
      ...(input.camerasOnly !== undefined ? { camerasOnly: input.camerasOnly } : {}),
      onBadLines: (count) => log.warn('NVR loop journal lines skipped (unreadable or of the wrong shape)', { count }),
      onPlan: (p) => {
        plan = p;
        pictures.startRun(p.rows);
        show(p.rows.map((r) => ({ channel: r.channel.channel, detail: r.why })));
      },
      openCameras: async (p) => {
        syncRun = await deps.openRun(p.targets, { currentPasswords: input.currentPasswords, newPassword, knownPasswords: p.known });
        return appCameras(ctx, deps, syncRun);
      },
      onUpdate: (rs) => show(rs),
    }).then(async ({ plan: p, result }) => {
      plan = p;
      const results = decorate(p, result.results);
      await syncRun?.finish(results);
      publish({ running: false, results, ...(syncRun ? { syncRunId: syncRun.runId } : {}), summary: summaryOf(result), ...(result.journalError ? { error: result.journalError } : {}) });
      log.info('close the loop finished', { channels: results.length, recording: results.filter((r) => r.outcome === 'recording').length, violations: result.violations.length });
    });
  };

  const handlers: SiteHandlers = {
    'site.plan': async ({ targets, camerasOnly }) => {
      const nvr = session();
      const plan = planLoop({ ...(await readSite(nvr.store, secret)), targets, ...(camerasOnly !== undefined ? { camerasOnly } : {}) });
      return planView(nvr.url, plan);
    },

    'site.closeLoop': async (input) => {
      for (const p of input.currentPasswords) ctx.secrets.add(p);
      ctx.secrets.add(input.newPassword);
      if (running) throw new AppError('conflict', 'Closing the loop is already running.');
      const nvr = session();
      const newPassword = await newPasswordOf(input);
      running = restoring
        .then(() => closeLoopRun(nvr, input, newPassword))
        .catch((err: unknown) => {
          log.error('close the loop failed', { error: String(err) });
          publish({ ...(state ?? { results: [] }), running: false, error: `Closing the loop stopped: ${err instanceof Error ? err.message : String(err)}` });
        })
        .finally(() => (running = undefined));
      return { started: true };
    },

    'site.status': () => state,

    'site.snapshot': ({ channel, refresh }) => pictures.get(channel, refresh),
  };

  // A new NVR session: put back what an earlier run (of this app, or one that crashed) left paused.
  const restoreOnOpen = async () => {
    const nvr = deps.nvr();
    if (!nvr || nvr.opened === restoredFor || running) return;
    restoredFor = nvr.opened;
    const results = await restorePaused({ store: nvr.store, cameras: probeOnly(ctx), journalPath: journalFor(nvr.url), clock, secret });
    if (!results.length) return;
    const back = results.filter((r) => r.enabled).length;
    publish({ running: false, results, summary: `${back} of ${results.length} channel${results.length === 1 ? '' : 's'} an earlier run left disabled on the NVR ${back === 1 ? 'is' : 'are'} enabled again` });
    log.info('paused channels found at sign-in', { channels: results.length, restored: back });
  };
  const unsubscribe = ctx.events.subscribe((name) => {
    if (name !== 'nvr.channels') return;
    restoring = restoring.then(restoreOnOpen).catch((err: unknown) => log.warn('restoring paused channels failed', { error: String(err) }));
  });

  return {
    handlers,
    async dispose() {
      unsubscribe();
      await restoring;
      await running;
      pictures.dispose();
    },
  };
}

/** Camera sync through the app's sync feature; rollbacks are runs of their own (journalled, verified). */
function appCameras(ctx: ServiceContext, deps: SiteDeps, run: SiteSyncRun): CameraPort {
  return {
    pending: (accounts) => accounts.filter((t) => run.pendingKeys().includes(targetKey(t))),
    async change(accounts, known) {
      run.addKnownPasswords(known);
      const keys = accounts.map(targetKey);
      const pending = new Set(run.pendingKeys());
      const rows = await run.change(keys);
      return accounts.map((t) => {
        const row = rows.find((r) => r.key === targetKey(t));
        return { target: t, holds: holdsAfter(row?.outcome), fresh: pending.has(targetKey(t)), detail: accountDetail(row, t.username) };
      });
    },
    async rollback(account, from, to) {
      try {
        const back = await deps.openRun([account], { currentPasswords: [from], newPassword: to });
        const pending = back.pendingKeys().includes(targetKey(account));
        const row = (await back.change([targetKey(account)])).find((r) => r.key === targetKey(account));
        await back.finish();
        const ok = pending && holdsAfter(row?.outcome) === 'new';
        return { ok, detail: accountDetail(row, account.username) };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    probe: (account, candidates) => probeAccount(ctx.gate, ctx.clock, account, candidates),
  };
}

/** At sign-in there is no run: the camera is only asked which password it holds. */
function probeOnly(ctx: ServiceContext): CameraPort {
  const none = () => Promise.reject(new Error('no sync run'));
  return { pending: () => [], change: none, rollback: none, probe: (account, candidates) => probeAccount(ctx.gate, ctx.clock, account, candidates) };
}

function decorate(plan: LoopPlan | undefined, rs: readonly ChannelResult[]): SiteChannelResult[] {
  return rs.map((r) => {
    const row = plan?.rows.find((x) => x.channel.channel === r.channel);
    return { ...r, ...(row ? { address: row.channel.address, ...(row.deviceId ? { deviceId: row.deviceId } : {}) } : {}) };
  });
}

function summaryOf(v: LoopVerdict): string {
  const base = siteSummary(v.results.map((r) => r.outcome ?? 'skipped'));
  const paused = v.violations.filter((x) => x.what.startsWith('left disabled')).map((x) => x.channel);
  return paused.length ? `${base}; left disabled on the NVR: channel${paused.length === 1 ? '' : 's'} ${paused.join(', ')}` : base;
}
