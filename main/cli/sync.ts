import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { SyncPassword } from '../../common/contract/sync';
import { OUTCOMES } from '../../common/sync/outcomes';
import { SyncTarget } from '../../common/sync/target';
import { Fingerprint, NvrUrl } from '../../common/contract/nvr';
import { newPasswordProblem, runSync, runWarnings, SyncRun, SYNC_DEFAULTS } from '../sync/engine';
import { gateRecordsOf, readJournal, type OpenJournalFile } from '../sync/journal';
import type { GateRecord } from '../core/credential-gate';
import { onvifClientFactory } from '../sync/onvif-factory';
import type { CliIo } from './io';
import { confirmNvrCertificate } from './nvr-cert';
import { archiveLoopJournal, cameraRows, loopFinished, nvrFailure, openNvr, runCloseLoop, type NvrTarget } from './sync-nvr';

const USAGE = 2;
const TargetsFile = z.array(SyncTarget.strict()).min(1).max(5000);
const SecretsInput = z.strictObject({ currentPasswords: z.array(SyncPassword).min(1).max(5), newPassword: SyncPassword, nvrPassword: z.string().min(1).max(128).optional() });

class UsageError extends Error {}

export interface SyncCliDeps {
  /** Tests inject a journal file whose writes fail (disk full). */
  openJournalFile?: OpenJournalFile;
}

/** `nvr-console sync`: the app's engine, targets from a file, passwords only on stdin. */
export function registerSync(program: Command, io: CliIo, deps: SyncCliDeps = {}): void {
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
    .option('--json', 'machine mode: no human summary on stderr')
    // Declared only to refuse them with a clear message: argv ends up in shell history and ps.
    .addOption(new Option('--password <value>').hideHelp())
    .addOption(new Option('--new-password <value>').hideHelp())
    .addOption(new Option('--current-password <value>').hideHelp())
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      try {
        io.setExitCode(await syncCommand(opts, io, deps));
      } catch (err) {
        if (err instanceof UsageError) {
          io.stderr(`nvr-console sync: ${err.message}\n`);
          io.setExitCode(USAGE);
          return;
        }
        throw err;
      }
    });
}

async function syncCommand(opts: Record<string, string | boolean | undefined>, io: CliIo, deps: SyncCliDeps): Promise<number> {
  if (opts.password !== undefined || opts.newPassword !== undefined || opts.currentPassword !== undefined) {
    throw new UsageError('passwords are never accepted as arguments; pipe them as JSON with --secrets-stdin.');
  }
  if (typeof opts.targets !== 'string') throw new UsageError('--targets <file.json> is required.');
  if (!opts.secretsStdin) throw new UsageError('--secrets-stdin is required (passwords come only from standard input).');
  const concurrency = intOption(opts.concurrency, '--concurrency', 1, 256) ?? SYNC_DEFAULTS.concurrency;
  const maxFailed = intOption(opts.maxFailures, '--max-failures', 1, 5) ?? SYNC_DEFAULTS.maxFailedAuthsPerDevice;
  const timeoutMs = intOption(opts.timeout, '--timeout', 100, 120_000) ?? SYNC_DEFAULTS.timeoutMs;
  const lateApplyMs = intOption(opts.lateApply, '--late-apply', 0, 120_000) ?? SYNC_DEFAULTS.lateApplyMs;

  const nvrOpts = nvrOptions(opts);
  const nvrWaitMs = intOption(opts.nvrWait, '--nvr-wait', 0, 600_000) ?? 90_000;

  const targetsPath = resolve(opts.targets);
  const targets = parseJsonFile(targetsPath, TargetsFile, 'targets file');
  const { nvrPassword, ...secrets } = parseSecrets(await io.stdin());
  const problem = newPasswordProblem(secrets.newPassword);
  if (problem) throw new UsageError(problem);
  if (nvrOpts && !nvrPassword) throw new UsageError('--nvr needs "nvrPassword" on standard input (the NVR\'s current password).');
  if (!nvrOpts && nvrPassword) throw new UsageError('"nvrPassword" on standard input needs --nvr <url> and --nvr-username <user>.');
  const nvr: NvrTarget | undefined = nvrOpts && nvrPassword ? { ...nvrOpts, password: nvrPassword, timeoutMs, waitMs: nvrWaitMs, pollMs: Math.min(3000, Math.max(250, Math.floor(nvrWaitMs / 10))) } : undefined;

  const journalPath = resolve(typeof opts.journal === 'string' ? opts.journal : `${targetsPath}.sync-journal.jsonl`);
  let prior: ReturnType<typeof readJournal>;
  try {
    prior = readJournal(journalPath);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (prior?.badLines) io.stderr(`The journal ${journalPath} had ${prior.badLines} unreadable line(s); they were skipped.\n`);
  for (const w of runWarnings(secrets, prior?.maxFailedAuths ?? maxFailed)) io.stderr(`Note: ${w}\n`);
  // With --nvr the run ends when the NVR's channels are proven, not when the cameras are.
  // A finished run's refused sign-ins still count (within the window) in the next run on these cameras.
  let gateRecords: GateRecord[] | undefined;
  if (prior?.ended && (!nvr || loopFinished(journalPath))) {
    // A finished run is history, not something to resume: keep it beside the new one.
    gateRecords = gateRecordsOf(prior);
    renameSync(journalPath, journalPath.replace(/(\.jsonl)?$/, `.${prior.runId}.jsonl`));
    archiveLoopJournal(journalPath, prior.runId);
  } else if (prior) {
    io.stderr(`Resuming run ${prior.runId} from ${journalPath} (${prior.outcomes.size} device(s) already finished).\n`);
  }

  const ac = new AbortController();
  const onSigint = () => {
    io.stderr('Cancelling: devices already changing their password are verified first.\n');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  // Nothing escapes as a crash with cameras changed and unreported: say what happened, keep going.
  const onStray = strayErrorReporter(io);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  const clients = onvifClientFactory(concurrency);
  const syncWithNvr = async (): Promise<number> => {
    let session;
    const cert = await confirmNvrCertificate(nvr!.url, nvr!.trustCert, nvr!.timeoutMs, '--nvr-trust-cert');
    if ('refused' in cert) {
      io.stderr(`nvr-console sync: ${cert.refused} No camera was changed.\n`);
      return 1;
    }
    try {
      session = await openNvr(nvr!, cert.pinned);
    } catch (err) {
      const message = nvrFailure(err);
      if (message === undefined) throw err;
      // Nothing was changed: the NVR is read before any camera is touched.
      io.stderr(`nvr-console sync: the NVR did not let the app read its channels, so no camera was changed: ${message}\n`);
      return 1;
    }
    try {
      let done = 0;
      const run = await SyncRun.create({
        targets, concurrency, maxFailedAuthsPerDevice: maxFailed, timeoutMs, lateApplyMs, journalPath, clientFactory: clients.factory, openJournalFile: deps.openJournalFile, gateRecords,
        onRow: (r) => {
          if (r.outcome && !opts.json) io.stderr(`[${++done}/${targets.length}] ${r.xaddr} ${r.username}: ${OUTCOMES[r.outcome].label}\n`);
        },
      }).catch((err: unknown) => {
        if (err instanceof Error && /different targets|could not be written/.test(err.message)) throw new UsageError(err.message);
        throw err;
      });
      const onAbort = () => run.cancel();
      ac.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const loop = await runCloseLoop({ nvr: nvr!, session, run, targets, secrets, journalPath, io, quiet: opts.json === true });
        // Cameras no channel records (or not in the plan) still get their password.
        const rest = run.pendingKeys();
        const rows = cameraRows(rest.length && !run.journalError ? await run.runPass(secrets, rest) : run.snapshot());
        io.stdout(JSON.stringify([...rows, ...loop.channelRows], null, opts.json ? undefined : 2) + '\n');
        const journalError = run.journalError?.message ?? loop.journalError;
        if (journalError) io.stderr(`nvr-console sync: ${journalError} Every row so far is printed above.\n`);
        if (!opts.json) {
          const ok = loop.channelRows.filter((r) => r.outcome === 'recording').length;
          io.stderr(`NVR: ${ok} of ${loop.channelRows.length} channels recording with the new password. Journal: ${journalPath}\n`);
        }
        return !journalError && loop.touchedRecording && rows.every((r) => r.outcome && OUTCOMES[r.outcome].success) ? 0 : 1;
      } finally {
        ac.signal.removeEventListener('abort', onAbort);
        await run.close();
      }
    } finally {
      await session.logout();
    }
  };
  try {
    if (nvr) return await syncWithNvr();
    let done = 0;
    const result = await runSync({
      targets, ...secrets, concurrency, maxFailedAuthsPerDevice: maxFailed, timeoutMs, lateApplyMs, journalPath,
      clientFactory: clients.factory, signal: ac.signal, openJournalFile: deps.openJournalFile, gateRecords,
      onRow: (r) => {
        if (r.outcome && !opts.json) io.stderr(`[${++done}/${targets.length}] ${r.xaddr} ${r.username}: ${OUTCOMES[r.outcome].label}\n`);
      },
    }).catch((err: unknown) => {
      if (err instanceof Error && /different targets|could not be written/.test(err.message)) throw new UsageError(err.message);
      throw err;
    });
    const rows = cameraRows(result.rows);
    io.stdout(JSON.stringify(rows, null, opts.json ? undefined : 2) + '\n');
    if (result.journalError) io.stderr(`nvr-console sync: ${result.journalError} Every camera's row so far is printed above.\n`);
    if (!opts.json) {
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
      io.stderr(`Done: ${[...counts].map(([o, n]) => `${n} ${o}`).join(', ')}. Journal: ${journalPath}\n`);
    }
    return !result.journalError && rows.every((r) => OUTCOMES[r.outcome].success) ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('unhandledRejection', onStray);
    process.removeListener('uncaughtException', onStray);
    clients.dispose();
  }
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

function nvrOptions(opts: Record<string, string | boolean | undefined>): { url: string; username: string; trustCert?: string } | undefined {
  if (opts.nvr === undefined && opts.nvrUsername === undefined) return undefined;
  if (typeof opts.nvr !== 'string') throw new UsageError('--nvr-username needs --nvr <http://host[:port]>.');
  const url = NvrUrl.safeParse(opts.nvr);
  if (!url.success) throw new UsageError(`--nvr ${url.error.issues[0]?.message ?? 'is invalid'}.`);
  if (opts.nvrTrustCert !== undefined && !Fingerprint.safeParse(opts.nvrTrustCert).success) throw new UsageError('--nvr-trust-cert must be a SHA-256 fingerprint, AA:BB:… (32 pairs).');
  if (typeof opts.nvrUsername !== 'string' || !opts.nvrUsername || opts.nvrUsername.length > 64) throw new UsageError('--nvr needs --nvr-username <user>.');
  return { url: url.data, username: opts.nvrUsername, ...(typeof opts.nvrTrustCert === 'string' ? { trustCert: opts.nvrTrustCert } : {}) };
}

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

function parseJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): T {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist.`);
  if (statSync(path).size > 10 * 1024 * 1024) throw new UsageError(`${what} ${path} is larger than 10 MB.`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UsageError(`${what} ${path} is invalid:\n${z.prettifyError(parsed.error).slice(0, 2000)}`);
  return parsed.data;
}

function parseSecrets(text: string): z.infer<typeof SecretsInput> {
  if (!text.trim()) throw new UsageError('standard input is empty; expected {"currentPasswords": [...], "newPassword": "..."}.');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message may quote the input, which holds passwords: say only where it broke.
    throw new UsageError('standard input is not valid JSON; expected {"currentPasswords": [...], "newPassword": "..."}.');
  }
  const parsed = SecretsInput.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ');
    throw new UsageError(`standard input is invalid (${where}); expected {"currentPasswords": ["1 to 5 passwords"], "newPassword": "..."}.`);
  }
  return parsed.data;
}
