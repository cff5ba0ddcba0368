import { existsSync, renameSync } from 'node:fs';
import { OffsetClock } from '../../common/clock';
import { CHANNEL_OUTCOMES } from '../../common/nvr/channel-outcomes';
import type { PlanRow } from '../../common/nvr/site-plan';
import { OUTCOMES } from '../../common/sync/outcomes';
import { publicRow, type SyncRow } from '../../common/sync/report';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { CredentialGate } from '../core/credential-gate';
import { DahuaError, DahuaRpcClient } from '../dahua/client';
import { readNvr } from '../dahua/reader';
import { nvrAction } from '../dahua/session';
import { dahuaTablePort } from '../dahua/table-port';
import type { PinnedCert } from '../dahua/transport';
import { closeLoop, type CameraChange, type ChannelResult, type NvrTablePort } from '../site/close-loop';
import { LoopJournal, readLoopJournal } from '../site/loop-journal';
import { withPausedChannels } from '../site/resume';
import { accountsOf, planForTargets } from '../site/target-plan';
import type { SyncRun } from '../sync/engine';
import type { CliIo } from './io';

/**
 * `nvr-console sync --nvr …`: the cameras and the NVR's stored passwords in the
 * one order that never locks a camera (main/site/close-loop.ts), then proof
 * per channel. Camera changes go through the sync run (its journal, its gate);
 * NVR writes through one signed-in session and the loop journal beside the
 * sync journal.
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
  channels: Awaited<ReturnType<typeof readNvr>>['channels'];
  port: NvrTablePort;
  logout(): Promise<void>;
}

/** Signs in once (through a gate: one refused sign-in at most) and reads the channels. */
export async function openNvr(nvr: NvrTarget, pinned?: PinnedCert): Promise<NvrSession> {
  const clock = new OffsetClock();
  const gate = new CredentialGate({ clock });
  const client = new DahuaRpcClient({ url: nvr.url, username: nvr.username, timeoutMs: nvr.timeoutMs, ...(pinned ? { pinned } : {}) });
  const act = <T>(f: () => Promise<T>) => nvrAction({ gate, client, password: nvr.password, clock }, f);
  try {
    const read = await act(() => readNvr(client));
    const raw = dahuaTablePort(client);
    return {
      channels: read.channels,
      port: { readTable: () => act(() => raw.readTable()), writeTable: (t) => act(() => raw.writeTable(t)), channelStates: () => act(() => raw.channelStates()) },
      logout: () => client.logout(),
    };
  } catch (err) {
    await client.logout();
    throw err;
  }
}

export interface CloseLoopCliResult {
  channelRows: { kind: 'nvr-channel'; channel: number; address: string; protocol: string; action: string; outcome: string; detail: string; nextStep: string }[];
  /** Every channel the app changed (camera and/or stored password) ended `recording`. */
  touchedRecording: boolean;
  journalError?: string;
}

/** Plans the site from the NVR's channels and the targets, and runs the loop; camera changes go through `run`. */
export async function runCloseLoop(o: {
  nvr: NvrTarget;
  session: NvrSession;
  run: SyncRun;
  targets: SyncTarget[];
  secrets: { currentPasswords: string[]; newPassword: string };
  journalPath: string;
  io: CliIo;
  quiet: boolean;
}): Promise<CloseLoopCliResult> {
  const path = loopJournalPath(o.journalPath);
  const prior = readLoopJournal(path);
  const resumeFrom = prior && !prior.ended ? prior.records : [];
  const plan = planForTargets(await withPausedChannels(o.session.channels, resumeFrom, () => o.session.port.readTable()), o.targets);
  if (prior?.badLines) o.io.stderr(`The NVR journal ${path} had ${prior.badLines} unreadable line(s); they were skipped.\n`);
  const journal = await LoopJournal.open(path);
  let journalError: string | undefined;
  const record = (rec: Parameters<LoopJournal['append']>[0]) =>
    journal.append(rec).catch((err: unknown) => {
      journalError ??= `The NVR journal ${path} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing more was sent to the NVR.`;
      throw new Error(journalError);
    });

  // The sync run takes one pass at a time: cameras change one after another.
  let chain: Promise<unknown> = Promise.resolve();
  const syncAccounts = (keys: string[]): Promise<SyncRow[]> => {
    const next = chain.then(() => (keys.length ? o.run.runPass(o.secrets, keys) : o.run.snapshot()));
    chain = next.catch(() => undefined);
    return next;
  };
  const changeCamera = async (row: PlanRow): Promise<CameraChange> => {
    const accounts = accountsOf(o.targets, row.channel.address).map(targetKey);
    const pending = new Set(o.run.pendingKeys());
    const rows = (await syncAccounts(accounts.filter((k) => pending.has(k)))).filter((r) => accounts.includes(r.key));
    const mine = rows.find((r) => r.username === row.channel.username);
    if (!mine?.outcome) {
      return { holdsNewPassword: false, detail: `The targets hold no account "${row.channel.username}" for this camera (the account the NVR signs in with), so the NVR's stored password was not changed.` };
    }
    return { holdsNewPassword: OUTCOMES[mine.outcome].success, detail: `Camera: ${OUTCOMES[mine.outcome].label}. ${mine.detail}`.trim() };
  };

  let shown = '';
  let results: ChannelResult[] = [];
  try {
    results = await closeLoop({
      plan,
      nvr: o.session.port,
      changeCamera,
      newPassword: o.secrets.newPassword,
      waitMs: o.nvr.waitMs,
      pollMs: o.nvr.pollMs,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      record,
      prior: resumeFrom,
      onUpdate: (rs) => {
        if (o.quiet) return;
        const line = rs.map((r) => `${r.channel}:${r.outcome ?? '…'}`).join(' ');
        if (line !== shown) o.io.stderr(`NVR channels: ${(shown = line)}\n`);
      },
    });
    if (!journalError) await record({ t: 'loop-end', at: Date.now() }).catch(() => undefined);
  } catch (err) {
    if (!journalError) throw err;
    // Stopped without a record of what was sent: say so on every channel rather than guess.
    results = plan.rows.map((r) => ({ channel: r.channel.channel, detail: `${journalError} A channel this run paused may still be disabled: run the same command again to finish.` }));
  } finally {
    await journal.close().catch(() => undefined);
  }

  const byChannel = new Map(plan.rows.map((r) => [r.channel.channel, r]));
  const channelRows = results.map((r) => {
    const row = byChannel.get(r.channel)!;
    const outcome = r.outcome ?? 'skipped';
    return {
      kind: 'nvr-channel' as const,
      channel: r.channel,
      address: row.channel.address,
      protocol: row.channel.protocol,
      action: row.action.kind,
      outcome,
      detail: r.detail,
      nextStep: CHANNEL_OUTCOMES[outcome].nextStep,
    };
  });
  const touched = channelRows.filter((r) => r.action === 'change-camera-then-nvr' || r.action === 'update-nvr-only');
  return { channelRows, touchedRecording: touched.every((r) => r.outcome === 'recording'), ...(journalError ? { journalError } : {}) };
}

/** Sign-in or read failures of the NVR, in the CLI's words. */
export function nvrFailure(err: unknown): string | undefined {
  return err instanceof DahuaError ? err.message : undefined;
}

/** Camera rows as the CLI prints them beside the channel rows. */
export function cameraRows(rows: SyncRow[]) {
  return rows.map((r) => ({ kind: 'camera' as const, ...publicRow(r) }));
}
