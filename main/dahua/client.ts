import { classifyDahuaError, DAHUA_CODES, describeDahuaError, type DahuaErrorInfo, type DahuaErrorKind } from '../../common/dahua/errors';
import { dahuaDefaultHash } from './hash';

/**
 * A client of the web JSON-RPC a Dahua-family NVR's own web page uses
 * (`/RPC2_Login`, `/RPC2`). One instance is one session with one NVR. It never
 * signs in on its own: `login()` is one sign-in (two requests); the caller
 * decides (through the credential gate) whether to call it again.
 */

export class DahuaError extends Error {
  readonly info: DahuaErrorInfo;
  constructor(info: DahuaErrorInfo, detail = '') {
    super(describeDahuaError(info, detail));
    this.name = 'DahuaError';
    this.info = info;
  }
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
  /** For tests: the transport (default: global fetch). */
  fetch?: typeof fetch;
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
    if (u.protocol !== 'http:') throw new DahuaError({ kind: 'https-redirect' }, `${u.protocol} addresses need a certificate decision first`);
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
    const f = this.o.fetch ?? fetch;
    const url = new URL(path, this.base);
    const method = (body as { method: string }).method;
    this.o.onRequest?.(method);
    let res: Response;
    try {
      res = await f(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        // Never follow: an https redirect needs the technician's decision, and another host never gets the hash.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs ?? DEFAULT_TIMEOUT),
      });
    } catch (err) {
      const name = (err as Error).name;
      throw new DahuaError({ kind: 'unreachable' }, name === 'TimeoutError' ? `no answer within ${(this.o.timeoutMs ?? DEFAULT_TIMEOUT) / 1000} s` : causeOf(err));
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const loc = res.headers.get('location') ?? '';
      if (/^https:/i.test(loc)) throw new DahuaError({ kind: 'https-redirect' }, `to ${safeLocation(loc)}`);
      throw new DahuaError({ kind: 'protocol' }, `${method}: the NVR redirected (HTTP ${res.status}) to ${safeLocation(loc) || 'nowhere'}; not followed`);
    }
    if (res.status === 404 || res.status === 501) {
      await res.body?.cancel().catch(() => undefined);
      throw new DahuaError({ kind: 'protocol' }, `${path} is not there (HTTP ${res.status}): this device does not speak Dahua's web JSON-RPC`);
    }
    const text = await readLimited(res, this.o.maxBodyBytes ?? DEFAULT_MAX_BODY, method);
    if (res.status !== 200) throw new DahuaError({ kind: 'protocol' }, `${method}: HTTP ${res.status}`);
    let data: unknown;
    try {
      data = JSON.parse(text);
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

function causeOf(err: unknown): string {
  const c = (err as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (err as Error).message ?? 'network error';
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

async function readLimited(res: Response, max: number, method: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new DahuaError({ kind: 'protocol' }, `${method}: the answer is larger than ${Math.round(max / 1024)} KB`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new DahuaError({ kind: 'protocol' }, `${method}: the answer is larger than ${Math.round(max / 1024)} KB`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
