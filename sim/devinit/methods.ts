import { randomBytes } from 'node:crypto';
import { SecEnvelopeError } from '../nvr/sec-camera';
import { checkDevicePassword, type DevInitFirmware } from './firmware';
import { keyOf } from './keys';
import { obj } from '../../common/json';

/**
 * The factory-fresh camera's `/OutsideCmd` JSON-RPC (no sign-in), one handler
 * per method, written from DOMAIN.md ("Initialising a new Dahua device") and the
 * public clients named beside each shape in device.test.ts. Faults are data in
 * `DevInitFirmware`; every handler reads them, none closes over a test.
 *
 * Success shapes are documented; failure shapes are not (DOMAIN.md): the codes
 * below marked "invented" are plausible Dahua-style codes the app must not know,
 * so its handling stays generic and shows the device's own words.
 */

export const CODES = {
  notInitialised: 268632086,
  methodNotFound: 268894210,
  invalidRequest: 268894209,
  /** Invented (no public source documents DevInit failures). */
  weakPassword: 268632094,
  /** Invented. */
  alreadyInitialised: 268632088,
  /** Invented. */
  agreementMissing: 268632096,
} as const;

export interface DevInitState {
  initialised: boolean;
  /** `DevInit.setProtocolAgree` was accepted (newer firmware). */
  agreed: boolean;
  /** The admin password the device holds: the one `DevInit.account` set, or an unknown one it came with. */
  password?: string;
  /** The reset e-mail `DevInit.account` registered (`Mail`). */
  email?: string;
  access?: { NetAccess: number; UpgradeCheck: number };
}

export interface DevInitStats {
  requests: number;
  /** `DevInit.account` requests received, whatever became of them: a client sends at most one per device. */
  accountCalls: number;
  /** `DevInit.account` requests the device carried out. */
  accountsTaken: number;
  /** Accounts taken while the device's key was weak: that password crossed the wire readable. */
  weakKeyAccounts: number;
  /** Requests that carried a `session` on a method the web wizard sends without one (refused). */
  sessionMisuse: number;
  logins: number;
  loginFailures: number;
  calls: Record<string, number>;
}

/**
 * What a method answers: a result, a JSON-RPC error (both may name a session
 * and carry params, as the login challenge does), or nothing at all (the
 * connection drops).
 */
export type Reply = { params?: unknown; session?: unknown } | { code: number; message: string; params?: unknown; session?: unknown } | 'drop';

export interface Device {
  firmware: DevInitFirmware;
  state: DevInitState;
  stats: DevInitStats;
  /** The device took an account: its ONVIF side and its web sign-in now use this password. */
  onAccount(password: string): void;
}

export interface Call {
  params: unknown;
  /** The request carried a `session` member. */
  session: boolean;
}

type Method = (d: Device, c: Call) => Reply;

const refuse = (code: number, message: string): Reply => ({ code, message });

/** The web wizard builds these without a `session` member; firmware refuses one that has it. */
const NO_SESSION = new Set(['DevInit.getStatus', 'DevInit.account', 'DevInit.access']);

/** Opens sealed params with the device's key; undefined when they are not a well-formed envelope for it. */
function unseal(d: Device, params: unknown): Record<string, unknown> | undefined {
  try {
    return obj(keyOf(d.firmware.key).open(params));
  } catch (e) {
    if (e instanceof SecEnvelopeError) return undefined;
    throw e;
  }
}

const RULE_WORDS: Record<Exclude<ReturnType<typeof checkDevicePassword>, 'ok'>, string> = {
  'too-short': 'Password length must be 8 to 32',
  'too-long': 'Password length must be 8 to 32',
  forbidden: "Password contains illegal character (' \" ; : & space)",
  categories: 'Password is too simple: use more kinds of characters',
};

const account: Method = (d, c) => {
  d.stats.accountCalls++;
  if (d.state.initialised) return refuse(CODES.alreadyInitialised, 'Device has been initialized');
  if (d.firmware.generation === 'newer' && !d.state.agreed) return refuse(CODES.agreementMissing, 'User agreement not accepted');
  const body = unseal(d, c.params);
  if (!body || body['name'] !== 'admin' || typeof body['pwd'] !== 'string') return refuse(CODES.invalidRequest, 'Invalid request');
  const verdict = checkDevicePassword(body['pwd'], d.firmware.passwordRule);
  if (verdict !== 'ok') return refuse(CODES.weakPassword, RULE_WORDS[verdict]);
  const mail = typeof body['Mail'] === 'string' ? body['Mail'] : '';
  if (mail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(mail)) return refuse(CODES.invalidRequest, 'Invalid mail address');
  Object.assign(d.state, { initialised: true, password: body['pwd'], email: mail || undefined });
  d.stats.accountsTaken++;
  if (keyOf(d.firmware.key).weak) d.stats.weakKeyAccounts++;
  d.onAccount(body['pwd']);
  // Carried out; the web service restarts before the answer leaves.
  return d.firmware.dropAfterAccount ? 'drop' : {};
};

const access: Method = (d, c) => {
  if (!d.state.initialised) return refuse(CODES.notInitialised, 'Device not initialized');
  if (d.firmware.refuseAccess) return refuse(CODES.invalidRequest, 'Set config failed');
  const body = unseal(d, c.params);
  if (!body || typeof body['NetAccess'] !== 'number' || typeof body['UpgradeCheck'] !== 'number') return refuse(CODES.invalidRequest, 'Invalid request');
  d.state.access = { NetAccess: body['NetAccess'], UpgradeCheck: body['UpgradeCheck'] };
  return {};
};

// The blob the vendor's reset service reads (opaque here), made once per device life.
const DESC = randomBytes(48).toString('hex').toUpperCase();

export const OUTSIDE_METHODS: Record<string, Method> = {
  'DevInit.getStatus': (d) => ({ params: { Init: d.state.initialised ? 2 : 1, Find: 'AB' } }),
  'DevInit.setProtocolAgree': (d, c) => {
    if (d.firmware.generation === 'older') return refuse(CODES.methodNotFound, 'Method not found');
    if (obj(c.params)?.['ProtocolEnable'] !== true) return refuse(CODES.invalidRequest, 'Invalid request');
    d.state.agreed = true;
    return {};
  },
  'Security.getEncryptInfo': (d) => ({ params: keyOf(d.firmware.key).info }),
  'DevInit.account': account,
  'DevInit.access': access,
  'PasswdFind.getDescript': (d, c) => {
    if (!d.firmware.descript) return refuse(CODES.methodNotFound, 'Method not found');
    if (obj(c.params)?.['name'] !== 'admin') return refuse(CODES.invalidRequest, 'Invalid request');
    if (!d.state.initialised) return refuse(CODES.notInitialised, 'Device not initialized');
    // `mode` 2 is what a DevInit.account with only Mail set was read back as (one live source).
    return { params: { contactEmail: d.state.email ?? '', contactPhone: '', desc: DESC, mode: d.state.email ? 2 : 0 } };
  },
};

/** One `/OutsideCmd` call through the table, with the session rule and the statistics. */
export function outsideCall(d: Device, method: string, c: Call): Reply {
  d.stats.calls[method] = (d.stats.calls[method] ?? 0) + 1;
  const m = Object.hasOwn(OUTSIDE_METHODS, method) ? OUTSIDE_METHODS[method] : undefined;
  if (!m) return refuse(CODES.methodNotFound, 'Method not found');
  if (c.session && NO_SESSION.has(method)) {
    d.stats.sessionMisuse++;
    // Counted as a DevInit.account request all the same: it reached the device.
    if (method === 'DevInit.account') d.stats.accountCalls++;
    return refuse(CODES.invalidRequest, 'Invalid request');
  }
  return m(d, c);
}
