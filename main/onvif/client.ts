import type http from 'node:http';
import { z } from 'zod';
import { agentFor } from '../core/http';
import { DigestSession, parseChallenges, pickChallenge, type DigestChallenge, type ParsedChallenges, type Signed } from '../core/http-digest';
import { OnvifError } from './errors';
import { asNode, buildEnvelope, escapeText, escapeXml, isXmlContentType, parseSoap, responseNode, textOf, type SoapFaultInfo, type SoapResponse, type XmlNode } from './soap';
import { post, type HttpResult } from './transport';
import { usernameToken } from './wsse';

export interface Credentials {
  username: string;
  password: string;
}

export interface OnvifUser {
  username: string;
  password: string;
  userLevel: string;
}

export interface OnvifClientOptions {
  xaddr: string;
  /** Whole exchange (connect, answer, body). Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** auto: Digest first (ONVIF baseline), WS-UsernameToken when the device offers no Digest challenge. */
  auth?: 'auto' | 'digest' | 'wsse';
  /** Default false. Basic is only ever sent when the device offers nothing else and this is true. */
  allowBasic?: boolean;
  /** Reserved; the client always sends PasswordDigest, never PasswordText. */
  allowPasswordText?: boolean;
  /** Device clock − local clock; used for WS-UsernameToken Created. */
  clockOffsetMs?: number;
  agent?: http.Agent;
  /**
   * Called once for EVERY refusal the device may count (the sync lockout budget counts these): a
   * rejected credential ('password'), or a reused Digest nonce refused where reuse never worked
   * ('nonce': the password was not judged, but some devices log it as a refused login).
   */
  onAuthFailure?: (why: 'password' | 'nonce') => void;
  /** Local clock (tests). Default Date.now. */
  now?: () => number;
  /** Default 1 MiB. */
  maxResponseBytes?: number;
}

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

const ACTION = 'http://www.onvif.org/ver10/device/wsdl/';
const str = z.string().catch('');

const DeviceInfo = z.object({
  Manufacturer: str,
  Model: str,
  FirmwareVersion: str,
  SerialNumber: str,
  HardwareId: str,
});

const DateTimeNode = z.object({
  Time: z.object({ Hour: z.coerce.number().int().min(0).max(23), Minute: z.coerce.number().int().min(0).max(59), Second: z.coerce.number().int().min(0).max(60) }),
  Date: z.object({ Year: z.coerce.number().int().min(1970).max(9999), Month: z.coerce.number().int().min(1).max(12), Day: z.coerce.number().int().min(1).max(31) }),
});

type Sent = 'none' | 'digest' | 'wsse' | 'basic';

/** How one request carries its credential (at most one kind). */
interface Plan {
  kind: Sent;
  signed?: Signed;
}

/** Per logical call: round trips that judged no credential, bounded so a hostile device cannot loop us. */
interface CallBudget {
  probes: number;
  stale: number;
}

const MAX_ROUNDS = 6;

/**
 * ONVIF device-service client for the password sync: exactly one kind of credential per request,
 * a rejected credential is reported once (never retried), the Digest nonce is reused where the
 * device allows it (main/core/http-digest.ts), and WS-UsernameToken is signed with the device's
 * clock, read from the Date of an answer it already gave or, lacking one, from GetSystemDateAndTime.
 */
export class OnvifClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly digest: DigestSession;
  /** Learned in auto mode: the device offered no Digest challenge. */
  private useWsse: boolean;
  private basicOnly = false;
  private sent = 0;
  /** The device's clock is known (read, from a Date header, or given): WS-UsernameToken can sign with it. */
  private clockKnown: boolean;
  /**
   * A call that carried credentials was answered before any credential was sent:
   * the device's ONVIF authentication is switched off, so a sign-in proves nothing.
   */
  authOff = false;
  clockOffsetMs: number;

  constructor(private readonly opts: OnvifClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.xaddr);
    } catch {
      throw new OnvifError('protocol', 'xaddr is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OnvifError('protocol', `unsupported scheme ${url.protocol}`);
    this.url = url;
    this.agent = agentFor(url, opts.agent);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.clockKnown = opts.clockOffsetMs !== undefined;
    this.useWsse = opts.auth === 'wsse';
    this.digest = new DigestSession(url.origin);
  }

  /** Number of HTTP requests sent so far (the bench counts them). */
  get requestCount(): number {
    return this.sent;
  }

  /** Frees the keep-alive sockets of an agent this client created. */
  close(): void {
    if (this.agent !== this.opts.agent) this.agent.destroy();
  }

  async getSystemDateAndTime(): Promise<{ deviceTimeMs: number; clockOffsetMs: number }> {
    const t0 = this.now();
    const body = await this.call('GetSystemDateAndTime', '<tds:GetSystemDateAndTime/>', undefined);
    const t1 = this.now();
    const sdt = asNode(responseNode(body, 'GetSystemDateAndTimeResponse')['SystemDateAndTime']);
    const parsed = DateTimeNode.safeParse(sdt?.['UTCDateTime']);
    if (!parsed.success) throw new OnvifError('protocol', 'GetSystemDateAndTime lacks a valid UTCDateTime');
    const { Time: t, Date: d } = parsed.data;
    const deviceTimeMs = Date.UTC(d.Year, d.Month - 1, d.Day, t.Hour, t.Minute, t.Second);
    // The device read its clock somewhere during the round trip: the midpoint is the best guess.
    this.clockOffsetMs = deviceTimeMs - Math.round((t0 + t1) / 2);
    this.clockKnown = true;
    return { deviceTimeMs, clockOffsetMs: this.clockOffsetMs };
  }

  async getDeviceInformation(cred: Credentials): Promise<DeviceInformation> {
    const body = await this.call('GetDeviceInformation', '<tds:GetDeviceInformation/>', cred);
    const parsed = DeviceInfo.safeParse(responseNode(body, 'GetDeviceInformationResponse'));
    if (!parsed.success) throw new OnvifError('protocol', 'GetDeviceInformation response has an unexpected shape');
    const info = parsed.data;
    return {
      manufacturer: info.Manufacturer,
      model: info.Model,
      firmwareVersion: info.FirmwareVersion,
      serialNumber: info.SerialNumber,
      hardwareId: info.HardwareId,
    };
  }

  async getUsers(cred: Credentials): Promise<{ username: string; userLevel: string }[]> {
    const body = await this.call('GetUsers', '<tds:GetUsers/>', cred);
    const list = responseNode(body, 'GetUsersResponse')['User'];
    const users = Array.isArray(list) ? list : [];
    return users.flatMap((u: unknown) => {
      const n = asNode(u);
      const username = textOf(n?.['Username']);
      return username === undefined ? [] : [{ username, userLevel: textOf(n?.['UserLevel']) ?? '' }];
    });
  }

  /** Sent at most once: a connection that dies under it is reported ('reset'), never resent. */
  async setUser(cred: Credentials, user: OnvifUser): Promise<void> {
    const body = await this.call('SetUser', `<tds:SetUser>${userXml(user)}</tds:SetUser>`, cred, { changes: true });
    responseNode(body, 'SetUserResponse');
  }

  async createUsers(cred: Credentials, users: OnvifUser[]): Promise<void> {
    const body = await this.call('CreateUsers', `<tds:CreateUsers>${users.map(userXml).join('')}</tds:CreateUsers>`, cred, { changes: true });
    responseNode(body, 'CreateUsersResponse');
  }

  /**
   * One read of another ONVIF service at this client's xaddr (media.ts: the media service), under the
   * same rules: one kind of credential, a refusal reported once and never retried. Keeps attributes
   * (`@token`) when asked.
   */
  async serviceCall(namespace: string, action: string, bodyXml: string, cred: Credentials | undefined, o: { attributes?: boolean } = {}): Promise<XmlNode> {
    return this.call(action, bodyXml, cred, { ns: namespace.endsWith('/') ? namespace : `${namespace}/`, ...o });
  }

  /**
   * The credential-less first round trip of a sign-in, on its own so a caller can overlap it with other
   * work (the sync writes its journal meanwhile): an anonymous GetUsers learns the Digest challenge, that the
   * device wants WS-Security, or that its authentication is off. Once known, it sends nothing. Whatever else
   * the device answers is left for the credentialed call to report.
   */
  async learnAuth(): Promise<void> {
    if (this.useWsse || this.basicOnly || this.authOff || this.digest.hasChallenge) return;
    const res = await this.send(`${ACTION}GetUsers`, '<tds:GetUsers/>', undefined, { kind: 'none' }, false);
    this.digest.observe(res);
    const locked = lockedInfo(res);
    if (locked) throw locked;
    const ch = parseChallenges(res.rawHeaders);
    if (res.status === 401) return this.challenged(ch, pickChallenge(ch.digest), { probes: 0, stale: 0 });
    let parsed: SoapResponse | undefined;
    try {
      parsed = isXmlContentType(res.headers['content-type']) ? parseSoap(res.body) : undefined;
    } catch {
      return;
    }
    if (parsed?.fault?.codes.includes('NotAuthorized') && (this.opts.auth ?? 'auto') === 'auto') this.useWsse = true;
    else if (parsed && !parsed.fault && res.status >= 200 && res.status < 300 && parsed.body['GetUsersResponse'] !== undefined) this.authOff = true;
  }

  /** One logical call: at most one credential judged, plus challenge/stale round trips that judge none. */
  private async call(action: string, bodyXml: string, cred: Credentials | undefined, o: { changes?: boolean; ns?: string; attributes?: boolean } = {}): Promise<XmlNode> {
    const budget: CallBudget = { probes: 0, stale: 0 };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const plan = await this.plan(cred);
      const res = await this.send(`${o.ns ?? ACTION}${action}`, bodyXml, cred, plan, o.changes ?? false);
      const body = this.judge(res, cred, plan, budget, o.attributes ?? false);
      if (body) return body;
    }
    throw new OnvifError('protocol', 'device keeps challenging without judging credentials', { status: 401 });
  }

  /** Which credential the next request carries: a Digest signature when a nonce may sign it, else a probe for one. */
  private async plan(cred: Credentials | undefined): Promise<Plan> {
    if (!cred) return { kind: 'none' };
    if (this.useWsse) {
      // Only WS-UsernameToken needs the device's clock: read it once, just before the first token, unless an answer told it.
      if (!this.clockKnown) await this.readClock();
      return { kind: 'wsse' };
    }
    if (this.digest.hasChallenge) {
      const signed = this.digest.sign(cred, 'POST', this.url.pathname + this.url.search);
      return signed ? { kind: 'digest', signed } : { kind: 'none' };
    }
    return { kind: this.basicOnly ? 'basic' : 'none' };
  }

  /** What one answer means: the body of a success, undefined to go round again, or a thrown OnvifError. */
  private judge(res: HttpResult, cred: Credentials | undefined, plan: Plan, budget: CallBudget, attributes: boolean): XmlNode | undefined {
    this.digest.observe(res);
    const locked = lockedInfo(res);
    if (locked) throw locked;
    if (res.status === 401 && cred) return void this.unauthorized(res, plan, budget);
    if (res.status === 401) throw new OnvifError('auth-failed', 'operation needs credentials', { status: 401 });
    if (res.status === 403) throw new OnvifError('http', 'device answered 403 Forbidden', { status: 403 });
    if (!isXmlContentType(res.headers['content-type'])) {
      throw new OnvifError(res.status >= 400 ? 'http' : 'protocol', `unexpected content type (HTTP ${res.status})`, { status: res.status });
    }
    const parsed = parseAnswer(res, attributes);
    if (parsed.fault) return void this.fault(parsed.fault, res.status, cred, plan, budget);
    if (res.status < 200 || res.status >= 300) throw new OnvifError('http', `device answered HTTP ${res.status}`, { status: res.status });
    if (plan.signed) this.digest.accepted(plan.signed);
    if (cred && plan.kind === 'none') this.authOff = true;
    return parsed.body;
  }

  /** A 401 to a request that needed credentials: learn the challenge, or report the refusal (throws), or go round. */
  private unauthorized(res: HttpResult, plan: Plan, budget: CallBudget): void {
    const mode = this.opts.auth ?? 'auto';
    const ch = parseChallenges(res.rawHeaders);
    const best = pickChallenge(ch.digest);
    if (plan.kind === 'digest') {
      const why = this.digest.refused(plan.signed!, best);
      // stale=true: our nonce expired, the password was not judged. Not a failed login, however often.
      if (why === 'stale') {
        if (budget.stale++ < 2) return;
        throw new OnvifError('protocol', 'device keeps answering that its nonce is stale, without judging the credentials', { status: 401 });
      }
      if (why === 'nonce') return void this.opts.onAuthFailure?.('nonce');
      throw this.authFailed(res.status);
    }
    if (plan.kind === 'basic') throw this.authFailed(res.status);
    if (plan.kind === 'wsse') {
      if (mode === 'auto' && best && budget.probes++ < 1) {
        // The device ignored the token and wants Digest: it did not judge our password.
        this.useWsse = false;
        this.digest.take(best);
        return;
      }
      if (best || ch.unsupported.length) throw new OnvifError('unsupported-auth', 'device wants HTTP Digest, client is set to WS-UsernameToken', { status: 401 });
      throw this.authFailed(res.status);
    }
    this.challenged(ch, best, budget);
  }

  /** The answer to a request without credentials (a challenge round trip): which scheme to sign with next. */
  private challenged(ch: ParsedChallenges, best: DigestChallenge | undefined, budget: CallBudget): void {
    const mode = this.opts.auth ?? 'auto';
    if (budget.probes++ >= 2) throw new OnvifError('protocol', 'device keeps challenging without judging credentials', { status: 401 });
    if (best && mode !== 'wsse') return void this.digest.take(best);
    if (ch.unsupported.length) throw new OnvifError('unsupported-auth', `device offers only Digest ${ch.unsupported.join('/')}`, { status: 401 });
    if (ch.basic) {
      if (this.opts.allowBasic && mode !== 'wsse') return void (this.basicOnly = true);
      throw new OnvifError('unsupported-auth', 'device offers only HTTP Basic (not allowed)', { status: 401 });
    }
    if (mode === 'digest') throw new OnvifError('unsupported-auth', 'device offers no Digest challenge', { status: 401 });
    this.useWsse = true;
  }

  /** A SOAP fault: a token refused (throws auth-failed), a WS-Security-only device found (go round), or the fault itself. */
  private fault(fault: SoapFaultInfo, status: number, cred: Credentials | undefined, plan: Plan, budget: CallBudget): void {
    const { codes, reason } = fault;
    if (codes.includes('NotAuthorized')) {
      if (plan.kind === 'wsse') throw this.authFailed(status);
      if (plan.kind === 'none' && cred && (this.opts.auth ?? 'auto') === 'auto' && budget.probes++ < 1) {
        // Devices that only do WS-Security answer an anonymous request with 400 NotAuthorized.
        this.useWsse = true;
        return;
      }
    }
    const sub = codes.length > 1 ? codes[codes.length - 1] : undefined;
    throw new OnvifError('fault', `SOAP fault ${codes.join('/')}${reason ? `: ${reason}` : ''}`, { status, codes, ...(sub !== undefined ? { subcode: sub } : {}) });
  }

  private authFailed(status: number): OnvifError {
    // Exactly one report per rejected credential: callers budget lockouts on this.
    this.opts.onAuthFailure?.('password');
    return new OnvifError('auth-failed', 'device rejected the credentials', { status });
  }

  private async readClock(): Promise<void> {
    try {
      await this.getSystemDateAndTime();
    } catch (err) {
      // Devices without the call: sign with our own clock (the device decides).
      if (!(err instanceof OnvifError && (err.kind === 'fault' || err.kind === 'protocol'))) throw err;
      this.clockKnown = true;
    }
  }

  /**
   * The device's clock from the Date header of an answer it gave anyway (RFC 9110: an origin server
   * with a clock sends one), so WS-UsernameToken needs no GetSystemDateAndTime round trip. Second
   * precision, well inside the ±10 s the strictest devices accept; absent or unreadable, the clock is read.
   */
  private learnClock(res: HttpResult, t0: number, t1: number): void {
    if (this.clockKnown) return;
    const date = res.headers['date'];
    const at = typeof date === 'string' && date.length <= 64 ? Date.parse(date) : NaN;
    if (!Number.isFinite(at)) return;
    this.clockOffsetMs = at + 500 - Math.round((t0 + t1) / 2);
    this.clockKnown = true;
  }

  private async send(action: string, bodyXml: string, cred: Credentials | undefined, plan: Plan, changes: boolean): Promise<HttpResult> {
    const headers: Record<string, string> = {
      'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"`,
      Accept: 'application/soap+xml, text/xml',
    };
    let header = '';
    if (cred && plan.signed) headers['Authorization'] = plan.signed.authorization;
    else if (cred && plan.kind === 'wsse') header = usernameToken(cred.username, cred.password, this.now() + this.clockOffsetMs);
    else if (cred && plan.kind === 'basic') headers['Authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
    const body = buildEnvelope(bodyXml, header);
    this.sent++;
    const t0 = this.now();
    const res = await post({
      url: this.url,
      body,
      headers,
      timeoutMs: this.timeoutMs,
      agent: this.agent,
      changes,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...(this.opts.maxResponseBytes ? { maxBytes: this.opts.maxResponseBytes } : {}),
    });
    this.learnClock(res, t0, this.now());
    return res;
  }
}

/** The SOAP answer, or — for an error status whose body is not SOAP — the HTTP error it is. */
function parseAnswer(res: HttpResult, attributes: boolean): SoapResponse {
  try {
    return parseSoap(res.body, { attributes });
  } catch (e) {
    if (res.status >= 400) throw new OnvifError('http', `device answered HTTP ${res.status}`, { status: res.status, cause: e });
    throw e;
  }
}

function userXml(u: OnvifUser): string {
  return (
    `<tds:User><tt:Username>${escapeText(u.username)}</tt:Username><tt:Password>${escapeText(u.password)}</tt:Password>` +
    `<tt:UserLevel>${escapeXml(u.userLevel)}</tt:UserLevel></tds:User>`
  );
}

/** 401/403 with Retry-After, or a fault whose reason speaks of a lock → 'locked'. */
export function lockedInfo(res: HttpResult): OnvifError | undefined {
  const ra = res.headers['retry-after'];
  let locked = (res.status === 401 || res.status === 403) && ra !== undefined;
  if (!locked && res.status >= 400 && /lock/i.test(res.body)) {
    try {
      // Word match on the reason only: "clock" or "Block" elsewhere must not read as a lockout.
      locked = /\block(ed|out)?\b/i.test(parseSoap(res.body).fault?.reason ?? '');
    } catch {
      locked = false;
    }
  }
  if (!locked) return undefined;
  let retryAfterMs: number | undefined;
  if (typeof ra === 'string') {
    const secs = Number(ra);
    if (ra.trim() !== '' && Number.isFinite(secs) && secs >= 0) retryAfterMs = secs * 1000;
    else {
      const at = Date.parse(ra);
      if (Number.isFinite(at)) retryAfterMs = Math.max(0, at - Date.now());
    }
  }
  return new OnvifError('locked', 'device has locked the account after failed logins', {
    status: res.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
