import { existsSync, renameSync } from 'node:fs';
import { isPausedByApp } from '../../common/nvr/pause-marker';
import type { SitePlanView, SiteWritePath } from '../../common/contract/site';
import type { SyncTarget } from '../../common/sync/target';
import type { NvrChannelStore, StoredChannel, WritePathProof } from '../dahua/channel-store';
import { acquireJournalLock } from './journal-lock';
import { LoopJournal, priorOf, readLoopJournal } from './loop-journal';
import { closeLoop, type CloseLoopResult } from './close-loop';
import { LoopRun } from './loop-run';
import { planLoop, type LoopPlan } from './plan';
import type { CameraPort, LoopClock } from './ports';
import { recoverPaused } from './recover';
import { resultsOf, type ChannelResult } from './verdict';

/**
 * Close-the-loop as both hosts run it — the app's `site.*` feature and the
 * CLI's `sync --nvr` — so the sequence exists once:
 *   lock the journal → read the NVR (write path proved first) → plan →
 *   open camera sync for the plan's accounts → close the loop → end the journal.
 * Each host brings only what differs: where camera sync runs, where the
 * journal lives, how progress is shown.
 */

export interface SiteRead {
  proof: WritePathProof;
  channels: StoredChannel[];
  states: Map<number, string>;
}

/** The write path proved before anything else, then every configured channel (disabled ones too) and their states. */
export async function readSite(store: NvrChannelStore, secret: (p: string) => void): Promise<SiteRead> {
  const proof = await store.proveWritePath();
  const channels = await store.readChannels();
  for (const c of channels) if (c.password !== undefined) secret(c.password);
  const states = await store.channelStates().catch(() => new Map<number, string>());
  return { proof, channels, states };
}

export function writePathView(proof: WritePathProof): SiteWritePath {
  if (!proof.ok) return { ok: false, ...(proof.firmware ? { firmware: proof.firmware } : {}), reason: proof.reason, nextStep: proof.nextStep };
  return { ok: true, firmware: proof.firmware, sealed: proof.sealed, ...(proof.note ? { note: proof.note } : {}) };
}

/** The plan as the contract shows it. */
export function planView(nvr: string, plan: LoopPlan): SitePlanView {
  const used = new Set(plan.rows.map((r) => r.deviceId));
  return {
    nvr,
    writePath: writePathView(plan.proof),
    ...(plan.camerasOnly ? { camerasOnly: true } : {}),
    rows: plan.rows,
    unusedCameras: plan.unusedCameras.filter((d) => !used.has(d.id)).map((d) => ({ id: d.id, xaddr: d.xaddrs[0] ?? '' })),
  };
}

/** What the run writes its journal through (tests hand in one whose writes fail). */
type JournalSink = Pick<LoopJournal, 'append' | 'close'>;

export interface RunSiteOptions {
  store: NvrChannelStore;
  targets: SyncTarget[];
  camerasOnly?: boolean;
  newPassword: string;
  journalPath: string;
  clock: LoopClock;
  waitMs?: number;
  pollMs?: number;
  secret(password: string): void;
  /** Camera sync for the plan's accounts (the chosen ones and the NVR's), opened once the NVR has been read. */
  openCameras(plan: LoopPlan): Promise<CameraPort>;
  onPlan?(plan: LoopPlan): void;
  onUpdate?(results: ChannelResult[]): void;
  /** Journal lines skipped as unreadable. */
  onBadLines?(count: number): void;
  /** Cancel: no further camera starts (the one in hand finishes). */
  signal?: AbortSignal;
  /** Tests inject a journal whose writes fail (disk full). */
  openJournal?(path: string): Promise<JournalSink>;
}

export async function runSite(o: RunSiteOptions): Promise<{ plan: LoopPlan; result: CloseLoopResult }> {
  return underLock(o.journalPath, async () => {
    const prior = openPrior(o.journalPath, o.onBadLines);
    const site = await readSite(o.store, o.secret);
    const plan = planLoop({ ...site, targets: o.targets, ...(o.camerasOnly !== undefined ? { camerasOnly: o.camerasOnly } : {}) });
    o.onPlan?.(plan);
    const cameras = await o.openCameras(plan);
    return withJournal(o.openJournal ?? LoopJournal.open, o.journalPath, async (journal) => {
      const result = await closeLoop({ ...o, plan, cameras, prior, append: (r) => journal.append(r) });
      // A run that left a channel paused stays open: the next one reads the names it kept.
      const leftPaused = result.violations.some((v) => v.what.startsWith('left disabled'));
      if (!result.journalError && !leftPaused) await journal.append({ t: 'loop-end', at: o.clock.now() }).catch(() => undefined);
      return { plan, result };
    });
  });
}

/** One run per NVR at a time, in this process and across processes (the loop journal's lock). */
async function underLock<T>(journalPath: string, f: () => Promise<T>): Promise<T> {
  const lock = acquireJournalLock(journalPath);
  try {
    return await f();
  } finally {
    lock.release();
  }
}

/** The loop journal, open for `f` and closed after it whatever happens (a close that fails loses nothing written). */
async function withJournal<T>(open: (path: string) => Promise<JournalSink>, path: string, f: (j: JournalSink) => Promise<T>): Promise<T> {
  const journal = await open(path);
  try {
    return await f(journal);
  } finally {
    await journal.close().catch(() => undefined);
  }
}

/** An unfinished earlier run's hints; a finished journal is moved aside as history. */
function openPrior(path: string, onBadLines?: (n: number) => void) {
  const state = readLoopJournal(path);
  if (state?.badLines) onBadLines?.(state.badLines);
  if (state?.ended && existsSync(path)) renameSync(path, path.replace(/(\.jsonl)?$/, `.${Date.now()}.jsonl`));
  return priorOf(state);
}

/**
 * When the app's NVR session opens (no run, maybe no journal): channels an
 * earlier run left paused are put back with the password their camera accepts.
 * Resolves with those channels' results; empty when none was paused.
 */
export async function restorePaused(o: { store: NvrChannelStore; cameras: CameraPort; journalPath: string; clock: LoopClock; secret(p: string): void }): Promise<ChannelResult[]> {
  return underLock(o.journalPath, async () => {
    const prior = priorOf(readLoopJournal(o.journalPath));
    const site = await readSite(o.store, o.secret);
    if (!site.proof.ok || !site.channels.some(isPausedByApp)) return [];
    const plan = planLoop({ ...site, targets: [] });
    return withJournal(LoopJournal.open, o.journalPath, async (journal) => {
      const run = new LoopRun({ ...o, newPassword: '', prior, append: (r) => journal.append(r) });
      await run.readBack();
      await recoverPaused(run, plan.cameras, undefined);
      const rows = plan.rows.filter((r) => r.channel.pausedByApp);
      await run.readBack();
      return resultsOf(run, rows, await o.store.channelStates().catch(() => new Map()), true);
    });
  });
}
