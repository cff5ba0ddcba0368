import type { SecretRegistry } from './log';

export interface DeviceCredentials {
  username: string;
  password: string;
}

/**
 * Credentials proven on a device during this session (camera sync verifies the
 * new password on each camera), kept in memory only. Other features sign in
 * with these and never with guesses: a guess is a failed login, and failed
 * logins are how cameras get locked out.
 */
export class VerifiedCredentials {
  private readonly byXaddr = new Map<string, DeviceCredentials>();
  private readonly listeners = new Set<(xaddr: string) => void>();

  constructor(private readonly secrets: SecretRegistry) {}

  set(xaddr: string, cred: DeviceCredentials): void {
    this.secrets.add(cred.password);
    const had = this.byXaddr.get(xaddr);
    this.byXaddr.set(xaddr, { ...cred });
    if (had?.username === cred.username && had.password === cred.password) return;
    for (const l of this.listeners) l(xaddr);
  }

  get(xaddr: string): DeviceCredentials | undefined {
    const c = this.byXaddr.get(xaddr);
    return c && { ...c };
  }

  /**
   * A credential that stopped working (changed elsewhere) is dropped, not
   * retried — unless a newer one was proven meanwhile (then that one stays).
   */
  forgetIf(xaddr: string, stale: DeviceCredentials): void {
    const now = this.byXaddr.get(xaddr);
    if (now && now.username === stale.username && now.password === stale.password) this.byXaddr.delete(xaddr);
  }

  onChange(listener: (xaddr: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
