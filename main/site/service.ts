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
import { accountDetail, holdsAfter, PUT_BACK, type CameraPort, type KnownPasswords } from './ports';
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
  /** The account was put back on the NVR's password by a rollback run: this run's open record of it ends. */
  settleAsPutBack(key: string, detail: string): Promise<void>;
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
  /** A camera-sync run driven camera by camera; `partOf`: a step of that run (a rollback), not shown as the latest sync run. */
  openRun(targets: SyncTarget[], secrets: { currentPasswords: string[]; newPassword: string; knownPasswords?: KnownPasswords }, o?: { partOf?: string }): Promise<SiteSyncRun>;
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
  const site = new SiteService(ctx, deps);
  const unsubscribe = ctx.events.subscribe((name) => name === 'nvr.channels' && site.sessionSeen());
  const handlers: SiteHandlers = {
    'site.plan': (input) => site.plan(input),
    'site.closeLoop': (input) => site.closeLoop(input),
    'site.status': () => site.state,
    'site.snapshot': ({ channel, refresh }) => site.pictures.get(channel, refresh),
  };
  return {
    handlers,
    async dispose() {
      unsubscribe();
      await site.idle();
      site.pictures.dispose();
    },
  };
}

type CloseLoopInput = { targets: SyncTarget[]; currentPasswords: string[]; newPassword?: string | undefined; caseId?: string | undefined; waitMs?: number | undefined; camerasOnly?: boolean | undefined };

/** The feature's state and its verbs, each a short method; one job on an NVR's journal at a time. */
class SiteService {
  state: SiteLoopState | null = null;
  readonly pictures: ChannelSnapshots;
  private running: Promise<void> | undefined;
  /** The restore at sign-in, which a run waits for. */
  private restoring: Promise<void> = Promise.resolve();
  private restoredFor = 0;
  private readonly log;
  private readonly clock = { now: () => this.ctx.clock.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  private readonly secret = (p: string) => this.ctx.secrets.add(p);

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: SiteDeps,
  ) {
    this.log = ctx.log.child('site');
    this.pictures = new ChannelSnapshots(ctx, deps.snapshotTimeoutMs !== undefined ? { timeoutMs: deps.snapshotTimeoutMs } : {});
  }

  async plan(input: { targets: SyncTarget[]; camerasOnly?: boolean | undefined }) {
    const nvr = this.session();
    const plan = planLoop({ ...(await readSite(nvr.store, this.secret)), targets: input.targets, ...(input.camerasOnly !== undefined ? { camerasOnly: input.camerasOnly } : {}) });
    return planView(nvr.url, plan);
  }

  async closeLoop(input: CloseLoopInput): Promise<{ started: boolean }> {
    for (const p of input.currentPasswords) this.ctx.secrets.add(p);
    this.ctx.secrets.add(input.newPassword);
    if (this.running) throw new AppError('conflict', 'Closing the loop is already running.');
    const nvr = this.session();
    const newPassword = await this.newPasswordOf(input);
    this.running = this.restoring
      .then(() => this.run(nvr, input, newPassword))
      .catch((err: unknown) => {
        this.log.error('close the loop failed', { error: String(err) });
        this.publish({ ...(this.state ?? { results: [] }), running: false, error: `Closing the loop stopped: ${err instanceof Error ? err.message : String(err)}` });
      })
      .finally(() => (this.running = undefined));
    return { started: true };
  }

  /** An NVR read was published: when it belongs to a new session, put back what an earlier run left paused. */
  sessionSeen(): void {
    this.restoring = this.restoring.then(() => this.restoreOnOpen()).catch((err: unknown) => this.log.warn('restoring paused channels failed', { error: String(err) }));
  }

  async idle(): Promise<void> {
    await this.restoring;
    await this.running;
  }

  private async run(nvr: SiteNvr, input: CloseLoopInput, newPassword: string): Promise<void> {
    const waitMs = input.waitMs ?? 90_000;
    const board = new Board(this.ctx, waitMs, (s) => this.publish(s));
    board.show([]);
    const { plan, result } = await runSite({
      store: nvr.store, targets: input.targets, newPassword, journalPath: this.journalFor(nvr.url), clock: this.clock, waitMs, pollMs: this.deps.pollMs ?? 3000, secret: this.secret,
      ...(input.camerasOnly !== undefined ? { camerasOnly: input.camerasOnly } : {}),
      onBadLines: (count) => this.log.warn('NVR loop journal lines skipped (unreadable or of the wrong shape)', { count }),
      onPlan: (p) => {
        board.plan = p;
        this.pictures.startRun(p.rows);
        board.show(p.rows.map((r) => ({ channel: r.channel.channel, detail: r.why })));
      },
      openCameras: async (p) => {
        board.syncRun = await this.deps.openRun(p.targets, { currentPasswords: input.currentPasswords, newPassword, knownPasswords: p.known });
        return appCameras(this.ctx, this.deps, board.syncRun);
      },
      onUpdate: (rs) => board.show(rs),
    });
    board.plan = plan;
    const results = decorate(plan, result.results);
    await board.syncRun?.finish(results);
    this.publish({ running: false, results, ...(board.syncRun ? { syncRunId: board.syncRun.runId } : {}), summary: summaryOf(result), ...(result.journalError ? { error: result.journalError } : {}) });
    this.log.info('close the loop finished', { channels: results.length, recording: results.filter((r) => r.outcome === 'recording').length, violations: result.violations.length });
  }

  private async restoreOnOpen(): Promise<void> {
    const nvr = this.deps.nvr();
    if (!nvr || nvr.opened === this.restoredFor || this.running) return;
    this.restoredFor = nvr.opened;
    const results = await restorePaused({ store: nvr.store, cameras: probeOnly(this.ctx), journalPath: this.journalFor(nvr.url), clock: this.clock, secret: this.secret });
    if (!results.length) return;
    const back = results.filter((r) => r.enabled).length;
    const n = results.length;
    this.publish({ running: false, results, summary: `${back} of ${n} channel${n === 1 ? '' : 's'} an earlier run left disabled on the NVR ${back === 1 ? 'is' : 'are'} enabled again` });
    this.log.info('paused channels found at sign-in', { channels: n, restored: back });
  }

  private publish(s: SiteLoopState): void {
    this.state = s;
    this.ctx.events.emit('site.progress', s);
  }

  private session(): SiteNvr {
    const nvr = this.deps.nvr();
    if (!nvr) throw new AppError('conflict', 'Sign in to the NVR first (NVR tab, or the NVR row in Devices).');
    return nvr;
  }

  private async newPasswordOf(input: { newPassword?: string | undefined; caseId?: string | undefined }): Promise<string> {
    if (input.caseId === undefined) return input.newPassword!;
    const p = (await this.deps.casePassword?.(input.caseId).catch(() => undefined)) ?? undefined;
    if (!p) throw new AppError('not-found', 'No new password is stored for this case; type it in instead.');
    this.ctx.secrets.add(p);
    return p;
  }

  /** One loop journal per NVR in the app's data folder: the hints a later run (or sign-in) needs about its channels. */
  private journalFor(url: string): string {
    return join(this.ctx.dataDir, 'site', `${hostOf(url).replace(/[^a-z0-9.-]/gi, '_')}.nvr-loop.jsonl`);
  }
}

type SiteNvr = NonNullable<ReturnType<SiteDeps['nvr']>>;

/** The live board of one run: its plan and sync run once known, and the countdown once the watch starts. */
class Board {
  plan: LoopPlan | undefined;
  syncRun: SiteSyncRun | undefined;
  private watchUntil: number | undefined;
  constructor(
    private readonly ctx: ServiceContext,
    private readonly waitMs: number,
    private readonly publish: (s: SiteLoopState) => void,
  ) {}
  show(rs: readonly ChannelResult[]): void {
    if (this.watchUntil === undefined && rs.some((r) => r.connectionState !== undefined)) this.watchUntil = this.ctx.clock.now() + this.waitMs;
    this.publish({ running: true, results: decorate(this.plan, rs), ...(this.syncRun ? { syncRunId: this.syncRun.runId } : {}), ...(this.watchUntil ? { watchUntil: this.watchUntil } : {}) });
  }
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
        const back = await deps.openRun([account], { currentPasswords: [from], newPassword: to }, { partOf: run.runId });
        const pending = back.pendingKeys().includes(targetKey(account));
        const row = (await back.change([targetKey(account)])).find((r) => r.key === targetKey(account));
        await back.finish();
        const ok = pending && holdsAfter(row?.outcome) === 'new';
        if (ok) await run.settleAsPutBack(targetKey(account), PUT_BACK);
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
