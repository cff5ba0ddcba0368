/**
 * Dahua web JSON-RPC error codes (DOMAIN.md, "Dahua-family devices") and what
 * each means for a technician. Pure: the client and the CLI share it.
 */
export const DAHUA_CODES = {
  loginChallenge: 268632079,
  /** The challenge on some firmware (DahuaConsole, dahua-rpc check for it beside 268632079). */
  loginChallenge401: 401,
  userNotValid: 268632070,
  passwordNotValid: 268632071,
  hasBeenUsed: 268632074,
  wrongPassword: 268632085,
  locked: 268632081,
  blacklisted: 268632073,
  notInitialised: 268632086,
  sessionInvalid: 287637504,
  sessionExpired: 287637505,
  methodNotFound: 268894210,
  invalidRequest: 268894209,
} as const;

export type DahuaErrorKind =
  | 'wrong-password'
  | 'unknown-user'
  | 'account-in-use'
  /** The second sign-in step refused with a code this app does not know: still a refused sign-in. */
  | 'sign-in-refused'
  /** A sign-in method this app does not support: nothing that could count as a try was sent. */
  | 'unsupported-login'
  | 'locked'
  | 'blacklisted'
  | 'not-initialised'
  | 'session-expired'
  | 'method-not-found'
  | 'invalid-request'
  | 'protocol'
  | 'unreachable'
  | 'https-redirect'
  | 'untrusted-cert'
  | 'budget'
  /** The app chose not to send a request (a weak key, a masked table, a write it cannot make whole): nothing reached the NVR. */
  | 'not-sent'
  | 'other';

export interface DahuaErrorInfo {
  kind: DahuaErrorKind;
  /** Tries the NVR still allows before it locks (268632085's remainLoginTimes). */
  remainLoginTimes?: number;
  /** Seconds until the NVR unlocks (remainLockSecond), when it says. */
  remainLockSeconds?: number;
}

/**
 * Every kind that is the NVR refusing a sign-in: each spends one unit of the
 * device's failure budget in the credential gate (DOMAIN.md: "Every one of
 * them spends the account's failure counter").
 */
export const SIGN_IN_REFUSALS: readonly DahuaErrorKind[] = ['wrong-password', 'unknown-user', 'account-in-use', 'sign-in-refused', 'locked', 'blacklisted'];

export function isSignInRefusal(kind: DahuaErrorKind): boolean {
  return SIGN_IN_REFUSALS.includes(kind);
}

/**
 * The refusal strings some firmware puts in `params.error` instead of a code
 * (the web UI's own interfaceLogin.js, ported in dahua-rpc; spelled so).
 */
const REFUSAL_STRINGS: Readonly<Record<string, DahuaErrorKind>> = {
  UserNotValidt: 'unknown-user',
  PasswordNotValid: 'wrong-password',
  InBlackList: 'blacklisted',
  HasBeedUsed: 'account-in-use',
  HasBeenLocked: 'locked',
};

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** Maps an RPC `error` object (and the reply's `params`) to a kind; anything odd is `other`. */
export function classifyDahuaError(error: unknown, params?: unknown): DahuaErrorInfo {
  const e = error && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  const p = params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  const code = typeof e['code'] === 'number' ? e['code'] : undefined;
  const remainLoginTimes = num(p['remainLoginTimes']);
  const remainLockSeconds = num(p['remainLockSecond'] ?? p['remainLockSeconds']);
  const extra = {
    ...(remainLoginTimes !== undefined ? { remainLoginTimes } : {}),
    ...(remainLockSeconds !== undefined ? { remainLockSeconds } : {}),
  };
  const byString = typeof p['error'] === 'string' && Object.hasOwn(REFUSAL_STRINGS, p['error']) ? REFUSAL_STRINGS[p['error']] : undefined;
  switch (code) {
    case DAHUA_CODES.wrongPassword:
    case DAHUA_CODES.passwordNotValid:
      return { kind: 'wrong-password', ...extra };
    case DAHUA_CODES.userNotValid:
      return { kind: 'unknown-user', ...extra };
    case DAHUA_CODES.hasBeenUsed:
      return { kind: 'account-in-use', ...extra };
    case DAHUA_CODES.locked:
      return { kind: 'locked', ...extra };
    case DAHUA_CODES.blacklisted:
      return { kind: 'blacklisted', ...extra };
    case DAHUA_CODES.notInitialised:
      return { kind: 'not-initialised' };
    case DAHUA_CODES.sessionInvalid:
    case DAHUA_CODES.sessionExpired:
      return { kind: 'session-expired' };
    case DAHUA_CODES.methodNotFound:
      return { kind: 'method-not-found' };
    case DAHUA_CODES.invalidRequest:
      return { kind: 'invalid-request' };
    default:
      return byString ? { kind: byString, ...extra } : { kind: 'other' };
  }
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** What the technician reads: what happened, then the next step. */
export function describeDahuaError(info: DahuaErrorInfo, detail = ''): string {
  switch (info.kind) {
    case 'wrong-password': {
      const lock = info.remainLockSeconds ? minutes(info.remainLockSeconds) : '30 minutes';
      if (info.remainLoginTimes === 0) return `The NVR refused the user name or password and has now locked this account for ${lock}. Wait, then sign in with the right password.`;
      if (info.remainLoginTimes !== undefined) {
        const n = info.remainLoginTimes;
        return `The NVR refused the user name or password. ${n} ${n === 1 ? 'try' : 'tries'} left before the NVR locks this account for ${lock}. Check the password (the reset case's new one, or the one the customer gave you) before trying again.`;
      }
      return 'The NVR refused the user name or password. Check the password before trying again: the NVR locks the account after a few wrong tries.';
    }
    case 'unknown-user':
      return 'The NVR does not accept this user name. Check it (usually admin) before trying again: the NVR counts this as a failed sign-in.';
    case 'account-in-use':
      return 'The NVR refused the sign-in because this account is already in use (another session holds it). Sign out of the NVR’s web page and other apps that use this account, wait a few minutes, then try again.';
    case 'sign-in-refused':
      return `The NVR refused the sign-in${detail ? ` (${detail})` : ''}. The app counts it as a failed sign-in so it never risks a lock; check the user name and password before trying again.`;
    case 'unsupported-login':
      return `This NVR’s firmware asks for a sign-in method the app does not support${detail ? ` (${detail})` : ''}. Nothing that could count as a failed sign-in was sent. Sign in on the NVR’s own monitor, or update its firmware.`;
    case 'locked':
      return info.remainLockSeconds
        ? `The NVR has locked this account after too many wrong passwords. Try again in ${minutes(info.remainLockSeconds)}, or sign in on the NVR's own monitor.`
        : "The NVR has locked this account after too many wrong passwords. Wait about 30 minutes, or sign in on the NVR's own monitor.";
    case 'blacklisted':
      return "The NVR refuses this laptop's address (its IP filter or a block after failed sign-ins). Remove the block on the NVR's own monitor, or wait 30 minutes.";
    case 'not-initialised':
      return "The NVR has not been initialised yet (it has no admin password). Initialise it on the NVR's own monitor first.";
    case 'session-expired':
      return 'The NVR ended the session. Sign in again.';
    case 'method-not-found':
      return `This NVR's firmware does not offer that request${detail ? ` (${detail})` : ''}.`;
    case 'invalid-request':
      return `The NVR rejected the request as invalid${detail ? ` (${detail})` : ''}.`;
    case 'https-redirect':
      return `The NVR redirects to HTTPS${detail ? ` (${detail})` : ''}. Its certificate is usually self-signed, so the app does not follow the redirect without your say-so: sign in at the https:// address to see the certificate and decide whether to trust it.`;
    case 'untrusted-cert':
      return `The NVR's https certificate is not vouched for by any authority this laptop knows (NVRs ship self-signed ones)${detail ? `: ${detail}` : ''}. Trust it only if it is your customer's NVR on this network, ideally after comparing the fingerprint with the one on the NVR's own screen.`;
    case 'unreachable':
      return `The NVR did not answer${detail ? ` (${detail})` : ''}. Check the address and that the laptop is on the NVR's network.`;
    case 'not-sent':
      return `The app sent nothing to the NVR${detail ? `: ${detail}` : '.'}`;
    case 'budget':
      return detail || 'The app already had a refused sign-in on this NVR; it will not try again now, so the NVR does not lock the account.';
    case 'protocol':
      return `The NVR answered something the app does not understand${detail ? ` (${detail})` : ''}. It may not be a Dahua-family recorder, or its firmware differs.`;
    default:
      return `The NVR reported an error${detail ? ` (${detail})` : ''}.`;
  }
}
