import { classifyDahuaError, DAHUA_CODES, describeDahuaError, type DahuaErrorInfo, type DahuaErrorKind } from '../../common/dahua/errors';
import { challengeOf, loginProof, sessionId, UnsupportedLogin } from './hash';
import { HttpFailure, isCertificateFailure, peekCertificate, type PinnedCert, type PresentedCert } from '../core/http';
import { postJson, sizeLimit, type PostResult, type RpcBody } from './transport';
import { obj } from '../../common/json';

/**
 * A client of the web JSON-RPC a Dahua-family NVR's own web page uses
 * (`/RPC2_Login`, `/RPC2`). One instance is one session with one NVR. It never
 * signs in on its own: `login()` is one sign-in (two requests); the caller
 * decides (through the credential gate) whether to call it again.
 */

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
  /**
   * The request may have reached the NVR but its answer was lost or unreadable
   * (a dropped connection, a timeout, not JSON): whether a write landed is unknown.
   */
  answerLost = false;
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
  /** For an https NVR: the certificate the technician confirmed (main/core/http.ts, pinnedTls). */
  pinned?: PinnedCert;
  /** Called with each request's method, never with params (they may hold a hash). */
  onRequest?: (method: string) => void;
}

type Session = string | number;

/** A session id as firmware sends it: a non-empty string or a positive whole number (both seen in the field). */

interface RpcReply extends RpcBody {
  /** The HTTP status it came with (200, or 401 for a challenge or refusal some firmware sends that way). */
  httpStatus: number;
}

const DEFAULT_TIMEOUT = 8000;
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

export class DahuaRpcClient {
  readonly base: URL;
  private session: Session | undefined;
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
   * One sign-in: the challenge (error 268632079 or 401, in a 200 or an HTTP 401
   * answer), then the proof for the encryption it names (hash.ts). Throws
   * DahuaError with kind wrong-password / unknown-user / locked / … on refusal,
   * unsupported-login (nothing sent that could count as a try) for a sign-in
   * method this app does not make.
   */
  async login(password: string): Promise<void> {
    this.stopKeepAlive();
    this.session = undefined;
    const c = await this.challenge();
    let proof;
    try {
      proof = loginProof(c.encryption, { username: this.o.username, password, realm: c.realm, random: c.random, https: this.base.protocol === 'https:' });
    } catch (err) {
      if (err instanceof UnsupportedLogin) throw new DahuaError({ kind: 'unsupported-login' }, err.message);
      throw err;
    }
    const second = await this.post('/RPC2_Login', {
      method: 'global.login',
      params: { userName: this.o.username, ...proof, clientType: 'Web3.0', loginType: 'Direct' },
      id: this.nextId++,
      session: c.session,
    });
    if (second.result !== true) throw this.refusalOf(second);
    this.session = sessionId(second.session) ?? c.session;
    const ka = obj(second.params)?.['keepAliveInterval'];
    if (typeof ka === 'number' && ka >= 5 && ka <= 3600) this.keepAliveInterval = ka;
  }

  /** The first step: a session and the challenge, or the NVR's refusal (locked, blacklisted, not initialised…). */
  private async challenge(): Promise<{ session: Session; realm: string; random: string; encryption: string }> {
    const first = await this.post('/RPC2_Login', {
      method: 'global.login',
      params: { userName: this.o.username, password: '', clientType: 'Web3.0', loginType: 'Direct' },
      id: this.nextId++,
    });
    if (first.result === true) throw new DahuaError({ kind: 'protocol' }, 'the NVR accepted a sign-in without a password');
    const p = obj(first.params);
    const code = obj(first.error)?.['code'];
    const isChallenge = code === DAHUA_CODES.loginChallenge || code === DAHUA_CODES.loginChallenge401 || (first.httpStatus === 401 && code === undefined && p?.['realm'] !== undefined);
    if (!isChallenge) throw this.errorOf(first, 'global.login');
    const c = challengeOf(p, first.session);
    if ('problem' in c) {
      if (c.problem === 'unnamed-method') throw new DahuaError({ kind: 'unsupported-login' }, 'a sign-in method the challenge does not name');
      throw new DahuaError({ kind: 'protocol' }, 'the login challenge lacks realm, random or session');
    }
    return c;
  }

  /** The second step said no: a known refusal, or an unknown code that is still a refused sign-in. */
  private refusalOf(reply: RpcReply): DahuaError {
    const err = this.errorOf(reply, 'global.login');
    if (err.kind !== 'other') return err;
    const code = obj(reply.error)?.['code'];
    return new DahuaError({ kind: 'sign-in-refused' }, typeof code === 'number' ? `code ${code}` : '');
  }

  /** One RPC on the session; `params` of the answer, or a DahuaError (session-expired included). */
  async call(method: string, params: unknown = null): Promise<unknown> {
    const reply = await this.request(method, params);
    return reply.params ?? reply.result;
  }

  /** One RPC on the session: the answer's own `result` and `params` (a write checks `result` itself), or a DahuaError. */
  async request(method: string, params: unknown = null): Promise<{ result: unknown; params: unknown }> {
    if (this.session === undefined) throw new DahuaError({ kind: 'session-expired' });
    const reply = await this.post('/RPC2', { method, params, id: this.nextId++, session: this.session });
    if (reply.result === false || (reply.error !== undefined && reply.error !== null)) {
      const err = this.errorOf(reply, method);
      if (err.kind === 'session-expired') this.forget();
      throw err;
    }
    return { result: reply.result, params: reply.params };
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
    // The NVR's own words, when it gave some (printable, short: device text is hostile input).
    const words = typeof e?.['message'] === 'string' ? e['message'].replace(/[^\x20-\x7e]/g, '').trim().slice(0, 120) : '';
    const detail =
      info.kind === 'other' || info.kind === 'method-not-found' || info.kind === 'invalid-request'
        ? `${method}${code !== undefined ? `, code ${code}` : ''}${words ? `: "${words}"` : ''}`
        : '';
    if (reply.error === undefined && reply.result === undefined) return new DahuaError({ kind: 'protocol' }, `${method}: no result and no error`);
    return new DahuaError(info, detail);
  }

  private async post(path: string, body: unknown): Promise<RpcReply> {
    const method = (body as { method: string }).method;
    this.o.onRequest?.(method);
    const res = await this.send(new URL(path, this.base), method, JSON.stringify(body));
    return replyOf(res, path, method);
  }

  /** One POST; a transport failure becomes a DahuaError that says whether the request may have reached the NVR. */
  private async send(url: URL, method: string, json: string): Promise<PostResult> {
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_TIMEOUT;
    const maxBodyBytes = this.o.maxBodyBytes ?? DEFAULT_MAX_BODY;
    try {
      return await postJson(url, json, { timeoutMs, maxBodyBytes, ...(this.o.pinned ? { pinned: this.o.pinned } : {}) });
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      if (err.kind === 'too-large') throw lost(new DahuaError({ kind: 'protocol' }, `${method}: ${sizeLimit(maxBodyBytes)}`));
      if (isCertificateFailure(err)) throw await this.untrusted(err, url, timeoutMs);
      const e = new DahuaError({ kind: 'unreachable' }, err.message);
      throw err.sent ? lost(e) : e;
    }
  }

  /** The certificate was refused before anything was sent: read what the NVR presents so the technician can decide. */
  private async untrusted(err: HttpFailure, url: URL, timeoutMs: number): Promise<DahuaError> {
    if (this.o.pinned) return new DahuaError({ kind: 'untrusted-cert' }, err.message);
    const cert = await peekCertificate(url, timeoutMs).catch(() => undefined);
    return new DahuaError({ kind: 'untrusted-cert' }, cert ? `SHA-256 ${cert.fingerprint256}` : '', cert);
  }
}

/** Marks an error as "the request may have reached the NVR; its answer is lost or unreadable". */
function lost(e: DahuaError): DahuaError {
  e.answerLost = true;
  return e;
}

/** The HTTP answer as an RPC reply, or the DahuaError it amounts to. */
function replyOf(res: PostResult, path: string, method: string): RpcReply {
  if (res.status >= 300 && res.status < 400) {
    const loc = res.location ?? '';
    if (/^https:/i.test(loc)) throw lost(new DahuaError({ kind: 'https-redirect' }, `to ${safeLocation(loc)}`));
    throw lost(new DahuaError({ kind: 'protocol' }, `${method}: the NVR redirected (HTTP ${res.status}) to ${safeLocation(loc) || 'nowhere'}; not followed`));
  }
  if (res.status === 404 || res.status === 501) {
    const e = new DahuaError({ kind: 'protocol' }, `${path} is not there (HTTP ${res.status}): this device does not speak Dahua's web JSON-RPC`);
    e.rpcMissing = true;
    throw e;
  }
  // Some firmware answers the sign-in with HTTP 401 and the JSON body (the challenge, or a refusal).
  const jsonStatus = res.status === 200 || (res.status === 401 && path === '/RPC2_Login');
  let data: unknown;
  try {
    data = jsonStatus ? JSON.parse(res.body) : undefined;
  } catch {
    throw lost(new DahuaError({ kind: 'protocol' }, `${method}: the answer is not JSON${res.status === 401 ? ' (HTTP 401: the NVR may be at its connection limit)' : ''}`));
  }
  if (!jsonStatus) throw lost(new DahuaError({ kind: 'protocol' }, `${method}: HTTP ${res.status}`));
  const reply = obj(data);
  if (!reply) throw lost(new DahuaError({ kind: 'protocol' }, `${method}: the answer is not a JSON object`));
  return { ...reply, httpStatus: res.status };
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
