import { join } from 'node:path';
import { AppError, type CallName } from '../../common/contract';
import type { SiteLoopState } from '../../common/contract/site';
import { siteSummary } from '../../common/nvr/channel-outcomes';
import type { PlanChannel } from '../../common/nvr/site-plan';
import { OUTCOMES } from '../../common/sync/outcomes';
import type { SyncRow } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { closeLoop, type NvrTablePort } from './close-loop';
import { LoopJournal, readLoopJournal } from './loop-journal';
import { withPausedChannels } from './resume';
import { ChannelSnapshots } from './snapshot';
import { accountsOf, planForTargets } from './target-plan';

type SiteHandlers = Pick<Handlers, Extract<CallName, `site.${string}`>>;

/**
 * What the site feature needs from the NVR and camera-sync features, handed
 * in by the composition root (features do not import each other).
 */
export interface SiteDeps {
  /** The open NVR session (nvr.signIn), or undefined. */
  nvr(): (NvrTablePort & { url: string; readChannels(): Promise<PlanChannel[]> }) | undefined;
  /** A camera-sync run driven camera by camera. */
  openRun(targets: SyncTarget[], secrets: { currentPasswords: string[]; newPassword: string }): Promise<{
    runId: string;
    change(keys: string[]): Promise<SyncRow[]>;
    pendingKeys(): string[];
    finish(channels?: { channel: number; address?: string; outcome?: SiteLoopState['results'][number]['outcome']; detail: string }[]): Promise<void>;
  }>;
  casePassword?: (caseId: string) => Promise<string | null | undefined>;
  pollMs?: number;
  /** Per exchange with a camera for a tile's picture (tests). */
  snapshotTimeoutMs?: number;
}

/**
 * site.*: the plan per channel, then close the loop. NVR writes are
 * journalled in memory for this session (`prior` for a second run); the
 * camera changes go through the sync run and its journal.
 */
export async function setupSite(ctx: ServiceContext, deps: SiteDeps): Promise<Feature<SiteHandlers>> {
  const log = ctx.log.child('site');
  let state: SiteLoopState | null = null;
  let running: Promise<void> | undefined;
  const pictures = new ChannelSnapshots(ctx, deps.snapshotTimeoutMs !== undefined ? { timeoutMs: deps.snapshotTimeoutMs } : {});

  const publish = (s: SiteLoopState) => {
    state = s;
    ctx.events.emit('site.progress', s);
  };
  const session = () => {
    const nvr = deps.nvr();
    if (!nvr) throw new AppError('conflict', 'Sign in to the NVR first (NVR tab, or the NVR row in Devices).');
    return nvr;
  };

  const handlers: SiteHandlers = {
    'site.plan': async ({ targets }) => {
      const nvr = session();
      const plan = planForTargets(await nvr.readChannels(), targets);
      const used = new Set(plan.rows.map((r) => r.deviceId));
      return {
        nvr: nvr.url,
        writePath: { ok: true },
        rows: plan.rows,
        unusedCameras: plan.unusedCameras.filter((d) => !used.has(d.id)).map((d) => ({ id: d.id, xaddr: d.xaddrs[0] ?? '' })),
      };
    },

    'site.closeLoop': async (input) => {
      for (const p of input.currentPasswords) ctx.secrets.add(p);
      ctx.secrets.add(input.newPassword);
      if (running) throw new AppError('conflict', 'Closing the loop is already running.');
      const nvr = session();
      let newPassword = input.newPassword;
      if (input.caseId !== undefined) {
        newPassword = (await deps.casePassword?.(input.caseId).catch(() => undefined)) ?? undefined;
        if (!newPassword) throw new AppError('not-found', 'No new password is stored for this case; type it in instead.');
        ctx.secrets.add(newPassword);
      }
      const secrets = { currentPasswords: input.currentPasswords, newPassword: newPassword! };
      const run = await deps.openRun(input.targets, secrets);
      // The loop's journal is named after its sync run: an interrupted run over the same cameras resumes
      // under the same run id, and with it the NVR writes already answered are not sent again.
      const journalPath = join(ctx.dataDir, 'site', `${run.runId}.nvr-loop.jsonl`);
      const prior = readLoopJournal(journalPath);
      const journal = prior && !prior.ended ? prior.records : [];
      if (prior?.badLines) log.warn('NVR loop journal lines skipped (unreadable or of the wrong shape)', { path: journalPath, count: prior.badLines });
      const plan = planForTargets(await withPausedChannels(await nvr.readChannels(), journal, () => nvr.readTable()), input.targets);
      const file = await LoopJournal.open(journalPath);
      const byChannel = new Map(plan.rows.map((r) => [r.channel.channel, r]));
      pictures.startRun(plan.rows);
      const decorate = <T extends { channel: number }>(rs: T[]) =>
        rs.map((r) => {
          const row = byChannel.get(r.channel);
          return { ...r, ...(row ? { address: row.channel.address, ...(row.deviceId ? { deviceId: row.deviceId } : {}) } : {}) };
        });
      const waitMs = input.waitMs ?? 90_000;
      let watchUntil: number | undefined;
      publish({ running: true, results: decorate(plan.rows.map((r) => ({ channel: r.channel.channel, detail: r.why }))), syncRunId: run.runId });
      running = (async () => {
        try {
          const results = await closeLoop({
            plan,
            nvr,
            newPassword: secrets.newPassword,
            waitMs,
            pollMs: deps.pollMs ?? 3000,
            now: () => ctx.clock.now(),
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            record: (r) => file.append(r),
            prior: journal,
            // Verified by camera sync (in this process or before a restart): a credential the board's pictures,
            // and the inventory's details, may sign in with.
            onCameraProven: (row) => {
              if (row.action.kind === 'change-camera-then-nvr') ctx.credentials.set(row.action.xaddr, { username: row.channel.username, password: secrets.newPassword });
            },
            changeCamera: async (row) => {
              const accounts = accountsOf(input.targets, row.channel.address).map(targetKey);
              const rows = await run.change(accounts);
              const mine = rows.find((r) => accounts.includes(r.key) && r.username === row.channel.username);
              if (!mine?.outcome) return { holdsNewPassword: false, detail: `No chosen account "${row.channel.username}" on this camera (the account the NVR signs in with): the NVR's stored password was not changed.` };
              return { holdsNewPassword: OUTCOMES[mine.outcome].success, detail: `Camera: ${OUTCOMES[mine.outcome].label}. ${mine.detail}`.trim() };
            },
            onUpdate: (rs) => {
              // The watch starts once every camera is done: the countdown shows from then.
              if (watchUntil === undefined && rs.some((r) => r.connectionState !== undefined || r.outcome !== undefined)) watchUntil = ctx.clock.now() + waitMs;
              publish({ running: true, results: decorate(rs), syncRunId: run.runId, ...(watchUntil ? { watchUntil } : {}) });
            },
          });
          // Chosen cameras that no channel records still get the new password.
          await run.change(run.pendingKeys());
          await file.append({ t: 'loop-end', at: ctx.clock.now() });
          await run.finish(decorate(results));
          const outcomes = results.map((r) => r.outcome ?? 'skipped');
          publish({ running: false, results: decorate(results), syncRunId: run.runId, summary: siteSummary(outcomes) });
          log.info('close the loop finished', { channels: results.length, recording: outcomes.filter((o) => o === 'recording').length });
        } catch (err) {
          log.error('close the loop failed', { error: String(err) });
          publish({ ...(state ?? { results: [] }), running: false, error: `Closing the loop stopped: ${err instanceof Error ? err.message : String(err)}` });
        } finally {
          await file.close().catch(() => undefined);
          running = undefined;
        }
      })();
      return { started: true };
    },

    'site.status': () => state,

    'site.snapshot': ({ channel, refresh }) => pictures.get(channel, refresh),
  };

  return {
    handlers,
    async dispose() {
      await running;
      pictures.dispose();
    },
  };
}
