import { createAppBase, type AppBase } from '../app/base';
import type { HostAdapter } from '../core/host';
import { createMemoryKeychain } from '../core/keychain';
import { readOptions } from '../core/options';

/**
 * The CLI is a host like the Electron and browser hosts: it reads the same
 * options (main/core/options.ts: NVR_DATA_DIR, else the app's data folder) and
 * builds the app's base through the composition root (main/app createAppBase),
 * so a device's refused sign-ins are one budget with the app's — the credential
 * gate persisted in `<data>/credential-gate.jsonl` — and every password read on
 * standard input is registered with `ctx.secrets` (kept out of the logs).
 *
 * Its keychain holds nothing: the CLI reads passwords on standard input and
 * must work on a box with no Secret Service, so it gets an in-memory keychain
 * through the same dep the app's features get theirs.
 */

/** The terminal has no desktop: nothing to open and nowhere to notify. */
const cliHost: HostAdapter = {
  // No page to render, so no printToPdf.
  kind: 'cli',
  openExternal: async () => {
    throw new Error('The command line opens nothing on the desktop.');
  },
  notify: () => undefined,
};

export interface CliApp {
  /** The base, built at the first call (a command that signs in), the same one after. */
  base(): AppBase;
  /** Closes the log, if the base was built. */
  close(): void;
}

/** One app base per CLI process, built only when a command needs it (help and usage errors write nothing). */
export function cliApp(env: NodeJS.ProcessEnv = process.env): CliApp {
  let built: AppBase | undefined;
  return {
    // No test hooks: they would echo the log on stderr, which is the CLI's own output.
    base: () => (built ??= createAppBase({ ...readOptions(env), testHooks: false }, cliHost, createMemoryKeychain())),
    close: () => built?.ctx.log.close(),
  };
}
