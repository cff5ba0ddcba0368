import { z } from 'zod';
import { classifyDahuaError, DAHUA_CODES } from '../../common/dahua/errors';
import type { Clock } from '../../common/clock';
import type { InitOutcome, InitStep } from '../../common/init/outcomes';
import { initPasswordProblem } from '../../common/init/rules';
import { obj } from '../../common/json';
import type { CredentialGate } from '../core/credential-gate';
import { HttpFailure } from '../core/http';
import { challengeOf, loginProof, UnsupportedLogin } from './hash';
import { EnvelopeError, seal } from './sec-envelope';
import { postJson, sizeLimit, type PostResult, type RpcBody } from './transport';

/**
 * The initialisation wizard of a factory-fresh Dahua-family device, as its own
 * web page runs it (DOMAIN.md, "Initialising a new Dahua device"): JSON-RPC
 * POSTs to `/OutsideCmd` without a sign-in — `DevInit.getStatus`, the user
 * agreement where the firmware has it, `Security.getEncryptInfo`, the sealed
 * `DevInit.account` and `DevInit.access` — then one normal `/RPC2_Login`
 * sign-in, through the credential gate, to prove the password took.
 *
 * The password travels only inside the seal (main/dahua/sec-envelope.ts, which
 * refuses a weak key before anything is sealed). Failure answers are not
 * documented: a refusal is reported with the device's own words, never
 * interpreted. A protocol module: it knows no feature, no journal; the caller
 * hears about the account request before it leaves and after it is answered.
 */

export type DevInitErrorKind =
  /** Nothing answered (refused, no route, no answer in time before the request was taken). */
  | 'unreachable'
  /** The request left and the connection dropped, or no answer came in time: it may have been carried out. */
  | 'answer-lost'
  /** HTTP 404/501: no such endpoint (firmware without the web wizard). */
  | 'no-endpoint'
  | 'method-not-found'
  /** A JSON-RPC error: the device refused; `deviceWords` and `code` say how. */
  | 'refused'
  /** The answer is not what the protocol says (not JSON, wrong shape, a redirect). */
  | 'protocol'
  /** The device's RSA key is unusable (weak or unreadable): nothing was sealed with it. */
  | 'weak-key';

export class DevInitError extends Error {
  constructor(
    readonly kind: DevInitErrorKind,
    message: string,
    readonly device: { code?: number; words?: string; remainLoginTimes?: number; remainLockSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'DevInitError';
  }
}

export interface DevInitClientOptions {
  /** http://host[:port] of the device's web service. */
  url: string;
  timeoutMs?: number;
  /** Called with each request's method before it leaves, never with its params. */
  onRequest?: (method: string) => void;
}

const MAX_BODY = 256 * 1024;

/** A device's words are shown as they are, but printable and bounded. */
function words(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim().slice(0, 200);
  return s || undefined;
}

const Status = z.object({ Init: z.union([z.number().int(), z.string().regex(/^\d{1,10}$/).transform(Number)]), Find: z.string().max(16).optional() });
const Descript = z.object({ contactEmail: z.string().max(254).optional(), contactPhone: z.string().max(64).optional(), mode: z.number().optional() });
export type Descript = z.infer<typeof Descript>;

export class DevInitClient {
  readonly base: URL;
  private nextId = 1;

  constructor(private readonly o: DevInitClientOptions) {
    const u = new URL(o.url);
    if (u.protocol !== 'http:') throw new DevInitError('protocol', `${u.protocol} is not offered here: a factory-fresh device's wizard is plain http`);
    if (u.username || u.password) throw new DevInitError('protocol', 'credentials do not belong in the address');
    this.base = new URL(`http://${u.host}/`);
  }

  /** `DevInit.getStatus`: Init 1 = not initialised, 2 = initialised (other values: firmware this app does not know). */
  async getStatus(): Promise<{ init: number; find?: string }> {
    const parsed = Status.safeParse(await this.outside('DevInit.getStatus', null));
    if (!parsed.success) throw new DevInitError('protocol', 'DevInit.getStatus answered without an Init value');
    return { init: parsed.data.Init, ...(parsed.data.Find !== undefined ? { find: parsed.data.Find } : {}) };
  }

  /** Newer firmware's user agreement (sent with `session: 0`, as the wizard does); 'not-offered' on older firmware. */
  async agree(): Promise<'agreed' | 'not-offered'> {
    try {
      await this.outside('DevInit.setProtocolAgree', { ProtocolEnable: true }, { session: 0 });
      return 'agreed';
    } catch (err) {
      if (err instanceof DevInitError && err.kind === 'method-not-found') return 'not-offered';
      throw err;
    }
  }

  /** `Security.getEncryptInfo` (no sign-in on a fresh device): checked when sealing. */
  encryptInfo(): Promise<unknown> {
    return this.outside('Security.getEncryptInfo', null);
  }

  /**
   * Seals the account body (the admin password and the reset e-mail, plain only
   * inside the seal) without sending anything: a weak key throws 'weak-key' here.
   */
  sealAccount(info: unknown, password: string, email: string): SealedParams {
    return sealed({ name: 'admin', pwd: password, CellPhone: '', Mail: email }, info);
  }

  /** Sends `DevInit.account` with params from sealAccount. */
  account(params: SealedParams): Promise<unknown> {
    return this.outside('DevInit.account', params);
  }

  /** The sealed `DevInit.access`: cloud access off, no automatic upgrade check (the wizard's unticked boxes). */
  access(info: unknown): Promise<unknown> {
    return this.outside('DevInit.access', sealed({ NetAccess: 0, UpgradeCheck: 2 }, info));
  }

  /** `PasswdFind.getDescript {"name":"admin"}` without a sign-in: the registered contact, or what the device said instead. */
  async descript(): Promise<Descript> {
    const parsed = Descript.safeParse(await this.outside('PasswdFind.getDescript', { name: 'admin' }));
    if (!parsed.success) throw new DevInitError('protocol', 'PasswdFind.getDescript answered in a shape this app does not know');
    return parsed.data;
  }

  /**
   * One normal sign-in (the challenge, then the Default hash), then sign-out.
   * The caller holds the device's credential-gate lease; a refusal throws
   * 'refused' with the device's code (wrong password, locked, not initialised).
   */
  async signIn(password: string): Promise<void> {
    const params = { userName: 'admin', password: '', clientType: 'Web3.0', loginType: 'Direct' };
    const first = await this.post('/RPC2_Login', 'global.login', { method: 'global.login', params, id: this.nextId++ });
    if (first.result === true) throw new DevInitError('protocol', 'the device accepted a sign-in without a password');
    if (codeOf(first) !== DAHUA_CODES.loginChallenge) throw refusal(first, 'global.login');
    const { session, proof } = challengeAnswer(first, password);
    const second = await this.post('/RPC2_Login', 'global.login', { method: 'global.login', params: { ...params, ...proof }, id: this.nextId++, session });
    if (second.result !== true) throw refusal(second, 'global.login');
    await this.post('/RPC2', 'global.logout', { method: 'global.logout', params: null, id: this.nextId++, session: second.session ?? session }).catch(() => undefined);
  }

  /** One `/OutsideCmd` call: its params, or a DevInitError. No `session` member unless asked (the wizard's rule). */
  private async outside(method: string, params: unknown, extra: Record<string, unknown> = {}): Promise<unknown> {
    const reply = await this.post('/OutsideCmd', method, { method, params, id: this.nextId++, ...extra });
    if (reply.result !== true) throw refusal(reply, method);
    return reply.params ?? null;
  }

  private async post(path: string, method: string, body: unknown): Promise<RpcBody> {
    this.o.onRequest?.(method);
    const res = await send(new URL(path, this.base), JSON.stringify(body), this.o.timeoutMs ?? 8000);
    if (res.status === 404 || res.status === 501) throw new DevInitError('no-endpoint', `${path} is not there (HTTP ${res.status}): this firmware has no web initialisation`);
    if (res.status !== 200) throw new DevInitError('protocol', `${method}: HTTP ${res.status}`);
    let data: unknown;
    try {
      data = JSON.parse(res.body);
    } catch {
      throw new DevInitError('protocol', `${method}: the answer is not JSON`);
    }
    const reply = obj(data);
    if (!reply) throw new DevInitError('protocol', `${method}: the answer is not a JSON object`);
    return reply;
  }
}

/** The login challenge's session and the proof for the password (the one login hash, hash.ts); nothing sent for a hash this app does not make. */
function challengeAnswer(first: RpcBody, password: string): { session: string | number; proof: ReturnType<typeof loginProof> } {
  const c = challengeOf(obj(first.params), first.session);
  if ('problem' in c && c.problem === 'missing-fields') throw new DevInitError('protocol', 'the login challenge lacks realm, random or session');
  try {
    if ('problem' in c) throw new UnsupportedLogin('a sign-in method the challenge does not name');
    return { session: c.session, proof: loginProof(c.encryption, { username: 'admin', password, realm: c.realm, random: c.random, https: false }) };
  } catch (err) {
    if (err instanceof UnsupportedLogin) throw new DevInitError('protocol', `the device asks for a sign-in this app does not make (${err.message})`);
    throw err;
  }
}

function codeOf(reply: RpcBody): number | undefined {
  const code = obj(reply.error)?.['code'];
  return typeof code === 'number' ? code : undefined;
}

/** A JSON-RPC refusal as the device said it: method not found apart, everything else 'refused' with its words. */
function refusal(reply: RpcBody, method: string): DevInitError {
  const code = codeOf(reply);
  if (reply.error === undefined || reply.error === null) return new DevInitError('protocol', `${method}: neither a result nor an error`);
  const said = words(obj(reply.error)?.['message']);
  const info = classifyDahuaError(reply.error, reply.params);
  if (info.kind === 'method-not-found') return new DevInitError('method-not-found', `${method}: the firmware does not offer it`, { code, ...(said ? { words: said } : {}) });
  return new DevInitError('refused', `${method}: the device refused${said ? `: "${said}"` : ''}${code !== undefined ? ` (code ${code})` : ''}`, {
    ...(code !== undefined ? { code } : {}),
    ...(said ? { words: said } : {}),
    ...(info.remainLoginTimes !== undefined ? { remainLoginTimes: info.remainLoginTimes } : {}),
    ...(info.remainLockSeconds !== undefined ? { remainLockSeconds: info.remainLockSeconds } : {}),
  });
}

export interface SealedParams {
  salt: string;
  cipher: string;
  content: string;
}

function sealed(body: unknown, info: unknown): SealedParams {
  try {
    const { salt, cipher, content } = seal(body, info);
    return { salt, cipher, content };
  } catch (err) {
    if (err instanceof EnvelopeError) throw new DevInitError('weak-key', err.message.replace(/The NVR/g, 'The device'));
    throw err;
  }
}

/**
 * One JSON POST through the core HTTP layer (transport.ts): no redirect
 * followed, the answer size-limited. Nothing answered before the request could
 * leave is 'unreachable'; a reset or silence after it left is 'answer-lost' —
 * the device may have carried it out.
 */
async function send(url: URL, json: string, timeoutMs: number): Promise<PostResult> {
  try {
    return await postJson(url, json, { timeoutMs, maxBodyBytes: MAX_BODY });
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    if (err.kind === 'too-large') throw new DevInitError('protocol', sizeLimit(MAX_BODY));
    if (!err.sent) throw new DevInitError('unreachable', `nothing answered (${err.message})`);
    throw new DevInitError('answer-lost', `the answer did not come back (${err.message})`);
  }
}

// ---------------------------------------------------------------------------
// The wizard: named stages, each taking what it needs and returning what the next needs.

/** How one device's initialisation ended, in protocol terms the feature journals and shows. */
export interface WizardResult {
  outcome: InitOutcome;
  /** The stage it ended at. */
  step: InitStep;
  detail: string;
  deviceWords?: string;
  deviceCode?: number;
  agreement?: 'agreed' | 'not-offered';
  access?: 'set' | 'refused';
}

export interface WizardHooks {
  /** Called (and awaited: the caller journals it durably) just before the account request leaves. Throwing stops the wizard. */
  beforeAccount(): Promise<void>;
  /** The device answered the account request (taken, or refused in these words); not called when the answer was lost. */
  afterAccount(taken: boolean, said?: Pick<WizardResult, 'deviceWords' | 'deviceCode'>): Promise<void>;
  /** The wizard moved to a stage (progress). */
  onStep?(step: InitStep): void;
}

export interface WizardOptions {
  client: DevInitClient;
  gate: CredentialGate;
  clock: Clock;
  password: string;
  email: string;
  /** Tries of the proving sign-in while the device's web service restarts after the account (default 3, `retryMs` apart). */
  proveTries?: number;
  retryMs?: number;
}

const ended = (outcome: InitOutcome, step: InitStep, detail: string, more: Partial<WizardResult> = {}): WizardResult => ({ outcome, step, detail, ...more });

/** A device's words and code on a result, when it refused. */
function saidBy(err: DevInitError): Partial<WizardResult> {
  return { ...(err.device.words ? { deviceWords: err.device.words } : {}), ...(err.device.code !== undefined ? { deviceCode: err.device.code } : {}) };
}

/** Anything the wire said before the account left: unreachable, no wizard, refused, or a protocol surprise. */
function beforeAccountFailure(err: unknown, step: InitStep): WizardResult {
  if (!(err instanceof DevInitError)) throw err;
  if (err.kind === 'unreachable' || err.kind === 'answer-lost') return ended('not-reachable', step, err.message);
  if (err.kind === 'refused') return ended('refused', step, err.message, saidBy(err));
  return ended('unsupported-firmware', step, err.message, saidBy(err));
}

/** Stage 1: the device says it is factory-fresh (Init 1); 2 means someone initialised it before. */
async function confirmFresh(o: WizardOptions): Promise<WizardResult | undefined> {
  const { init } = await o.client.getStatus();
  if (init === 2) return ended('already-initialised', 'status', 'DevInit.getStatus says Init 2: the device already has an admin password; nothing was sent.');
  if (init !== 1) return ended('unsupported-firmware', 'status', `DevInit.getStatus says Init ${init}, which this app does not know; nothing was sent.`);
  return undefined;
}

/**
 * Runs the wizard on one factory-fresh device. Never throws for what the device
 * does: every path ends in a WizardResult. The password rule is checked first;
 * a weak key is refused before the account is sealed.
 */
export async function initialiseDevice(o: WizardOptions, hooks: WizardHooks): Promise<WizardResult> {
  const problem = initPasswordProblem(o.password);
  if (problem) return ended('refused', 'pending', `${problem} Nothing was sent.`);
  let step: InitStep = 'status';
  const at = (s: InitStep) => ((step = s), hooks.onStep?.(s));
  let agreement: 'agreed' | 'not-offered';
  let info: unknown;
  try {
    at('status');
    const fresh = await confirmFresh(o);
    if (fresh) return fresh;
    at('agreement');
    agreement = await o.client.agree();
    at('key');
    info = await o.client.encryptInfo();
  } catch (err) {
    return beforeAccountFailure(err, step);
  }
  at('account');
  const sent = await sendAccount(o, info, hooks);
  if (sent) return { ...sent, agreement };
  at('access');
  const access = await o.client.access(info).then(
    () => 'set' as const,
    () => 'refused' as const,
  );
  at('sign-in');
  return { ...(await prove(o)), agreement, access };
}

/** Stage: the sealed account. Undefined when the device took it; a result when it did not (or the answer was lost and settled). */
async function sendAccount(o: WizardOptions, info: unknown, hooks: WizardHooks): Promise<WizardResult | undefined> {
  let params: SealedParams;
  try {
    // Sealing comes first: a weak key is refused before anything is journalled or sent.
    params = o.client.sealAccount(info, o.password, o.email);
  } catch (err) {
    if (err instanceof DevInitError && err.kind === 'weak-key') return ended('unsupported-firmware', 'key', `${err.message} The password was not sent.`);
    throw err;
  }
  try {
    await hooks.beforeAccount();
    await o.client.account(params);
  } catch (err) {
    // It left: whether it was carried out only the device's own state can say.
    if (err instanceof DevInitError && (err.kind === 'answer-lost' || err.kind === 'protocol')) return settleLostAccount(o);
    if (err instanceof DevInitError && err.kind === 'refused') {
      await hooks.afterAccount(false, saidBy(err));
      return ended('refused', 'account', err.message, saidBy(err));
    }
    return beforeAccountFailure(err, 'account');
  }
  await hooks.afterAccount(true);
  return undefined;
}

/**
 * The account request left and its answer did not come back (a dropped
 * connection, a crash before it was journalled). Never sent again: the device's
 * own state decides — Init 2 means it took it (prove it with the password that
 * was sent), Init 1 means it did not.
 */
export async function settleLostAccount(o: WizardOptions): Promise<WizardResult> {
  let init: number;
  try {
    init = (await o.client.getStatus()).init;
  } catch (err) {
    if (err instanceof DevInitError && (err.kind === 'unreachable' || err.kind === 'answer-lost')) {
      return ended('not-reachable', 'account', `The account request was sent and its answer lost; the device does not answer now (${err.message}). Run again: it is only checked, never sent the account twice.`);
    }
    return beforeAccountFailure(err, 'account');
  }
  if (init === 1) return ended('not-reachable', 'account', 'The account request was sent and the connection dropped; the device is still not initialised, so it never took it. Run again (a new run sends it again).');
  if (init !== 2) return ended('unsupported-firmware', 'account', `After the account request the device says Init ${init}, which this app does not know.`);
  return prove(o);
}

/** Last stage: one normal sign-in with the new password, through the credential gate; a lost connection is retried, a refusal never. */
async function prove(o: WizardOptions): Promise<WizardResult> {
  const tries = o.proveTries ?? 3;
  for (let i = 1; ; i++) {
    const r = await o.gate.withDevice(o.client.base.href, async (lease) => {
      if (lease.lockedUntil() !== undefined || !lease.canTry()) return ended('refused', 'sign-in', 'The app already counted refused sign-ins on this device; it will not try again now so the device does not lock the account.');
      try {
        await o.client.signIn(o.password);
        return ended('initialised', 'done', 'Initialised: the device took the new password and the reset e-mail, and a sign-in with the new password worked.');
      } catch (err) {
        if (!(err instanceof DevInitError)) throw err;
        if (err.kind === 'unreachable' || err.kind === 'answer-lost') return undefined;
        if (err.kind === 'refused') {
          if (err.device.code === DAHUA_CODES.wrongPassword) lease.recordFailure();
          if (err.device.code === DAHUA_CODES.locked || err.device.remainLoginTimes === 0) lease.lock(o.clock.now() + (err.device.remainLockSeconds || 1800) * 1000);
          return ended('refused', 'sign-in', `The device took the account, but refused the sign-in with the new password: ${err.message}`, saidBy(err));
        }
        return ended('unsupported-firmware', 'sign-in', `The device took the account, but its sign-in is not one this app knows: ${err.message}`);
      }
    });
    if (r) return r;
    if (i >= tries) return ended('not-reachable', 'sign-in', 'The device took the account, then stopped answering before the sign-in could prove it. Run again: it is only checked, never sent the account twice.');
    await new Promise((res) => setTimeout(res, o.retryMs ?? 2000));
  }
}
