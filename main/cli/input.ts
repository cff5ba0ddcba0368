import { existsSync, readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { z } from 'zod';

/**
 * What every command reads from the technician — options, a JSON file, the
 * secrets on standard input — checked the same way, each problem a
 * UsageError (exit 2) in plain words. No message quotes standard input: it
 * holds passwords.
 */
export class UsageError extends Error {}

/** A whole-number option within [min, max]; undefined when not given. */
export function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** A JSON file of this shape (`what` names it in messages; `shape` says what it should hold). */
export function parseJsonFile<T>(path: string, schema: z.ZodType<T>, o: { what: string; maxBytes: number; shape?: string }): T {
  if (!existsSync(path)) throw new UsageError(`${o.what} ${path} does not exist.`);
  if (statSync(path).size > o.maxBytes) throw new UsageError(`${o.what} ${path} is larger than ${o.maxBytes / (1024 * 1024)} MB.`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${o.what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UsageError(`${o.what} ${path} is invalid${o.shape ? ` (${o.shape})` : ''}:\n${z.prettifyError(parsed.error).slice(0, 2000)}`);
  return parsed.data;
}

/**
 * Secrets as JSON on standard input. `expected` ends each message; `invalid`
 * (default: `expected`) ends the one for a wrong shape. Only the fields' paths
 * and issue codes are named, never a value.
 */
export function parseSecretsJson<T>(text: string, schema: z.ZodType<T>, expected: string, invalid = expected): T {
  if (!text.trim()) throw new UsageError(`standard input is empty; ${expected}.`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message may quote the input, which holds passwords: say only that it broke.
    throw new UsageError(`standard input is not valid JSON; ${expected}.`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ');
    throw new UsageError(`standard input is invalid (${where}); ${invalid}.`);
  }
  return parsed.data;
}

/** Runs a command's action: its exit code, or exit 2 with `nvr-console <name>: <message>` for a usage error. */
export async function runAction(io: { stderr(s: string): void; setExitCode(n: number): void }, name: string, action: () => Promise<number>): Promise<void> {
  try {
    io.setExitCode(await action());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`nvr-console ${name}: ${err.message}\n`);
    io.setExitCode(2);
  }
}

/** An earlier run's journal (undefined: none), read with the command's reader; unreadable lines said on stderr. */
export function readPriorJournal<J extends { badLines: number }>(read: (path: string) => J | undefined, path: string, io: { stderr(s: string): void }): J | undefined {
  let prior: J | undefined;
  try {
    prior = read(path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (prior?.badLines) io.stderr(`The journal ${path} had ${prior.badLines} unreadable line(s); they were skipped.\n`);
  return prior;
}

/** Declares these options only to refuse them with a clear message: argv ends up in shell history and ps. */
export function refuseSecretArguments(cmd: Command, flags: readonly string[]): Command {
  for (const f of flags) cmd.addOption(new Option(`${f} <value>`).hideHelp());
  return cmd;
}
