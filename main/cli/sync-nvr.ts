import { createHash } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { OffsetClock } from '../../common/clock';
import { CHANNEL_OUTCOMES } from '../../common/nvr/channel-outcomes';
import { OUTCOMES } from '../../common/sync/outcomes';
import { publicRow, type SyncRow } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { hostOf } from '../../common/discovery/net';
import { AppError } from '../../common/contract';
import { setupNvrFeature, type AppBase } from '../app/base';
import type { NvrChannelStore } from '../dahua/channel-store';
import { DahuaError } from '../dahua/client';
import type { PinnedCert } from '../core/http';
import { readLoopJournal } from '../site/loop-journal';
import type { LoopPlan } from '../site/plan';
import { accountDetail, holdsAfter, PUT_BACK, type AccountChange, type CameraPort, type KnownPasswords } from '../site/ports';
import { probeAccount } from '../site/probe';
import { runSite } from '../site/run-site';
import type { CloseLoopResult } from '../site/close-loop';
import { SyncRun, type SyncSecrets } from '../sync/engine';
import { JournalWriteError, type OpenJournalFile } from '../sync/journal';
import { onvifClientFactory } from '../sync/onvif-factory';
import type { CliIo } from './io';
import { confirmNvrCertificate } from './nvr-cert';
import type { SyncJob } from './sync';

/**
 * `nvr-console sync --nvr …`: the CLI's side of close-the-loop. The sequence
 * itself is main/site/run-site.ts, the same the app runs; this file brings
 * the CLI's camera sync (the SyncRun of the targets file, one more for the
 * accounts the NVR signs in with that the file does not list, and one per
 * rollback, all on one credential gate), the journal beside the sync journal,
 * and the output rows. In stages: the NVR's certificate and sign-in (before
 * any camera) → the run over the targets → the loop → the rows.
 */

export interface NvrTarget {
  url: string;
  username: string;
  password: string;
  /** An https NVR: the fingerprint the technician gave (--nvr-trust-cert). */
  trustCert?: string;
  timeoutMs: number;
  waitMs: number;
  pollMs: number;
}

/** Where the loop journal lives: beside the sync journal. */
export function loopJournalPath(syncJournal: string): string {
  return syncJournal.replace(/(\.jsonl)?$/, '.nvr-loop.jsonl');
}

/** Whether an existing sync journal is history (renamed aside) or a run to resume. */
export function loopFinished(syncJournal: string): boolean {
  const loop = readLoopJournal(loopJournalPath(syncJournal));
  return loop === undefined || loop.ended;
}

/** Moves a finished loop journal aside with its sync run. */
export function archiveLoopJournal(syncJournal: string, runId: string): void {
  const p = loopJournalPath(syncJournal);
  if (existsSync(p)) renameSync(p, p.replace(/(\.jsonl)?$/, `.${runId}.jsonl`));
}

export interface NvrSession {
  store: NvrChannelStore;
  logout(): Promise<void>;
}

/** `sync --nvr`: the NVR read before any camera, then the loop over the targets' run; camera and channel rows on stdout. */
export async function syncWithNvr(job: SyncJob): Promise<number> {
  const nvr: NvrTarget = { ...job.cmd.nvr!, password: job.nvrPassword! };
  const session = await nvrSession(nvr, job.app.base(), job.io);
  if (typeof session === 'number') return session;
  try {
    const { cmd } = job;
    const run = await SyncRun.create({
      targets: cmd.targets, concurrency: cmd.concurrency, maxFailedAuthsPerDevice: cmd.maxFailed, timeoutMs: cmd.timeoutMs, lateApplyMs: cmd.lateApplyMs,
      journalPath: cmd.journalPath, clientFactory: job.clients.factory, openJournalFile: cmd.openJournalFile, gateRecords: job.gateRecords, onRow: job.onRow,
    }).catch(job.fail);
    const onAbort = () => run.cancel();
    job.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const loop = await runCloseLoop({ nvr, session, run, targets: cmd.targets, secrets: job.secrets, journalPath: cmd.journalPath, io: job.io, quiet: cmd.json, camerasOnly: cmd.camerasOnly });
      return printed(job, run, loop);
    } finally {
      job.signal.removeEventListener('abort', onAbort);
      await run.close();
    }
  } finally {
    await session.logout();
  }
}

/** The NVR's certificate (https) and one sign-in that reads its channels; the exit code when it cannot be read (nothing was changed). */
async function nvrSession(nvr: NvrTarget, base: AppBase, io: CliIo): Promise<NvrSession | number> {
  const cert = await confirmNvrCertificate(nvr.url, nvr.trustCert, nvr.timeoutMs, '--nvr-trust-cert');
  if ('refused' in cert) {
    io.stderr(`nvr-console sync: ${cert.refused} No camera was changed.\n`);
    return 1;
  }
  try {
    return await openNvr(nvr, base, cert.pinned);
  } catch (err) {
    const message = nvrFailure(err);
    if (message === undefined) throw err;
    io.stderr(`nvr-console sync: the NVR did not let the app read its channels, so no camera was changed: ${message}\n`);
    return 1;
  }
}

/**
 * Every account's row as the run left it — the loop changed the cameras no channel records too; an account
 * still without an outcome was left unchanged on purpose — then every channel's. Exit 0 only when every
 * account ended updated or already current and every channel the run changed records.
 */
function printed(job: SyncJob, run: SyncRun, loop: CloseLoopCliResult): number {
  const { cmd, io } = job;
  const rows = [...loop.cameraRows, ...loop.channelRows];
  io.stdout(JSON.stringify(rows, null, cmd.json ? undefined : 2) + '\n');
  const journalError = run.journalError?.message ?? loop.journalError;
  if (journalError) io.stderr(`nvr-console sync: ${journalError} Every row so far is printed above.\n`);
  if (loop.leftUnchanged) io.stderr(`${loop.leftUnchanged} camera account(s) the NVR records were not changed, on purpose: changing them without updating the NVR would let the NVR lock them. See each channel's detail and next step above.\n`);
  if (!cmd.json) {
    const ok = loop.channelRows.filter((r) => r.outcome === 'recording').length;
    io.stderr(`NVR: ${ok} of ${loop.channelRows.length} channels recording with the new password. Journal: ${cmd.journalPath}\n`);
  }
  const camerasOk = loop.cameraRows.every((r) => OUTCOMES[r.outcome].success);
  return !journalError && loop.touchedRecording && camerasOk ? 0 : 1;
}

/**
 * Signs in through the NVR feature as the root wires it (the app's `nvr.signIn`: the app's gate, the
 * certificate pin) and reads the channels through its session, before any camera is touched.
 */
async function openNvr(nvr: NvrTarget, base: AppBase, pinned?: PinnedCert): Promise<NvrSession> {
  const feature = await setupNvrFeature(base, { timeoutMs: nvr.timeoutMs });
  try {
    const input = { url: nvr.url, username: nvr.username, password: nvr.password, ...(pinned ? { trustFingerprint: pinned.fingerprint256 } : {}) };
    await feature.handlers['nvr.signIn'](input, { host: base.ctx.host.kind });
    // No session to write through: firmware without the web JSON-RPC, read over the older CGI only.
    const hook = feature.session();
    if (!hook) throw new AppError('unavailable', "this device does not speak Dahua's web JSON-RPC, which the app needs to write the NVR's channels (the older CGI only reads them)");
    await hook.store.readChannels();
    return { store: hook.store, logout: async () => void (await feature.dispose?.()) };
  } catch (err) {
    await feature.dispose?.();
    throw err;
  }
}

type ChannelRow = { kind: 'nvr-channel'; channel: number; address: string; protocol: string; username: string; action: string; outcome: string; enabled: boolean | null; detail: string; nextStep: string };
type CameraRow = ReturnType<typeof cameraRows>[number];

export interface CloseLoopCliResult {
  /** One row per account: the targets file's, then the NVR's own accounts it did not list. */
  cameraRows: CameraRow[];
  /** One row per NVR channel. */
  channelRows: ChannelRow[];
  /** Every channel the app changed records with the new password, and none is left as the invariant forbids. */
  touchedRecording: boolean;
  /** Accounts of cameras the NVR records that the loop left unchanged on purpose. */
  leftUnchanged: number;
  journalError?: string;
}

/** Plans the site from the NVR and the targets, and closes the loop; camera changes go through `run`. */
export async function runCloseLoop(o: {
  nvr: NvrTarget;
  session: NvrSession;
  run: SyncRun;
  targets: SyncTarget[];
  secrets: SyncSecrets;
  journalPath: string;
  io: CliIo;
  quiet: boolean;
  camerasOnly?: boolean;
}): Promise<CloseLoopCliResult> {
  const cameras = new CliCameras(o);
  let shown = '';
  // Ctrl-C: the camera in hand is finished (its store or rollback), no other starts; the channels are still judged.
  const cancel = new AbortController();
  const onSigint = () => cancel.abort();
  process.once('SIGINT', onSigint);
  try {
    const { plan, result } = await runSite({
      store: o.session.store, targets: o.targets, newPassword: o.secrets.newPassword, journalPath: loopJournalPath(o.journalPath),
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, waitMs: o.nvr.waitMs, pollMs: o.nvr.pollMs, secret: () => {},
      ...(o.camerasOnly !== undefined ? { camerasOnly: o.camerasOnly } : {}),
      signal: cancel.signal,
      openCameras: (p) => cameras.open(p),
      onPlan: (p) => o.io.stderr(planLines(p, o.quiet, o.camerasOnly === true)),
      onBadLines: (n) => o.io.stderr(`The NVR journal ${loopJournalPath(o.journalPath)} had ${n} unreadable line(s); they were skipped.\n`),
      onUpdate: (rs) => {
        const line = rs.map((r) => `${r.channel}:${r.outcome ?? '…'}`).join(' ');
        if (!o.quiet && line !== shown) o.io.stderr(`NVR channels: ${(shown = line)}\n`);
      },
    });
    const out = report(plan, result, accountRows(plan, [...o.run.snapshot(), ...cameras.extraSnapshot()]));
    if (!o.quiet) for (const v of result.violations) o.io.stderr(`Channel ${v.channel}: ${v.what}. Next: ${v.nextStep}\n`);
    return out;
  } finally {
    await cameras.close();
  }
}

/**
 * What the plan says before anything changes: how passwords reach this NVR and what "cameras only" means
 * for its channels (always), and the channels disabled on it.
 */
function planLines(plan: LoopPlan, quiet: boolean, camerasOnlyAsked: boolean): string {
  const p = plan.proof;
  const path = p.ok ? (p.note ? `Note: ${p.note}\n` : '') : `The app cannot write this NVR: ${p.reason} ${p.nextStep}\n`;
  const only = camerasOnlyAsked ? camerasOnlyLine(plan) : '';
  if (quiet) return path + only;
  const disabled = plan.rows
    .filter((r) => r.channel.enabled === false)
    .map((r) => `Channel ${r.channel.channel} is disabled on the NVR (${r.channel.pausedByApp ? 'left paused by an earlier run of this app): the app puts it back first' : 'not by this app): it stays disabled'}.\n`);
  return path + only + disabled.join('');
}

function camerasOnlyLine(plan: LoopPlan): string {
  if (!plan.camerasOnly) return 'Note: --cameras-only is not needed: the app can write this NVR, so its channels are updated as usual.\n';
  const stopping = plan.rows.filter((r) => r.action.kind === 'change-camera-then-nvr').map((r) => r.channel.channel);
  const which = stopping.length ? `channel${stopping.length === 1 ? '' : 's'} ${stopping.join(', ')}` : 'no channel';
  return `WARNING (--cameras-only): the app changes the chosen cameras without updating the NVR, so ${which} STOP RECORDING, and the NVR's retries with the old password may lock those cameras, until the new password is entered for each on the NVR's Remote Device page.\n`;
}

function report(plan: LoopPlan, result: CloseLoopResult, accounts: { rows: CameraRow[]; left: number }): CloseLoopCliResult {
  const rows = result.results.map((r): ChannelRow => {
    const row = plan.rows.find((x) => x.channel.channel === r.channel)!;
    const outcome = r.outcome ?? 'skipped';
    return {
      kind: 'nvr-channel', channel: r.channel, address: row.channel.address, protocol: row.channel.protocol, username: row.channel.username, action: row.action.kind, outcome,
      enabled: r.enabled ?? null, detail: r.detail, nextStep: r.nextStep ?? CHANNEL_OUTCOMES[outcome].nextStep,
    };
  });
  return { cameraRows: accounts.rows, channelRows: rows, touchedRecording: result.ok, leftUnchanged: accounts.left, ...(result.journalError ? { journalError: result.journalError } : {}) };
}

/**
 * The accounts' rows as camera sync left them. One without an outcome was not changed: the NVR records its
 * camera and could not be updated for it (or the run stopped first), so changing it would let the NVR lock it.
 */
function accountRows(plan: LoopPlan, rows: SyncRow[]): { rows: CameraRow[]; left: number } {
  const recorded = new Set(plan.cameras.flatMap((c) => (c.xaddr ? [c.host] : [])));
  let left = 0;
  const out = rows.map((r): SyncRow => {
    if (r.outcome !== undefined) return r;
    const onNvr = recorded.has(hostOf(r.xaddr));
    if (onNvr) left++;
    const detail = onNvr
      ? "Not changed, on purpose: the NVR records this camera and this run did not update the NVR for it (see its channel's detail), so changing it would let the NVR lock it."
      : 'Not changed: the run stopped before this camera\'s turn (see above).';
    return { ...r, outcome: 'skipped', step: 'done', detail, nextStep: onNvr ? "Follow the next step of this camera's channel, then run the same command again." : 'Run the same command again to finish.' };
  });
  return { rows: cameraRows(out), left };
}

/** Camera sync for the loop: the targets file's run, a run for the NVR's own accounts, one run per rollback; one gate. */
export class CliCameras implements CameraPort {
  private aux: SyncRun | undefined;
  /** Accounts this process put back on the password the NVR stores (a rollback), by targetKey. */
  private readonly putBack = new Set<string>();
  private readonly clients = onvifClientFactory(1);
  private readonly clock = new OffsetClock();
  constructor(private readonly o: { run: SyncRun; secrets: SyncSecrets; journalPath: string; nvr: Pick<NvrTarget, 'timeoutMs'>; io: CliIo; quiet: boolean; openJournalFile?: OpenJournalFile }) {}

  async open(plan: LoopPlan): Promise<CameraPort> {
    const listed = new Set(this.o.run.targets.map(targetKey));
    const extra = plan.targets.filter((t) => !listed.has(targetKey(t)));
    if (!extra.length) return this;
    // The NVR's own accounts may need the Administrator the main run proves (or, resumed, its journal names).
    this.o.run.hintAdministrators(this.o.secrets.newPassword);
    try {
      // Named by the main run: resumed with it, and never taken for a later run's (whose accounts start afresh).
      this.aux = await this.openRun(extra, this.o.journalPath.replace(/(\.jsonl)?$/, `.${this.o.run.runId}.nvr-accounts.jsonl`));
    } catch (err) {
      // No journal, no change (a full disk): those accounts stay as they are, and their channels say so.
      if (!(err instanceof JournalWriteError)) throw err;
      this.o.io.stderr(`nvr-console sync: ${err.message} The accounts the NVR signs in with that the targets file does not list are not changed.\n`);
    }
    return this;
  }

  pending(accounts: readonly SyncTarget[]): SyncTarget[] {
    const keys = new Set([...this.o.run.pendingKeys(), ...(this.aux?.pendingKeys() ?? [])]);
    return accounts.filter((t) => keys.has(targetKey(t)));
  }

  async change(accounts: readonly SyncTarget[], known: KnownPasswords) {
    const out = [];
    for (const run of [this.o.run, this.aux]) {
      if (!run) continue;
      const mine = accounts.filter((t) => run.targets.some((x) => targetKey(x) === targetKey(t)));
      if (!mine.length) continue;
      const pending = new Set(run.pendingKeys());
      const keys = mine.map(targetKey).filter((k) => pending.has(k));
      const rows = keys.length && !run.journalError ? await run.runPass({ ...this.o.secrets, knownPasswords: known }, keys) : run.snapshot();
      for (const t of mine) out.push(this.changed(t, rows, pending.has(targetKey(t))));
    }
    return out;
  }

  /**
   * What an account holds after camera sync: its row, unless this process put it back since (a rollback of
   * a channel an earlier run left paused): then the password the NVR stores, verified by that rollback.
   */
  private changed(t: SyncTarget, rows: SyncRow[], fresh: boolean): AccountChange {
    const key = targetKey(t);
    if (fresh) this.putBack.delete(key);
    else if (this.putBack.has(key)) return { target: t, holds: 'old', fresh: true, detail: `Camera (${t.username}): put back on the password the NVR stores earlier in this run (verified).` };
    const row = rows.find((r) => r.key === key);
    return { target: t, holds: holdsAfter(row?.outcome), fresh, detail: accountDetail(row, t.username) };
  }

  async rollback(account: SyncTarget, from: string, to: string) {
    const id = createHash('sha256').update(targetKey(account)).digest('hex').slice(0, 12);
    const path = this.o.journalPath.replace(/(\.jsonl)?$/, `.rollback-${id}.jsonl`);
    let run: SyncRun | undefined;
    try {
      // An Operator account is put back through its camera's Administrator, which may not have had its turn yet in this process.
      this.o.run.hintAdministrators(this.o.secrets.newPassword, { currentPasswords: this.o.secrets.currentPasswords });
      run = await this.openRun([account], path);
      const pending = run.pendingKeys().includes(targetKey(account));
      const [row] = pending ? await run.runPass({ currentPasswords: [from], newPassword: to }) : run.snapshot();
      // Done (either way): the next rollback of this account is a new run, not this one resumed.
      if (row?.outcome) archive(path, run.runId);
      const ok = pending && holdsAfter(row?.outcome) === 'new';
      if (ok) {
        this.putBack.add(targetKey(account));
        // The run that still had it open (an earlier process's unverified SetUser) ends its record of it here.
        for (const main of [this.o.run, this.aux]) await main?.settleAsPutBack(targetKey(account), PUT_BACK);
      }
      return { ok, detail: accountDetail(row, account.username) };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    } finally {
      await run?.close();
    }
  }

  probe(account: SyncTarget, candidates: readonly string[]) {
    return probeAccount(this.o.run.gate, this.clock, account, candidates, this.o.nvr.timeoutMs);
  }

  /** The rows of the NVR's own accounts the targets file did not list. */
  extraSnapshot(): SyncRow[] {
    return this.aux?.snapshot() ?? [];
  }

  async close(): Promise<void> {
    await this.aux?.close();
    this.clients.dispose();
  }

  /**
   * A run sharing the main run's gate (one budget per camera) and the Administrators it proved (an Operator
   * account is changed through one), its own journal; a journal for other targets is moved aside.
   */
  private async openRun(targets: SyncTarget[], journalPath: string): Promise<SyncRun> {
    const create = () =>
      SyncRun.create({
        targets, journalPath, gate: this.o.run.gate, administrators: this.o.run.administrators, clientFactory: this.clients.factory, timeoutMs: this.o.nvr.timeoutMs, maxFailedAuthsPerDevice: this.o.run.maxFailedAuths,
        ...(this.o.openJournalFile ? { openJournalFile: this.o.openJournalFile } : {}),
        onRow: (r) => {
          if (r.outcome && !this.o.quiet) this.o.io.stderr(`${r.xaddr} ${r.username}: ${OUTCOMES[r.outcome].label}\n`);
        },
      });
    try {
      return await create();
    } catch (err) {
      if (!(err instanceof Error && /different targets/.test(err.message))) throw err;
      archive(journalPath, String(Date.now()));
      return create();
    }
  }
}

function archive(path: string, tag: string): void {
  if (existsSync(path)) renameSync(path, path.replace(/(\.jsonl)?$/, `.${tag}.jsonl`));
}

/** Sign-in or read failures of the NVR (the feature's refusals, the store's), in the CLI's words. */
export function nvrFailure(err: unknown): string | undefined {
  return err instanceof DahuaError || err instanceof AppError ? err.message : undefined;
}

/** Camera rows as the CLI prints them beside the channel rows. */
export function cameraRows(rows: SyncRow[]) {
  return rows.map((r) => ({ kind: 'camera' as const, ...publicRow(r) }));
}
