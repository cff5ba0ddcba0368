import { Option, type Command } from 'commander';
import { z } from 'zod';
import { Fingerprint, NvrUrl, type NvrSignInInput, type NvrSnapshot } from '../../common/contract/nvr';
import { AppError } from '../../common/contract';
import { setupNvrFeature } from '../app/base';
import type { CliApp } from './app';
import { intOption, parseSecretsJson, runAction, UsageError } from './input';
import { EXIT, type CliIo } from './io';
import { confirmNvrCertificate } from './nvr-cert';

const SecretsInput = z.strictObject({ password: z.string().min(1).max(128) });

/** `nvr-console nvr channels`: sign in to the NVR once, print its channels, sign out. */
export function registerNvr(program: Command, io: CliIo, app: CliApp): void {
  const nvr = program.command('nvr').description("The NVR itself, over the web JSON-RPC its own web page uses (Dahua family).");
  nvr
    .command('channels')
    .description('Sign in to the NVR once and print one JSON object per configured channel on stdout.')
    .option('--nvr <url>', 'the NVR address, http://host[:port]')
    .option('--username <user>', 'the NVR account (usually admin)')
    .option('--secrets-stdin', 'read { "password": "..." } from standard input')
    .option('--timeout <ms>', 'per request (default 8000)')
    .option('--trust-cert <sha256>', "an https NVR: the SHA-256 fingerprint of its (self-signed) certificate you checked; without it the command prints the fingerprint and stops")
    .option('--json', 'one JSON array on stdout and nothing else on stderr unless it fails')
    .addOption(new Option('--password <value>').hideHelp())
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      await runAction(io, 'nvr channels', () => channelsCommand(opts, io, app));
    });
}

async function channelsCommand(opts: Record<string, string | boolean | undefined>, io: CliIo, app: CliApp): Promise<number> {
  if (opts.password !== undefined) throw new UsageError('passwords are never accepted as arguments; pipe {"password": "..."} with --secrets-stdin.');
  if (typeof opts.nvr !== 'string') throw new UsageError('--nvr <http://host[:port]> is required.');
  const url = NvrUrl.safeParse(opts.nvr);
  if (!url.success) throw new UsageError(`--nvr ${url.error.issues[0]?.message ?? 'is invalid'}.`);
  if (typeof opts.username !== 'string' || !opts.username || opts.username.length > 64) throw new UsageError('--username <user> is required.');
  if (!opts.secretsStdin) throw new UsageError('--secrets-stdin is required (the password comes only from standard input).');
  const timeoutMs = intOption(opts.timeout, '--timeout', 100, 120_000) ?? 8000;
  if (opts.trustCert !== undefined && !Fingerprint.safeParse(opts.trustCert).success) throw new UsageError('--trust-cert must be a SHA-256 fingerprint, AA:BB:… (32 pairs).');
  const password = parseSecrets(await io.stdin());

  const cert = await confirmNvrCertificate(url.data, opts.trustCert as string | undefined, timeoutMs, '--trust-cert');
  if ('refused' in cert) {
    io.stderr(`nvr-console nvr channels: ${cert.refused}\n`);
    return EXIT.failed;
  }
  const { pinned } = cert;

  return readChannels(app, { url: url.data, username: opts.username, password, ...(pinned ? { trustFingerprint: pinned.fingerprint256 } : {}) }, timeoutMs, { json: !!opts.json, io });
}

/**
 * The NVR feature's own sign-in (main/app setupNvrFeature, the app's `nvr.signIn`): the app's gate and
 * clock, the CGI fallback for firmware without the web JSON-RPC, then sign-out.
 */
async function readChannels(app: CliApp, input: NvrSignInInput, timeoutMs: number, out: { json: boolean; io: CliIo }): Promise<number> {
  const base = app.base();
  const nvr = await setupNvrFeature(base, { timeoutMs });
  try {
    printChannels(await nvr.handlers['nvr.signIn'](input, { host: base.ctx.host.kind }), out.json, out.io);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof AppError) {
      out.io.stderr(`nvr-console nvr channels: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    await nvr.dispose?.();
  }
}

/** One JSON row per channel on stdout; without --json, a summary, the disabled channels and the notes on stderr. */
function printChannels(read: Pick<NvrSnapshot, 'identity' | 'channels' | 'notes'>, json: boolean, io: CliIo): void {
  const rows = read.channels.map((c) => ({
    channel: c.channel,
    name: c.name,
    address: c.address,
    port: c.port ?? null,
    protocol: c.protocol,
    username: c.username,
    online: c.online,
    // false: configured but disabled on the NVR (it does not record); such a channel is listed, never dropped.
    enabled: c.enabled !== false,
    // true: disabled by this app's close-the-loop run (its pause marker is on the NVR) and not restored yet.
    pausedByApp: c.pausedByApp === true,
    state: c.state,
    model: c.model,
  }));
  io.stdout(JSON.stringify(rows, null, json ? undefined : 2) + '\n');
  if (json) return;
  const id = [read.identity.model, read.identity.serial].filter(Boolean).join(' ');
  const disabled = rows.filter((r) => !r.enabled);
  io.stderr(`${id || 'NVR'}: ${rows.length} channel(s), ${rows.filter((r) => r.online).length} online${disabled.length ? `, ${disabled.length} disabled on the NVR` : ''}.\n`);
  for (const r of disabled) {
    const which = `Channel ${r.channel}${r.name ? ` (${r.name})` : ''}`;
    io.stderr(
      r.pausedByApp
        ? `${which} is disabled on the NVR: a close-the-loop run paused it and did not finish. It does not record until the next \`sync --nvr\` run (or an NVR sign-in in the app) restores it.\n`
        : `${which} is disabled on the NVR (not by this app): it does not record until it is enabled on the NVR.\n`,
    );
  }
  for (const n of read.notes) io.stderr(`Note: ${n}\n`);
}

function parseSecrets(text: string): string {
  return parseSecretsJson(text, SecretsInput, 'expected {"password": "..."}').password;
}
