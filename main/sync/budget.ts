/**
 * The lockout budget: at most `max` rejected sign-ins per device per run,
 * across candidates, retries and verification. Vendors lock after 3–10
 * failures (DOMAIN.md), and a recorder still holding the old password spends
 * some of that allowance too, so the default is 2.
 */
export class LockoutBudget {
  private readonly failures = new Map<string, number>();
  private readonly locks = new Map<string, number>();

  constructor(readonly max: number) {}

  failed(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Whether one more sign-in that might be rejected still fits the budget. */
  canTry(key: string): boolean {
    return this.failed(key) < this.max;
  }

  recordFailure(key: string): number {
    const n = this.failed(key) + 1;
    this.failures.set(key, n);
    return n;
  }

  /** Earlier failures (from a journal) count against this run too. */
  seed(key: string, failures: number): void {
    this.failures.set(key, Math.max(this.failed(key), failures));
  }

  lock(key: string, until: number): void {
    this.locks.set(key, Math.max(this.locks.get(key) ?? 0, until));
  }

  /** App-clock time the device unlocks, if it is still locked at `now`. */
  lockedUntil(key: string, now: number): number | undefined {
    const until = this.locks.get(key);
    return until !== undefined && until > now ? until : undefined;
  }
}
