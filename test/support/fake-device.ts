import { OnvifError, type OnvifErrorKind } from '../../main/onvif/errors';
import type { ClientFactory, ClientOptions, Credentials, DeviceClient } from '../../main/sync/port';

/** The real client's error, as a fake device raises it. */
const fail = (kind: OnvifErrorKind, message: string = kind, details: ConstructorParameters<typeof OnvifError>[2] = {}) => new OnvifError(kind, message, details);

/**
 * An in-memory camera for engine unit tests: models the behaviours the engine
 * must survive (one failure counter and lock per camera across its accounts,
 * rejected passwords, ignored or late SetUser, a connection dropped after
 * SetUser, authentication switched off) without sockets. As ONVIF Core's access
 * classes say, only an Administrator may call GetUsers and SetUser (any
 * account's); every level may call GetDeviceInformation. The real sockets are
 * exercised against sim/ in the integration tests.
 */
export interface FakeBehaviour {
  unreachable?: boolean;
  /** Fail this many requests with a transient timeout before answering. */
  flakyRequests?: number;
  /** Consecutive refusals (any account) that lock the whole camera. */
  lockAfter?: number;
  lockMs?: number;
  fault?: string;
  noop?: boolean;
  /** Both schemes tried per credential: two rejections for one wrong password. */
  doubleReject?: boolean;
  errorKind?: OnvifErrorKind;
  /** The new password takes over this long after SetUser (the old one works until then). */
  lateApplyMs?: number;
  /** SetUser is applied, then the connection drops before the answer. */
  dropAfterSet?: boolean;
  /** ONVIF authentication switched off: every call answers, whatever the credentials. */
  authOff?: boolean;
  /** Accounts whose password may not be changed (config-file users): SetUser for them → ter:FixedUser. */
  fixedUsers?: string[];
}

export class FakeDevice {
  failedAuths = 0;
  maxConsecutive = 0;
  consecutive = 0;
  setUserCount = 0;
  /** SetUser calls per account. */
  setUserBy: Record<string, number> = {};
  requests = 0;
  lockedUntil = 0;
  readonly passwords = new Map<string, string>();
  private readonly pending = new Map<string, { password: string; at: number }>();
  constructor(
    password: string | Record<string, string>,
    public users = [{ username: 'admin', userLevel: 'Administrator' }],
    public b: FakeBehaviour = {},
    private readonly now: () => number = Date.now,
  ) {
    for (const u of users) this.passwords.set(u.username, typeof password === 'string' ? password : (password[u.username] ?? ''));
  }

  /** The admin account's password (most tests have only that one). */
  get password(): string {
    return this.passwordOf('admin');
  }
  set password(p: string) {
    this.passwords.set('admin', p);
    this.pending.delete('admin');
  }

  passwordOf(username: string): string {
    const p = this.pending.get(username);
    if (p && this.now() >= p.at) {
      this.passwords.set(username, p.password);
      this.pending.delete(username);
    }
    return this.passwords.get(username) ?? '';
  }

  /** The password the account will hold once any late change lands. */
  eventualPasswordOf(username: string): string {
    return this.pending.get(username)?.password ?? this.passwordOf(username);
  }

  check(c: Credentials, opts: ClientOptions): void {
    this.requests++;
    if (opts.signal?.aborted) throw fail('cancelled');
    if (this.b.unreachable) throw fail('unreachable', 'ECONNREFUSED');
    if (this.b.errorKind) throw fail(this.b.errorKind, `fake ${this.b.errorKind}`);
    if (this.b.flakyRequests && this.b.flakyRequests > 0) {
      this.b.flakyRequests--;
      throw fail('timeout', 'timed out');
    }
    if (this.b.authOff) return;
    if (this.lockedUntil > this.now()) throw fail('locked', 'locked', { retryAfterMs: this.lockedUntil - this.now() });
    const ok = this.passwords.has(c.username) && c.password === this.passwordOf(c.username);
    if (!ok) {
      const rejects = this.b.doubleReject ? 2 : 1;
      for (let i = 0; i < rejects; i++) {
        this.failedAuths++;
        this.consecutive++;
        this.maxConsecutive = Math.max(this.maxConsecutive, this.consecutive);
        opts.onAuthFailure('password');
        if (opts.signal?.aborted) break;
      }
      if (this.b.lockAfter !== undefined && this.consecutive >= this.b.lockAfter) this.lockedUntil = this.now() + (this.b.lockMs ?? 60_000);
      throw fail('auth-failed', 'not authorized');
    }
    this.consecutive = 0;
  }

  /** Only an Administrator may list or set users (ONVIF Core); another level is answered ter:NotAuthorized, its password not counted as wrong. */
  requireAdministrator(c: Credentials): void {
    if (this.b.authOff) return;
    const level = this.users.find((u) => u.username === c.username)?.userLevel;
    if (level !== 'Administrator') throw fail('fault', 'SOAP fault Sender/NotAuthorized: insufficient privileges', { status: 400, codes: ['Sender', 'NotAuthorized'], subcode: 'NotAuthorized' });
  }

  setUser(username: string, password: string): void {
    this.setUserCount++;
    this.setUserBy[username] = (this.setUserBy[username] ?? 0) + 1;
    if (this.b.fault) throw fail('fault', `fault ${this.b.fault}`, { subcode: this.b.fault, status: 400 });
    if (this.b.fixedUsers?.includes(username)) throw fail('fault', 'SOAP fault Sender/InvalidArgVal/FixedUser', { subcode: 'FixedUser', codes: ['Sender', 'InvalidArgVal', 'FixedUser'], status: 400 });
    if (this.b.noop) return;
    if (this.b.lateApplyMs) this.pending.set(username, { password, at: this.now() + this.b.lateApplyMs });
    else {
      this.passwords.set(username, password);
      this.pending.delete(username);
    }
    if (this.b.dropAfterSet) throw fail('reset', 'connection reset after SetUser');
  }
}

export function fakeFactory(devices: Map<string, FakeDevice>): ClientFactory {
  return (opts) => {
    let requests = 0;
    let authOff = false;
    const dev = () => {
      const d = devices.get(opts.xaddr);
      requests++;
      if (!d) throw fail('unreachable', 'no such device');
      return d;
    };
    const client: DeviceClient = {
      async getUsers(c) {
        const d = dev();
        d.check(c, opts);
        if (d.b.authOff) authOff = true;
        d.requireAdministrator(c);
        return d.users.map((u) => ({ ...u }));
      },
      async setUser(c, u) {
        const d = dev();
        d.check(c, opts);
        d.requireAdministrator(c);
        d.setUser(u.username, u.password);
      },
      async getDeviceInformation(c) {
        const d = dev();
        d.check(c, opts);
        if (d.b.authOff) authOff = true;
        return { manufacturer: 'Fake', model: 'FakeCam', firmwareVersion: '1.0', serialNumber: 'FAKE-1', hardwareId: 'fake' };
      },
      get requestCount() {
        return requests;
      },
      get authOff() {
        return authOff;
      },
      close() {},
    };
    return client;
  };
}
