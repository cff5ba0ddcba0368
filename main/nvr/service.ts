import { AppError, type CallName, type ErrorCode } from '../../common/contract';
import type { NvrSnapshot } from '../../common/contract/nvr';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { DahuaError, DahuaRpcClient } from '../dahua/client';
import { peekCertificate, TransportError, type PinnedCert } from '../dahua/transport';
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
  const log = ctx.log.child('nvr');
  let held: Held | undefined;
  let opened = 0;
  /** Certificates https NVRs presented, by host: the pin is the one the technician saw. */
  const certs = new Map<string, PinnedCert>();
  const peek = async (url: string) => {
    try {
      const c = await peekCertificate(new URL(url), deps.timeoutMs ?? 8000);
      certs.set(new URL(url).host, c);
      return c;
    } catch (err) {
      throw new AppError('unavailable', `The NVR did not complete an https handshake (${err instanceof TransportError ? err.message : String(err)}). Check the address.`);
    }
  };
  const pinFor = async (url: string, fingerprint: string | undefined): Promise<PinnedCert | undefined> => {
    if (new URL(url).protocol !== 'https:') return undefined;
    if (!fingerprint) throw new AppError('conflict', "This NVR uses https: check its certificate and confirm you trust it before signing in.");
    let c = certs.get(new URL(url).host);
    if (c?.fingerprint256 !== fingerprint) c = await peek(url);
    if (c.fingerprint256 !== fingerprint) throw new AppError('refused', 'The NVR now presents a different certificate than the one you confirmed. Check it again before trusting it.');
    return c;
  };
  let lastRead = 0;
  let reading: Promise<unknown> | undefined;

  const snapshot = (h: Held, read: Awaited<ReturnType<typeof readNvr>>): NvrSnapshot => ({
    url: h.url,
    username: h.username,
    identity: read.identity,
    channels: read.channels,
    readAt: ctx.clock.now(),
    notes: read.notes,
  });

  const publish = (s: NvrSnapshot) => {
    lastRead = ctx.clock.now();
    ctx.events.emit('nvr.channels', s);
    return s;
  };

  const fail = (err: unknown, what: string): never => {
    if (err instanceof DahuaError) {
      log.warn(`${what} failed`, { kind: err.kind, remainLoginTimes: err.info.remainLoginTimes });
      const code: ErrorCode = ['wrong-password', 'locked', 'blacklisted', 'budget', 'not-initialised'].includes(err.kind) ? 'refused' : 'unavailable';
      const { remainLoginTimes, remainLockSeconds } = err.info;
      throw new AppError(code, err.message, {
        kind: err.kind,
        ...(remainLoginTimes !== undefined ? { remainLoginTimes } : {}),
        ...(remainLockSeconds !== undefined ? { remainLockSeconds } : {}),
      });
    }
    throw err;
  };

  const end = async () => {
    const h = held;
    held = undefined;
    if (h) await h.client.logout();
  };

  const keepAlive = (h: Held) =>
    h.client.startKeepAlive((err) => {
      // The NVR ended the session: no sign-in in the background; the next refresh (a user action) signs in.
      log.info('NVR keep-alive ended the session', { kind: err instanceof DahuaError ? err.kind : 'error' });
    });

  // Live while a camera sync runs: read on the open session (never a sign-in), at most every few seconds.
  const unsubscribe = ctx.events.subscribe((name) => {
    const h = held;
    if (name !== 'sync.progress' || !h || !h.client.signedIn || reading) return;
    if (ctx.clock.now() - lastRead < (deps.liveRefreshMs ?? 5000)) return;
    reading = ctx.gate
      .withDevice(h.url, async () => (h.client.signedIn ? publish(snapshot(h, await readNvr(h.client))) : undefined))
      .catch((err: unknown) => log.info('live NVR refresh skipped', { kind: err instanceof DahuaError ? err.kind : 'error' }))
      .finally(() => (reading = undefined));
  });

  const handlers: NvrHandlers = {
    'nvr.signIn': async (input) => {
      ctx.secrets.add(input.password);
      let password = input.password;
      if (input.caseId !== undefined) {
        if (!deps.casePassword) throw new AppError('unavailable', "This host cannot read a reset case's password; type the NVR password instead.");
        try {
          password = (await deps.casePassword(input.caseId)) ?? undefined;
        } catch (e) {
          throw new AppError('unavailable', `${(e as Error).message} Type the NVR password instead.`);
        }
        if (!password) throw new AppError('not-found', 'No new password is stored for this case; type the NVR password instead.');
        ctx.secrets.add(password);
      }
      await end();
      const pinned = await pinFor(input.url, input.trustFingerprint);
      let client: DahuaRpcClient;
      try {
        client = new DahuaRpcClient({ url: input.url, username: input.username, timeoutMs: deps.timeoutMs, pinned });
      } catch (err) {
        return fail(err, 'NVR sign-in');
      }
      const h: Held = { url: client.base.href.replace(/\/$/, ''), username: input.username, client, password: password!, via: 'rpc' };
      try {
        const read = await nvrAction({ gate: ctx.gate, client, password: h.password, clock: ctx.clock }, readNvr).catch((err: unknown) => {
          if (!(err instanceof DahuaError && err.rpcMissing && !pinned)) throw err;
          h.via = 'cgi';
          return readNvrCgi({ url: h.url, username: h.username, password: h.password, gate: ctx.gate, clock: ctx.clock, timeoutMs: deps.timeoutMs });
        });
        held = h;
        opened++;
        if (h.via === 'rpc') keepAlive(h);
        log.info('signed in to the NVR', { url: h.url, channels: read.channels.length });
        return publish(snapshot(h, read));
      } catch (err) {
        await client.logout();
        return fail(err, 'NVR sign-in');
      }
    },
    'nvr.certificate': async (input) => {
      const c = await peek(input.url);
      return { fingerprint256: c.fingerprint256, subject: c.subject, validTo: c.validTo };
    },
    'nvr.channels': async () => {
      const h = held;
      if (!h) throw new AppError('conflict', 'Sign in to the NVR first.');
      try {
        if (h.via === 'cgi') return publish(snapshot(h, await readNvrCgi({ url: h.url, username: h.username, password: h.password, gate: ctx.gate, clock: ctx.clock, timeoutMs: deps.timeoutMs })));
        const wasSignedIn = h.client.signedIn;
        const read = await nvrAction({ gate: ctx.gate, client: h.client, password: h.password, clock: ctx.clock }, readNvr);
        if (!wasSignedIn) keepAlive(h);
        return publish(snapshot(h, read));
      } catch (err) {
        if (err instanceof DahuaError && ['wrong-password', 'locked', 'blacklisted', 'budget'].includes(err.kind)) await end();
        return fail(err, 'NVR refresh');
      }
    },
    'nvr.status': (input) => {
      const url = input.url ?? held?.url;
      const same = !!held && (!input.url || new URL(input.url).host === new URL(held.url).host);
      const g = url ? ctx.gate.status(url) : { failures: 0, max: ctx.gate.max, lockedUntil: undefined };
      return {
        ...(url ? { url } : {}),
        ...(same ? { username: held!.username } : {}),
        signedIn: same && (held!.via === 'cgi' || held!.client.signedIn),
        failures: g.failures,
        maxFailures: g.max,
        ...(g.lockedUntil !== undefined ? { lockedUntil: g.lockedUntil } : {}),
      };
    },
    'nvr.signOut': async () => {
      const had = !!held;
      await end();
      return { signedOut: had };
    },
  };

  /** Each call is one action on the held session: a sign-in again only after the NVR ended a session that worked. */
  const session = (): NvrSessionHook | undefined => {
    const h = held;
    if (!h || h.via !== 'rpc') return undefined;
    const act = <T>(f: () => Promise<T>) => nvrAction({ gate: ctx.gate, client: h.client, password: h.password, clock: ctx.clock }, f);
    return { url: h.url, opened, store: channelStoreFor(h.client, act) };
  };

  return {
    handlers,
    session,
    async dispose() {
      unsubscribe();
      await reading;
      await end();
    },
  };
}
