import { renameSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { SyncPassword } from '../../common/contract/sync';
import { OUTCOMES } from '../../common/sync/outcomes';
import { SyncTarget } from '../../common/sync/target';
import { Fingerprint, NvrUrl } from '../../common/contract/nvr';
import { newPasswordProblem, runSync, runWarnings, SYNC_DEFAULTS, type SyncSecrets } from '../sync/engine';
import { gateRecordsOf, readJournal, type OpenJournalFile } from '../sync/journal';
import type { GateRecord } from '../core/credential-gate';
import { acquireJournalLock, JournalLockedError, type JournalLock } from '../site/journal-lock';
import { onvifClientFactory, type OnvifFactory } from '../sync/onvif-factory';
import { cliApp, type CliApp } from './app';
import { intOption, parseJsonFile, parseSecretsJson, readPriorJournal, refuseSecretArguments, runAction, UsageError } from './input';
import type { CliIo } from './io';
import { archiveLoopJournal, cameraRows, loopFinished, syncWithNvr, type NvrTarget } from './sync-nvr';

/**
 * `nvr-console sync`: the app's engine, targets from a file, passwords only on
 * stdin. In stages: read the options → read the secrets → lock the journal →
 * read what an earlier run left in it → run (the cameras, or the cameras and
 * the NVR's channels with --nvr) → print one row per account and channel.
 */

const TargetsFile = z.array(SyncTarget.strict()).min(1).max(5000);
const SecretsInput = z.strictObject({ currentPasswords: z.array(SyncPassword).min(1).max(5), newPassword: SyncPassword, nvrPassword: z.string().min(1).max(128).optional() });


export interface SyncCliDeps {
  /** Tests inject a journal file whose writes fail (disk full). */
  openJournalFile?: OpenJournalFile;
  /** The CLI's app base (main/cli/app.ts); without one, the command builds its own and closes it when it ends. */
  app?: CliApp;
}

type Opts = Record<string, string | boolean | undefined>;

/** Everything the command line said, checked: what every stage after it reads. */
export interface SyncCommand {
  targets: SyncTarget[];
  concurrency: number;
  maxFailed: number;
  timeoutMs: number;
  lateApplyMs: number;
  journalPath: string;
  json: boolean;
  nvr?: Omit<NvrTarget, 'password'>;
  camerasOnly: boolean;
  openJournalFile?: OpenJournalFile;
}

/** The run in hand: the command, its secrets, the budget an earlier run left, the clients and the cancel signal. */
export interface SyncJob {
  cmd: SyncCommand;
  secrets: SyncSecrets;
  nvrPassword?: string;
  gateRecords?: GateRecord[];
  clients: OnvifFactory;
  signal: AbortSignal;
  io: CliIo;
  /** The app's base (main/app): the NVR's sign-in goes through its gate. */
  app: CliApp;
  /** The progress line as each account ends. */
  onRow(r: { outcome?: keyof typeof OUTCOMES; xaddr: string; username: string }): void;
  /** A run that cannot be opened on this journal (other targets, a full disk): a usage error. */
  fail(err: unknown): never;
}

export function registerSync(program: Command, io: CliIo, deps: SyncCliDeps = {}): void {
  refuseSecretArguments(
    program
      .command('sync')
      .description('Push a new password to ONVIF cameras, verify it, and print one JSON row per device on stdout.')
      .option('--targets <file>', 'JSON array of { "xaddr": "<device service URL>", "username": "<user>" }')
      .option('--secrets-stdin', 'read { "currentPasswords": [...], "newPassword": "..." } from standard input')
      .option('--concurrency <n>', `devices at once (default ${SYNC_DEFAULTS.concurrency})`)
      .option('--max-failures <n>', `rejected sign-ins allowed per device (default ${SYNC_DEFAULTS.maxFailedAuthsPerDevice})`)
      .option('--timeout <ms>', `per request (default ${SYNC_DEFAULTS.timeoutMs})`)
      .option('--late-apply <ms>', `how long a camera may keep its old password after SetUser (default ${SYNC_DEFAULTS.lateApplyMs})`)
      .option('--journal <file>', 'journal to write, or to resume after a crash (default: <targets>.sync-journal.jsonl)')
      .option('--nvr <url>', "then update the NVR's stored passwords in the safe order and prove each channel records (Dahua family, http://host[:port])")
      .option('--nvr-username <user>', 'the NVR account (usually admin); its password is "nvrPassword" on standard input')
      .option('--nvr-trust-cert <sha256>', "an https NVR: the SHA-256 fingerprint of its (self-signed) certificate you checked; without it the command prints the fingerprint and changes nothing")
      .option('--nvr-wait <ms>', 'how long to watch the NVR channels reconnect (default 90000)')
      .option('--cameras-only', "with --nvr, when the app cannot write this NVR: change the cameras anyway; their channels STOP RECORDING until the new password is entered on the NVR")
      .option('--json', 'machine mode: no human summary on stderr'),
    ['--password', '--new-password', '--current-password'],
  )
    .action(async (opts: Opts) => {
      const app = deps.app ?? cliApp();
      try {
        await runAction(io, 'sync', () => syncCommand(opts, io, app, deps));
      } finally {
        if (!deps.app) app.close();
      }
    });
}

async function syncCommand(opts: Opts, io: CliIo, app: CliApp, deps: SyncCliDeps): Promise<number> {
  const cmd = commandOf(opts, deps);
  const { nvrPassword, ...secrets } = await secretsOf(io, cmd);
  // One process per journal, before anything reads, moves or writes it.
  let lock: JournalLock;
  try {
    lock = acquireJournalLock(cmd.journalPath);
  } catch (err) {
    if (!(err instanceof JournalLockedError)) throw err;
    io.stderr(`nvr-console sync: ${err.message} No camera was changed.\n`);
    return 1;
  }
  try {
    const gateRecords = history(cmd, secrets, io);
    return await guarded(io, (signal) => {
      const job: SyncJob = {
        cmd, secrets, ...(nvrPassword ? { nvrPassword } : {}), ...(gateRecords ? { gateRecords } : {}), clients: onvifClientFactory(cmd.concurrency), signal, io, app,
        onRow: progressLine(cmd, io), fail: usageOfJournal,
      };
      return (cmd.nvr ? syncWithNvr(job) : syncCameras(job)).finally(() => job.clients.dispose());
    });
  } finally {
    lock.release();
  }
}

/** The options, checked; a usage error names the one that is wrong. */
function commandOf(opts: Opts, deps: SyncCliDeps): SyncCommand {
  if (opts.password !== undefined || opts.newPassword !== undefined || opts.currentPassword !== undefined) {
    throw new UsageError('passwords are never accepted as arguments; pipe them as JSON with --secrets-stdin.');
  }
  if (typeof opts.targets !== 'string') throw new UsageError('--targets <file.json> is required.');
  if (!opts.secretsStdin) throw new UsageError('--secrets-stdin is required (passwords come only from standard input).');
  const timeoutMs = intOption(opts.timeout, '--timeout', 100, 120_000) ?? SYNC_DEFAULTS.timeoutMs;
  const nvr = nvrOptions(opts, timeoutMs);
  if (opts.camerasOnly && !nvr) throw new UsageError('--cameras-only needs --nvr <url> (it decides what happens to the NVR\'s channels).');
  const targetsPath = resolve(opts.targets);
  return {
    targets: parseJsonFile(targetsPath, TargetsFile, { what: 'targets file', maxBytes: 10 * 1024 * 1024 }),
    concurrency: intOption(opts.concurrency, '--concurrency', 1, 256) ?? SYNC_DEFAULTS.concurrency,
    maxFailed: intOption(opts.maxFailures, '--max-failures', 1, 5) ?? SYNC_DEFAULTS.maxFailedAuthsPerDevice,
    timeoutMs,
    lateApplyMs: intOption(opts.lateApply, '--late-apply', 0, 120_000) ?? SYNC_DEFAULTS.lateApplyMs,
    journalPath: resolve(typeof opts.journal === 'string' ? opts.journal : `${targetsPath}.sync-journal.jsonl`),
    json: opts.json === true,
    ...(nvr ? { nvr } : {}),
    camerasOnly: opts.camerasOnly === true,
    ...(deps.openJournalFile ? { openJournalFile: deps.openJournalFile } : {}),
  };
}

/** Standard input, checked against the new password's rule and the --nvr choice. */
async function secretsOf(io: CliIo, cmd: SyncCommand): Promise<z.infer<typeof SecretsInput>> {
  const secrets = parseSecrets(await io.stdin());
  const problem = newPasswordProblem(secrets.newPassword);
  if (problem) throw new UsageError(problem);
  if (cmd.nvr && !secrets.nvrPassword) throw new UsageError('--nvr needs "nvrPassword" on standard input (the NVR\'s current password).');
  if (!cmd.nvr && secrets.nvrPassword) throw new UsageError('"nvrPassword" on standard input needs --nvr <url> and --nvr-username <user>.');
  return secrets;
}

/**
 * What the journal holds: an unfinished run is resumed (its budget in it); a finished one is history, moved
 * aside, and its refused sign-ins still count (within the window) in the next run on these cameras.
 */
function history(cmd: SyncCommand, secrets: SyncSecrets, io: CliIo): GateRecord[] | undefined {
  const prior = readPriorJournal(readJournal, cmd.journalPath, io);
  for (const w of runWarnings(secrets, prior?.maxFailedAuths ?? cmd.maxFailed)) io.stderr(`Note: ${w}\n`);
  // With --nvr the run ends when the NVR's channels are proven, not when the cameras are.
  if (prior?.ended && (!cmd.nvr || loopFinished(cmd.journalPath))) {
    renameSync(cmd.journalPath, cmd.journalPath.replace(/(\.jsonl)?$/, `.${prior.runId}.jsonl`));
    archiveLoopJournal(cmd.journalPath, prior.runId);
    return gateRecordsOf(prior);
  }
  if (prior) io.stderr(`Resuming run ${prior.runId} from ${cmd.journalPath} (${prior.outcomes.size} device(s) already finished).\n`);
  return undefined;
}

/**
 * Runs the command with Ctrl-C as a cancel (cameras already changing are verified first) and with any error
 * that escapes reported instead of crashing with cameras changed and unreported.
 */
async function guarded(io: CliIo, run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  const onSigint = () => {
    io.stderr('Cancelling: devices already changing their password are verified first.\n');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  const onStray = strayErrorReporter(io);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  try {
    return await run(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('unhandledRejection', onStray);
    process.removeListener('uncaughtException', onStray);
  }
}

/** Plain `sync`: the cameras only, one JSON row each; exit 0 when every one ended updated or already current. */
async function syncCameras(job: SyncJob): Promise<number> {
  const { cmd, io } = job;
  const result = await runSync({
    targets: cmd.targets, ...job.secrets, concurrency: cmd.concurrency, maxFailedAuthsPerDevice: cmd.maxFailed, timeoutMs: cmd.timeoutMs, lateApplyMs: cmd.lateApplyMs,
    journalPath: cmd.journalPath, clientFactory: job.clients.factory, signal: job.signal, openJournalFile: cmd.openJournalFile, gateRecords: job.gateRecords,
    onRow: job.onRow,
  }).catch(job.fail);
  const rows = cameraRows(result.rows);
  io.stdout(JSON.stringify(rows, null, cmd.json ? undefined : 2) + '\n');
  if (result.journalError) io.stderr(`nvr-console sync: ${result.journalError} Every camera's row so far is printed above.\n`);
  if (!cmd.json) {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    io.stderr(`Done: ${[...counts].map(([o, n]) => `${n} ${o}`).join(', ')}. Journal: ${cmd.journalPath}\n`);
  }
  return !result.journalError && rows.every((r) => OUTCOMES[r.outcome].success) ? 0 : 1;
}

/** `[3/10] <xaddr> <user>: Updated` on stderr as each account ends (not in --json). */
function progressLine(cmd: Pick<SyncCommand, 'json' | 'targets'>, io: CliIo): (r: { outcome?: keyof typeof OUTCOMES; xaddr: string; username: string }) => void {
  let done = 0;
  return (r) => {
    if (r.outcome && !cmd.json) io.stderr(`[${++done}/${cmd.targets.length}] ${r.xaddr} ${r.username}: ${OUTCOMES[r.outcome].label}\n`);
  };
}

/** A journal of other targets, or one that cannot be written: the command's input is wrong, nothing was sent. */
function usageOfJournal(err: unknown): never {
  if (err instanceof Error && /different targets|could not be written/.test(err.message)) throw new UsageError(err.message);
  throw err;
}

/**
 * Reports an error that escaped (the run goes on: cameras being changed are still verified). Once the
 * terminal is gone (EPIPE: the caller closed the pipe), it says nothing more: a word to a closed pipe fails
 * again, and that failure would come back here, for ever (a stray run once spun a core for 45 minutes so).
 */
export function strayErrorReporter(io: CliIo): (err: unknown) => void {
  let terminalGone = false;
  return (err) => {
    if (terminalGone || (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
      terminalGone = true;
      return;
    }
    try {
      io.stderr(`nvr-console sync: unexpected error (the run goes on): ${err instanceof Error ? err.message : String(err)}\n`);
    } catch {
      terminalGone = true;
    }
  };
}

function nvrOptions(opts: Opts, timeoutMs: number): Omit<NvrTarget, 'password'> | undefined {
  if (opts.nvr === undefined && opts.nvrUsername === undefined) return undefined;
  if (typeof opts.nvr !== 'string') throw new UsageError('--nvr-username needs --nvr <http://host[:port]>.');
  const url = NvrUrl.safeParse(opts.nvr);
  if (!url.success) throw new UsageError(`--nvr ${url.error.issues[0]?.message ?? 'is invalid'}.`);
  if (opts.nvrTrustCert !== undefined && !Fingerprint.safeParse(opts.nvrTrustCert).success) throw new UsageError('--nvr-trust-cert must be a SHA-256 fingerprint, AA:BB:… (32 pairs).');
  if (typeof opts.nvrUsername !== 'string' || !opts.nvrUsername || opts.nvrUsername.length > 64) throw new UsageError('--nvr needs --nvr-username <user>.');
  const waitMs = intOption(opts.nvrWait, '--nvr-wait', 0, 600_000) ?? 90_000;
  return {
    url: url.data, username: opts.nvrUsername, ...(typeof opts.nvrTrustCert === 'string' ? { trustCert: opts.nvrTrustCert } : {}),
    timeoutMs, waitMs, pollMs: Math.min(3000, Math.max(250, Math.floor(waitMs / 10))),
  };
}



function parseSecrets(text: string): z.infer<typeof SecretsInput> {
  return parseSecretsJson(text, SecretsInput, 'expected {"currentPasswords": [...], "newPassword": "..."}', 'expected {"currentPasswords": ["1 to 5 passwords"], "newPassword": "..."}');
}
