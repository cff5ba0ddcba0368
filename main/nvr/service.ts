import { AppError, type CallName, type ErrorCode } from '../../common/contract';
import type { NvrSignInInput, NvrSnapshot, NvrStatus } from '../../common/contract/nvr';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { DahuaError, DahuaRpcClient } from '../dahua/client';
import { HttpFailure, peekCertificate, type PinnedCert } from '../core/http';
import { readNvrCgi } from '../dahua/cgi';
import { readNvr } from '../dahua/reader';
import { nvrAction } from '../dahua/session';
import type { NvrChannelStore } from '../dahua/channel-store';
import { channelStoreFor } from './channel-store';

type NvrHandlers = Pick<Handlers, Extract<CallName, `nvr.${string}`>>;

export interface NvrDeps {
  /**
   * The new password of a reset case (its OS keychain entry), or null when none is stored. Given by the
   * composition root: the keychain is the cases feature's, and features do not import each other.
   */
  casePassword?: (caseId: string) => Promise<string | null | undefined>;
  timeoutMs?: number;
  /** A running camera sync refreshes the channels at most this often (ms). */
  liveRefreshMs?: number;
}

interface Held {
  url: string;
  username: string;
  client: DahuaRpcClient;
  /** Memory only, for refreshes in this session; forgotten on sign-out and quit. */
  password: string;
  /** 'cgi': firmware without the web JSON-RPC, read over the older CGI (no session to keep). */
  via: 'rpc' | 'cgi';
}

/** The open NVR session as other features use it (through the composition root): its channel store, never a sign-in of their own. */
export interface NvrSessionHook {
  url: string;
  /** Counts sign-ins of this app session: a feature that acts once per NVR session (the site's restore of paused channels) compares it. */
  opened: number;
  /** The channels the NVR stores, through this session; each call one gate action. */
  store: NvrChannelStore;
}

/**
 * nvr.* verbs: one NVR session at a time. Every sign-in is a user action
 * through the credential gate (main/dahua/session.ts); the only background
 * work is keep-alive and reads on a session that is already open, which never
 * sign in.
 */
export async function setupNvr(ctx: ServiceContext, deps: NvrDeps = {}): Promise<Feature<NvrHandlers> & { session(): NvrSessionHook | undefined }> {
  const nvr = new NvrService(ctx, deps);
  // Live while a camera sync runs: read on the open session (never a sign-in), at most every few seconds.
  const unsubscribe = ctx.events.subscribe((name) => name === 'sync.progress' && nvr.liveRefresh());
  const handlers: NvrHandlers = {
    'nvr.signIn': (input) => nvr.signIn(input),
    'nvr.certificate': async (input) => {
      const c = await nvr.pins.peek(input.url);
      return { fingerprint256: c.fingerprint256, subject: c.subject, validTo: c.validTo };
    },
    'nvr.channels': () => nvr.channels(),
    'nvr.status': (input) => nvr.status(input.url),
    'nvr.signOut': async () => ({ signedOut: await nvr.end() }),
  };
  return {
    handlers,
    session: () => nvr.session(),
    async dispose() {
      unsubscribe();
      await nvr.dispose();
    },
  };
}

type PresentedCert = Awaited<ReturnType<typeof peekCertificate>>;

/** Certificates https NVRs presented, by host: the pin is the one the technician saw. */
class CertPins {
  private readonly certs = new Map<string, PresentedCert>();
  constructor(private readonly timeoutMs: number) {}

  async peek(url: string): Promise<PresentedCert> {
    try {
      const c = await peekCertificate(new URL(url), this.timeoutMs);
      this.certs.set(new URL(url).host, c);
      return c;
    } catch (err) {
      throw new AppError('unavailable', `The NVR did not complete an https handshake (${err instanceof HttpFailure ? err.message : String(err)}). Check the address.`);
    }
  }

  async pinFor(url: string, fingerprint: string | undefined): Promise<PinnedCert | undefined> {
    if (new URL(url).protocol !== 'https:') return undefined;
    if (!fingerprint) throw new AppError('conflict', "This NVR uses https: check its certificate and confirm you trust it before signing in.");
    let c = this.certs.get(new URL(url).host);
    if (c?.fingerprint256 !== fingerprint) c = await this.peek(url);
    if (c.fingerprint256 !== fingerprint) throw new AppError('refused', 'The NVR now presents a different certificate than the one you confirmed. Check it again before trusting it.');
    return c;
  }
}

/** The one held session, and the verbs on it, each a short method. */
class NvrService {
  readonly pins: CertPins;
  private held: Held | undefined;
  private opened = 0;
  private lastRead = 0;
  private reading: Promise<unknown> | undefined;
  private readonly log;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: NvrDeps,
  ) {
    this.log = ctx.log.child('nvr');
    this.pins = new CertPins(deps.timeoutMs ?? 8000);
  }

  async signIn(input: NvrSignInInput): Promise<NvrSnapshot> {
    const password = await this.passwordOf(input);
    await this.end();
    const pinned = await this.pins.pinFor(input.url, input.trustFingerprint);
    let client: DahuaRpcClient;
    try {
      client = new DahuaRpcClient({ url: input.url, username: input.username, timeoutMs: this.deps.timeoutMs, pinned });
    } catch (err) {
      return this.fail(err, 'NVR sign-in');
    }
    const h: Held = { url: client.base.href.replace(/\/$/, ''), username: input.username, client, password, via: 'rpc' };
    try {
      const read = await this.act(h, readNvr).catch((err: unknown) => {
        if (!(err instanceof DahuaError && err.rpcMissing && !pinned)) throw err;
        h.via = 'cgi';
        return this.readCgi(h);
      });
      this.held = h;
      this.opened++;
      if (h.via === 'rpc') this.keepAlive(h);
      this.log.info('signed in to the NVR', { url: h.url, channels: read.channels.length });
      return this.publish(this.snapshot(h, read));
    } catch (err) {
      await client.logout();
      return this.fail(err, 'NVR sign-in');
    }
  }

  async channels(): Promise<NvrSnapshot> {
    const h = this.held;
    if (!h) throw new AppError('conflict', 'Sign in to the NVR first.');
    try {
      if (h.via === 'cgi') return this.publish(this.snapshot(h, await this.readCgi(h)));
      const wasSignedIn = h.client.signedIn;
      const read = await this.act(h, readNvr);
      if (!wasSignedIn) this.keepAlive(h);
      return this.publish(this.snapshot(h, read));
    } catch (err) {
      if (err instanceof DahuaError && ['wrong-password', 'locked', 'blacklisted', 'budget'].includes(err.kind)) await this.end();
      return this.fail(err, 'NVR refresh');
    }
  }

  status(asked: string | undefined): NvrStatus {
    const held = this.held;
    const url = asked ?? held?.url;
    const same = !!held && (!asked || new URL(asked).host === new URL(held.url).host);
    const g = url ? this.ctx.gate.status(url) : { failures: 0, max: this.ctx.gate.max, lockedUntil: undefined };
    return {
      ...(url ? { url } : {}),
      ...(same ? { username: held.username } : {}),
      signedIn: same && (held.via === 'cgi' || held.client.signedIn),
      failures: g.failures,
      maxFailures: g.max,
      ...(g.lockedUntil !== undefined ? { lockedUntil: g.lockedUntil } : {}),
    };
  }

  /** Each call is one action on the held session: a sign-in again only after the NVR ended a session that worked. */
  session(): NvrSessionHook | undefined {
    const h = this.held;
    if (!h || h.via !== 'rpc') return undefined;
    return { url: h.url, opened: this.opened, store: channelStoreFor(h.client, (f) => this.act(h, () => f())) };
  }

  liveRefresh(): void {
    const h = this.held;
    if (!h || !h.client.signedIn || this.reading) return;
    if (this.ctx.clock.now() - this.lastRead < (this.deps.liveRefreshMs ?? 5000)) return;
    this.reading = this.ctx.gate
      .withDevice(h.url, async () => (h.client.signedIn ? this.publish(this.snapshot(h, await readNvr(h.client))) : undefined))
      .catch((err: unknown) => this.log.info('live NVR refresh skipped', { kind: err instanceof DahuaError ? err.kind : 'error' }))
      .finally(() => (this.reading = undefined));
  }

  /** Ends the session (global.logout) and forgets the password; whether there was one. */
  async end(): Promise<boolean> {
    const h = this.held;
    this.held = undefined;
    if (h) await h.client.logout();
    return !!h;
  }

  async dispose(): Promise<void> {
    await this.reading;
    await this.end();
  }

  private async passwordOf(input: NvrSignInInput): Promise<string> {
    this.ctx.secrets.add(input.password);
    if (input.caseId === undefined) return input.password!;
    if (!this.deps.casePassword) throw new AppError('unavailable', "This host cannot read a reset case's password; type the NVR password instead.");
    let password: string | null | undefined;
    try {
      password = await this.deps.casePassword(input.caseId);
    } catch (e) {
      throw new AppError('unavailable', `${(e as Error).message} Type the NVR password instead.`);
    }
    if (!password) throw new AppError('not-found', 'No new password is stored for this case; type the NVR password instead.');
    this.ctx.secrets.add(password);
    return password;
  }

  private act<T>(h: Held, f: (client: DahuaRpcClient) => Promise<T>): Promise<T> {
    return nvrAction({ gate: this.ctx.gate, client: h.client, password: h.password, clock: this.ctx.clock }, f);
  }

  private readCgi(h: Held) {
    return readNvrCgi({ url: h.url, username: h.username, password: h.password, gate: this.ctx.gate, clock: this.ctx.clock, timeoutMs: this.deps.timeoutMs });
  }

  private keepAlive(h: Held): void {
    h.client.startKeepAlive((err) => {
      // The NVR ended the session: no sign-in in the background; the next refresh (a user action) signs in.
      this.log.info('NVR keep-alive ended the session', { kind: err instanceof DahuaError ? err.kind : 'error' });
    });
  }

  private snapshot(h: Held, read: Awaited<ReturnType<typeof readNvr>>): NvrSnapshot {
    return { url: h.url, username: h.username, identity: read.identity, channels: read.channels, readAt: this.ctx.clock.now(), notes: read.notes };
  }

  private publish(s: NvrSnapshot): NvrSnapshot {
    this.lastRead = this.ctx.clock.now();
    this.ctx.events.emit('nvr.channels', s);
    return s;
  }

  private fail(err: unknown, what: string): never {
    if (err instanceof DahuaError) {
      this.log.warn(`${what} failed`, { kind: err.kind, remainLoginTimes: err.info.remainLoginTimes });
      const code: ErrorCode = ['wrong-password', 'locked', 'blacklisted', 'budget', 'not-initialised'].includes(err.kind) ? 'refused' : 'unavailable';
      const { remainLoginTimes, remainLockSeconds } = err.info;
      throw new AppError(code, err.message, {
        kind: err.kind,
        ...(remainLoginTimes !== undefined ? { remainLoginTimes } : {}),
        ...(remainLockSeconds !== undefined ? { remainLockSeconds } : {}),
      });
    }
    throw err;
  }
}
