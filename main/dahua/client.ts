import { classifyDahuaError, DAHUA_CODES, describeDahuaError, type DahuaErrorInfo, type DahuaErrorKind } from '../../common/dahua/errors';
import { dahuaDefaultHash } from './hash';
import { peekCertificate, postJson, TransportError, type PinnedCert } from './transport';

/**
 * A client of the web JSON-RPC a Dahua-family NVR's own web page uses
 * (`/RPC2_Login`, `/RPC2`). One instance is one session with one NVR. It never
 * signs in on its own: `login()` is one sign-in (two requests); the caller
 * decides (through the credential gate) whether to call it again.
 */

/** The certificate an https NVR presented, for the technician to confirm (all public). */
export interface PresentedCert extends PinnedCert {
  subject: string;
  validTo: string;
}

export class DahuaError extends Error {
  readonly info: DahuaErrorInfo;
  constructor(
    info: DahuaErrorInfo,
    detail = '',
    /** With kind untrusted-cert: what the NVR presented. */
    readonly cert?: PresentedCert,
  ) {
    super(describeDahuaError(info, detail));
    this.name = 'DahuaError';
    this.info = info;
  }
  /** /RPC2_Login or /RPC2 is not there (HTTP 404/501): the caller may read over the CGI instead. */
  rpcMissing = false;
  get kind(): DahuaErrorKind {
    return this.info.kind;
  }
}

export interface DahuaClientOptions {
  /** http://host[:port] of the NVR. */
  url: string;
  username: string;
  timeoutMs?: number;
  /** Answers larger than this are refused (a huge or endless body is not a channel table). */
  maxBodyBytes?: number;
  /** For an https NVR: the certificate the technician confirmed (see transport.ts). */
  pinned?: PinnedCert;
  /** Called with each request's method, never with params (they may hold a hash). */
  onRequest?: (method: string) => void;
}

interface RpcReply {
  result?: unknown;
  params?: unknown;
  error?: unknown;
  session?: unknown;
  id?: unknown;
}

const DEFAULT_TIMEOUT = 8000;
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

export class DahuaRpcClient {
  readonly base: URL;
  private session: string | number | undefined;
  private nextId = 1;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  /** Seconds, from the login answer. */
  keepAliveInterval = 60;

  constructor(private readonly o: DahuaClientOptions) {
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DahuaError({ kind: 'protocol' }, `${u.protocol} is not an NVR address`);
    if (u.username || u.password) throw new DahuaError({ kind: 'protocol' }, 'credentials do not belong in the address');
    this.base = new URL(`${u.protocol}//${u.host}/`);
  }

  get signedIn(): boolean {
    return this.session !== undefined;
  }

  /**
   * One sign-in: the challenge, then the Default hash. Throws DahuaError with
   * kind wrong-password / locked / blacklisted / not-initialised / … on refusal.
   */
  async login(password: string): Promise<void> {
    this.stopKeepAlive();
    this.session = undefined;
    const username = this.o.username;
    const first = await this.post('/RPC2_Login', {
      method: 'global.login',
      params: { userName: username, password: '', clientType: 'Web3.0', loginType: 'Direct' },
      id: this.nextId++,
    });
    const fe = obj(first.error);
    if (first.result === true) throw new DahuaError({ kind: 'protocol' }, 'the NVR accepted a sign-in without a password');
    if (fe?.['code'] !== DAHUA_CODES.loginChallenge) throw this.errorOf(first, 'global.login');
    const p = obj(first.params);
    const realm = p?.['realm'];
    const random = p?.['random'];
    const encryption = p?.['encryption'] ?? 'Default';
    const session = first.session;
    if (typeof realm !== 'string' || typeof random !== 'string' || !(typeof session === 'string' || typeof session === 'number') || session === '') {
      throw new DahuaError({ kind: 'protocol' }, 'the login challenge lacks realm, random or session');
    }
    if (encryption !== 'Default') throw new DahuaError({ kind: 'protocol' }, `login encryption "${String(encryption).slice(0, 40)}" is not supported (only Default)`);
    const second = await this.post('/RPC2_Login', {
      method: 'global.login',
      params: {
        userName: username,
        password: dahuaDefaultHash(username, password, realm, random),
        clientType: 'Web3.0',
        loginType: 'Direct',
        authorityType: encryption,
        passwordType: 'Default',
      },
      id: this.nextId++,
      session,
    });
    if (second.result !== true) throw this.errorOf(second, 'global.login');
    this.session = typeof second.session === 'string' || typeof second.session === 'number' ? second.session : session;
    const ka = obj(second.params)?.['keepAliveInterval'];
    if (typeof ka === 'number' && ka >= 5 && ka <= 3600) this.keepAliveInterval = ka;
  }

  /** One RPC on the session; `params` of the answer, or a DahuaError (session-expired included). */
  async call(method: string, params: unknown = null): Promise<unknown> {
    if (this.session === undefined) throw new DahuaError({ kind: 'session-expired' });
    const reply = await this.post('/RPC2', { method, params, id: this.nextId++, session: this.session });
    if (reply.result === false || reply.error !== undefined && reply.error !== null) {
      const err = this.errorOf(reply, method);
      if (err.kind === 'session-expired') this.forget();
      throw err;
    }
    return reply.params ?? reply.result;
  }

  /** Keeps the session alive while a view uses it; a failed keep-alive just ends the session (no sign-in). */
  startKeepAlive(onEnded?: (err: unknown) => void): void {
    this.stopKeepAlive();
    const ms = Math.max(5, this.keepAliveInterval * 0.6) * 1000;
    this.keepAliveTimer = setInterval(() => {
      this.call('global.keepAlive', { timeout: this.keepAliveInterval, active: true }).catch((err: unknown) => {
        this.forget();
        onEnded?.(err);
      });
    }, ms);
    this.keepAliveTimer.unref?.();
  }

  stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  /** global.logout; best effort (the session ends on our side whatever the NVR says). */
  async logout(): Promise<void> {
    this.stopKeepAlive();
    if (this.session === undefined) return;
    try {
      await this.call('global.logout', null);
    } catch {
      // the NVR may have ended it already
    } finally {
      this.forget();
    }
  }

  private forget(): void {
    this.stopKeepAlive();
    this.session = undefined;
  }

  private errorOf(reply: RpcReply, method: string): DahuaError {
    const info = classifyDahuaError(reply.error, reply.params);
    const e = obj(reply.error);
    const code = typeof e?.['code'] === 'number' ? e['code'] : undefined;
    const detail = info.kind === 'other' || info.kind === 'method-not-found' || info.kind === 'invalid-request' ? `${method}${code !== undefined ? `, code ${code}` : ''}` : '';
    if (reply.error === undefined && reply.result === undefined) return new DahuaError({ kind: 'protocol' }, `${method}: no result and no error`);
    return new DahuaError(info, detail);
  }

  private async post(path: string, body: unknown): Promise<RpcReply> {
    const url = new URL(path, this.base);
    const method = (body as { method: string }).method;
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_TIMEOUT;
    this.o.onRequest?.(method);
    let res;
    try {
      res = await postJson(url, JSON.stringify(body), { timeoutMs, maxBodyBytes: this.o.maxBodyBytes ?? DEFAULT_MAX_BODY, pinned: this.o.pinned });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      if (err.kind === 'too-large') throw new DahuaError({ kind: 'protocol' }, `${method}: ${err.message}`);
      if (err.kind === 'untrusted-cert') {
        if (this.o.pinned) throw new DahuaError({ kind: 'untrusted-cert' }, err.message);
        // Nothing was sent (the handshake failed first): read what the NVR presents so the technician can decide.
        const cert = await peekCertificate(url, timeoutMs).catch(() => undefined);
        throw new DahuaError({ kind: 'untrusted-cert' }, cert ? `SHA-256 ${cert.fingerprint256}` : '', cert);
      }
      throw new DahuaError({ kind: 'unreachable' }, err.message);
    }
    if (res.status >= 300 && res.status < 400) {
      const loc = res.location ?? '';
      if (/^https:/i.test(loc)) throw new DahuaError({ kind: 'https-redirect' }, `to ${safeLocation(loc)}`);
      throw new DahuaError({ kind: 'protocol' }, `${method}: the NVR redirected (HTTP ${res.status}) to ${safeLocation(loc) || 'nowhere'}; not followed`);
    }
    if (res.status === 404 || res.status === 501) {
      const e = new DahuaError({ kind: 'protocol' }, `${path} is not there (HTTP ${res.status}): this device does not speak Dahua's web JSON-RPC`);
      e.rpcMissing = true;
      throw e;
    }
    if (res.status !== 200) throw new DahuaError({ kind: 'protocol' }, `${method}: HTTP ${res.status}`);
    let data: unknown;
    try {
      data = JSON.parse(res.body);
    } catch {
      throw new DahuaError({ kind: 'protocol' }, `${method}: the answer is not JSON`);
    }
    const reply = obj(data);
    if (!reply) throw new DahuaError({ kind: 'protocol' }, `${method}: the answer is not a JSON object`);
    return reply as RpcReply;
  }
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Scheme, host and path of a Location header, nothing more (no query, no credentials). */
function safeLocation(loc: string): string {
  try {
    const u = new URL(loc);
    return `${u.protocol}//${u.host}${u.pathname}`.slice(0, 200);
  } catch {
    return '';
  }
}
