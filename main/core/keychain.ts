/**
 * The new NVR password lives in the OS keychain only (keytar: Secret Service
 * on Linux, Keychain on macOS, Credential Vault on Windows). There is no file
 * fallback on purpose: if the keychain is missing the technician is told, and
 * writes the password down by hand rather than the app leaving it on disk.
 */
export const KEYCHAIN_SERVICE = 'nvr-support-console';

/** The keychain account of a reset case's new password (read by camera sync too). */
export const caseAccount = (caseId: string) => `case:${caseId}`;

export interface Keychain {
  /** Whether a keychain answers; message says why not. */
  probe(): Promise<{ available: boolean; message?: string }>;
  set(account: string, password: string): Promise<void>;
  get(account: string): Promise<string | null>;
  remove(account: string): Promise<boolean>;
}

export class KeychainUnavailable extends Error {}

/**
 * Passwords of cases whose keychain write failed: this process's memory only,
 * for this session, so the wizard and camera sync go on without a keychain.
 * Module-level on purpose: every keychain client of this process answers them
 * (the app builds one in main/app and hands it to each feature). Never written
 * anywhere; gone when the app quits.
 */
const sessionOnly = new Map<string, string>();

/** Keeps a password in memory for this app session only (no keychain). */
export function keepForSession(account: string, password: string): void {
  sessionOnly.set(account, password);
}

/** The session-only password of an account, if this process holds one. */
export function sessionPassword(account: string): string | undefined {
  return sessionOnly.get(account);
}

const UNAVAILABLE =
  'The OS keychain is not available (on Linux: a Secret Service such as GNOME Keyring or KWallet must be running and unlocked). The password was not stored; write it down for the hand-over.';

type Keytar = typeof import('keytar');

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  // A Secret Service that never answers (locked keyring prompt on a headless box) must not hang the wizard.
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new KeychainUnavailable('keychain did not answer')), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e: unknown) => (clearTimeout(t), reject(e)));
  });
}

export function createKeytarKeychain(timeoutMs = 8000): Keychain {
  let mod: Promise<Keytar> | undefined;
  const load = async (): Promise<Keytar> => {
    mod ??= import('keytar').then((m) => ((m as { default?: Keytar }).default ?? m) as Keytar);
    try {
      return await mod;
    } catch (e) {
      mod = undefined;
      throw new KeychainUnavailable(`keytar could not load: ${String(e)}`);
    }
  };
  const run = async <T>(f: (k: Keytar) => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(f(await load()), timeoutMs);
    } catch (e) {
      throw new KeychainUnavailable(`${UNAVAILABLE} (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  return {
    async probe() {
      try {
        // A write, not a read: a locked collection answers reads but refuses the password we need to keep.
        const account = `probe-${Date.now()}`;
        await run((k) => k.setPassword(`${KEYCHAIN_SERVICE}-probe`, account, 'probe'));
        await run((k) => k.deletePassword(`${KEYCHAIN_SERVICE}-probe`, account));
        return { available: true };
      } catch (e) {
        return { available: false, message: (e as Error).message };
      }
    },
    set: (account, password) => run((k) => k.setPassword(KEYCHAIN_SERVICE, account, password)),
    // A password kept for this session (keychain unavailable when it was set) answers first, without asking keytar.
    get: async (account) => sessionOnly.get(account) ?? run((k) => k.getPassword(KEYCHAIN_SERVICE, account)),
    remove: (account) => run((k) => k.deletePassword(KEYCHAIN_SERVICE, account)),
  };
}

/**
 * A keychain in this process's memory only: the CLI's (its passwords come on
 * standard input; it must work with no Secret Service) and the unit tests'.
 */
export function createMemoryKeychain(available = true): Keychain & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const guard = () => {
    if (!available) throw new KeychainUnavailable(UNAVAILABLE);
  };
  return {
    entries,
    probe: async () => (available ? { available: true } : { available: false, message: UNAVAILABLE }),
    set: async (a, p) => (guard(), void entries.set(a, p)),
    get: async (a) => (guard(), entries.get(a) ?? null),
    remove: async (a) => (guard(), entries.delete(a)),
  };
}
