/**
 * The new NVR password lives in the OS keychain only (keytar, in
 * keychain-keytar.ts: Secret Service on Linux, Keychain on macOS, Credential
 * Vault on Windows; apart so that what needs only the port, such as the CLI,
 * never loads the native module). There is no file
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

export const UNAVAILABLE =
  'The OS keychain is not available (on Linux: a Secret Service such as GNOME Keyring or KWallet must be running and unlocked). The password was not stored; write it down for the hand-over.';

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
