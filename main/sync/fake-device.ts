import { FakeClientError, type ClientFactory, type ClientOptions, type Credentials, type DeviceClient } from './port';

/**
 * An in-memory camera for engine unit tests: models the behaviours the engine
 * must survive (lockout counters, rejected passwords, ignored SetUser) without
 * sockets. The real sockets are exercised against sim/ in the integration tests.
 */
export interface FakeBehaviour {
  unreachable?: boolean;
  /** Fail this many requests with a transient timeout before answering. */
  flakyRequests?: number;
  lockAfter?: number;
  lockMs?: number;
  fault?: string;
  noop?: boolean;
  /** Both schemes tried per credential: two rejections for one wrong password. */
  doubleReject?: boolean;
  errorKind?: FakeClientError['kind'];
}

export class FakeDevice {
  failedAuths = 0;
  maxConsecutive = 0;
  consecutive = 0;
  setUserCount = 0;
  requests = 0;
  lockedUntil = 0;
  constructor(
    public password: string,
    public users = [{ username: 'admin', userLevel: 'Administrator' }],
    public b: FakeBehaviour = {},
    private readonly now: () => number = Date.now,
  ) {}

  check(c: Credentials, opts: ClientOptions): void {
    this.requests++;
    if (opts.signal?.aborted) throw new FakeClientError('cancelled');
    if (this.b.unreachable) throw new FakeClientError('unreachable', 'ECONNREFUSED');
    if (this.b.errorKind) throw new FakeClientError(this.b.errorKind, `fake ${this.b.errorKind}`, { transient: false, status: 500 });
    if (this.b.flakyRequests && this.b.flakyRequests > 0) {
      this.b.flakyRequests--;
      throw new FakeClientError('timeout', 'timed out');
    }
    if (this.lockedUntil > this.now()) throw new FakeClientError('locked', 'locked', { retryAfterMs: this.lockedUntil - this.now() });
    const ok = c.password === this.password && this.users.some((u) => u.username === c.username);
    if (!ok) {
      const rejects = this.b.doubleReject ? 2 : 1;
      for (let i = 0; i < rejects; i++) {
        this.failedAuths++;
        this.consecutive++;
        this.maxConsecutive = Math.max(this.maxConsecutive, this.consecutive);
        opts.onAuthFailure();
        if (opts.signal?.aborted) break;
      }
      if (this.b.lockAfter !== undefined && this.consecutive >= this.b.lockAfter) this.lockedUntil = this.now() + (this.b.lockMs ?? 60_000);
      throw new FakeClientError('auth-failed', 'not authorized', { transient: false });
    }
    this.consecutive = 0;
  }
}

export function fakeFactory(devices: Map<string, FakeDevice>): ClientFactory {
  return (opts) => {
    let requests = 0;
    const dev = () => {
      const d = devices.get(opts.xaddr);
      requests++;
      if (!d) throw new FakeClientError('unreachable', 'no such device');
      return d;
    };
    const client: DeviceClient = {
      async getSystemDateAndTime() {
        const d = dev();
        d.requests++;
        if (d.b.unreachable) throw new FakeClientError('unreachable', 'ECONNREFUSED');
        return { deviceTimeMs: Date.now(), clockOffsetMs: 0 };
      },
      async getUsers(c) {
        const d = dev();
        d.check(c, opts);
        return d.users.map((u) => ({ ...u }));
      },
      async setUser(c, u) {
        const d = dev();
        d.check(c, opts);
        d.setUserCount++;
        if (d.b.fault) throw new FakeClientError('fault', `fault ${d.b.fault}`, { subcode: d.b.fault, transient: false });
        if (!d.b.noop) d.password = u.password;
      },
      get requestCount() {
        return requests;
      },
    };
    return client;
  };
}
