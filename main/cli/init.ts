import { renameSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { InitRow } from '../../common/contract/init';
import { INIT_OUTCOMES } from '../../common/init/outcomes';
import { InitAddress } from '../../common/init/rules';
import { INIT_DEFAULTS, initSecretsProblem, initTarget, InitRun, type InitSecrets } from '../init/engine';
import { readInitJournal } from '../init/journal';
import type { CliApp } from './app';
import { intOption, parseJsonFile, parseSecretsJson, readPriorJournal, refuseSecretArguments, runAction, UsageError } from './input';
import { EXIT, type CliIo } from './io';

/**
 * `nvr-console init`: initialise factory-fresh Dahua-family devices with the
 * site's password — the app's engine (main/init), targets from a file, the
 * password and the reset e-mail only on standard input. Journalled beside the
 * targets: a run interrupted and started again never sends a device its account twice.
 */

/** The targets file: a JSON array of device addresses (`192.168.1.108`, `host:port`, `http://host[:port]`). */
export const InitTargetsFile = z
  .array(InitAddress)
  .min(1)
  .max(1000)
  .superRefine((urls, ctx) => {
    const seen = new Set<string>();
    for (const [i, u] of urls.entries()) {
      if (seen.has(u)) ctx.addIssue({ code: 'custom', path: [i], message: `${u} is listed twice` });
      seen.add(u);
    }
  });

const SecretsInput = z.strictObject({ newPassword: z.string().min(1).max(128), email: z.string().max(254) });
const EXPECTED = 'expected {"newPassword": "...", "email": "name@example.com" or ""}';


/** What a row says on stdout: the device, its outcome and why, in plain fields. */
function printable(r: InitRow): Record<string, unknown> {
  return {
    device: r.key,
    outcome: r.outcome ?? 'not-finished',
    detail: r.detail,
    ...(r.deviceWords !== undefined ? { deviceWords: r.deviceWords } : {}),
    ...(r.deviceCode !== undefined ? { deviceCode: r.deviceCode } : {}),
    ...(r.agreement ? { agreement: r.agreement } : {}),
    ...(r.access ? { access: r.access } : {}),
    nextStep: r.nextStep ?? 'Run the command again: the journal resumes this device.',
  };
}

export function registerInit(program: Command, io: CliIo, app: CliApp): void {
  refuseSecretArguments(
    program
      .command('init')
      .description("Initialise factory-fresh Dahua-family devices with the site's password; one JSON row per device on stdout.")
      .option('--targets <file>', 'JSON array of device addresses: "192.168.1.108", "host:port" or "http://host[:port]"')
      .option('--secrets-stdin', 'read {"newPassword": "...", "email": "..."} from standard input')
      .option('--journal <file>', 'journal to write, or to resume after an interruption (default: <targets>.init-journal.jsonl)')
      .option('--concurrency <n>', `devices at once (default ${INIT_DEFAULTS.concurrency})`)
      .option('--timeout <ms>', `per request (default ${INIT_DEFAULTS.timeoutMs})`)
      .option('--json', 'machine mode: no human summary on stderr'),
    ['--password', '--new-password'],
  )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      await runAction(io, 'init', () => initCommand(opts, io, app));
    });
}

async function initCommand(opts: Record<string, string | boolean | undefined>, io: CliIo, app: CliApp): Promise<number> {
  if (opts.password !== undefined || opts.newPassword !== undefined) throw new UsageError('passwords are never accepted as arguments; pipe them as JSON with --secrets-stdin.');
  if (typeof opts.targets !== 'string') throw new UsageError('--targets <file.json> is required.');
  if (!opts.secretsStdin) throw new UsageError('--secrets-stdin is required (the password comes only from standard input).');
  const concurrency = intOption(opts.concurrency, '--concurrency', 1, 32) ?? INIT_DEFAULTS.concurrency;
  const timeoutMs = intOption(opts.timeout, '--timeout', 100, 120_000) ?? INIT_DEFAULTS.timeoutMs;
  const targetsPath = resolve(opts.targets);
  const targets = parseJsonFile(targetsPath, InitTargetsFile, { what: 'targets file', maxBytes: 1024 * 1024, shape: 'a JSON array of device addresses' }).map((url) => initTarget(url));
  const secrets = parseSecrets(await io.stdin());
  const problem = initSecretsProblem(secrets);
  if (problem) throw new UsageError(problem);
  const journalPath = resolve(typeof opts.journal === 'string' ? opts.journal : `${targetsPath}.init-journal.jsonl`);
  archiveFinished(journalPath, io);

  // The app's clock and gate: a device's refused sign-ins are one budget with the app's and every earlier run's.
  const { gate, clock, secrets: registry } = app.base().ctx;
  registry.add(secrets.password);
  registry.add(secrets.email);
  const run = await InitRun.create({
    targets, journalPath, clock, concurrency, timeoutMs, gate,
    onRow: (r) => {
      if (r.outcome && !opts.json) io.stderr(`${r.key}: ${INIT_OUTCOMES[r.outcome].label}${r.deviceWords ? ` ("${r.deviceWords}")` : ''}\n`);
    },
  }).catch((err: unknown) => {
    throw new UsageError((err as Error).message);
  });
  if (run.resumed) io.stderr(`Resuming run ${run.runId} from ${journalPath}.\n`);
  const onSigint = () => {
    io.stderr('Cancelling: devices already under way are settled first.\n');
    run.cancel();
  };
  process.once('SIGINT', onSigint);
  try {
    const rows = await run.run(secrets);
    io.stdout(JSON.stringify(rows.map(printable), null, opts.json ? undefined : 2) + '\n');
    if (run.journalError) io.stderr(`nvr-console init: ${run.journalError.message} Every row so far is printed above.\n`);
    if (!opts.json) io.stderr(`Done: ${summary(rows)}. Journal: ${journalPath}\n`);
    return !run.journalError && rows.every((r) => r.outcome && INIT_OUTCOMES[r.outcome].success) ? EXIT.ok : EXIT.failed;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await run.close();
  }
}

function summary(rows: InitRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.outcome ?? 'not finished', (counts.get(r.outcome ?? 'not finished') ?? 0) + 1);
  return [...counts].map(([o, n]) => `${n} ${o}`).join(', ');
}

/** A finished run is history, not something to resume: kept beside the new one. */
function archiveFinished(journalPath: string, io: CliIo): void {
  const prior = readPriorJournal(readInitJournal, journalPath, io);
  if (prior?.ended) renameSync(journalPath, journalPath.replace(/(\.jsonl)?$/, `.${prior.runId}.jsonl`));
}



function parseSecrets(text: string): InitSecrets {
  const parsed = parseSecretsJson(text, SecretsInput, EXPECTED);
  return { password: parsed.newPassword, email: parsed.email };
}
