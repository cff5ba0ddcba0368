import type { AppOptions, ServiceContext } from '../core/context';
import { createContext } from '../core/context';
import type { HostAdapter } from '../core/host';
import { caseAccount, type Keychain } from '../core/keychain';
import { setupNvr, type NvrDeps } from '../nvr/service';

// Apart from index.ts (the features and the OS keychain) so that a host that needs only the base,
// the CLI, does not load every feature and keytar's native module.

/**
 * What every host builds first, once, in this one place: the context (log,
 * secret registry, clock, events, the credential gate persisted in
 * `<data>/credential-gate.jsonl`) and the one keychain every feature that holds
 * or reads a case's new password gets through its deps. The app's hosts pass the
 * OS keychain (startApp); the CLI (main/cli/app.ts) passes one that holds
 * nothing, since its passwords come on standard input.
 */
export interface AppBase {
  ctx: ServiceContext;
  keychain: Keychain;
}

export function createAppBase(options: AppOptions, host: HostAdapter, keychain: Keychain): AppBase {
  return { ctx: createContext(options, host), keychain };
}

/** A reset case's new password, from the base's keychain: what the NVR, site and init features are given. */
export const casePasswordOf = (keychain: Keychain) => (caseId: string) => keychain.get(caseAccount(caseId));

/**
 * The NVR feature as the root wires it: the one NVR session (certificate pin, sign-in through the gate,
 * the CGI fallback, the channel store). The CLI's NVR commands sign in through it too.
 */
export function setupNvrFeature({ ctx, keychain }: AppBase, knobs: Pick<NvrDeps, 'timeoutMs'> = {}) {
  return setupNvr(ctx, { casePassword: casePasswordOf(keychain), ...knobs });
}

