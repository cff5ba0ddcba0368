/** Misbehaviours a simulated device can be told to show; all changeable at runtime. */
export interface DeviceFaults {
  /** The answer leaves this long after the request arrived, never sooner; the work is done on arrival (device.ts replyOf). */
  latencyMs: number;
  /** Accept the request but never answer (the client's timeout must fire). */
  timeout: boolean;
  /** Destroy the connection without an answer (client sees a reset). */
  drop: boolean;
  /** Answer every request with HTTP 500 and an HTML page (a crashed embedded web server, not a SOAP fault). */
  http500: boolean;
  /** Answer with a truncated, non-well-formed body. */
  malformedXml: boolean;
  /** Device clock − base clock (cameras often boot hours off). */
  clockSkewMs: number;
  auth: 'both' | 'digest-only' | 'wsse-only' | 'digest-sha256-only' | 'digest-md5-only';
  /** Dahua-typical default: 5 failures → 30 min lock. afterFailures 0 disables the lock. */
  lockout: { afterFailures: number; lockMs: number };
  /** SetUser on the admin account → ter:InvalidArgVal/ter:FixedUser (config-file users). */
  fixedAdmin: boolean;
  /** 'lenient': accepts any password (a real server seen accepting empty ones; see DOMAIN.md). */
  passwordRule: 'dahua' | 'lenient';
  /** Device-specific maximum password length (Dahua: 32). */
  maxPasswordLength: number;
  /** SetUser answers success but keeps the old password. */
  setUserNoop: boolean;
  /** New password takes effect only this long after SetUser (old one keeps working until then). */
  setUserDelayMs: number;
  /** Accepted distance of WS-UsernameToken Created from the device clock. */
  wsseWindowMs: number;
  /** How long a Digest nonce stays fresh; after that the device answers stale=true. */
  nonceTtlMs: number;
  /** ONVIF authentication switched off: every call is answered without credentials (SetUser too). */
  authOff: boolean;
  /** SetUser is applied, then the connection drops without an answer (the web service restarts). */
  dropAfterSetUser: boolean;
  /** SetUser stores the XML-escaped text of the password literally (`Pass&2026` → `Pass&amp;2026`). */
  storeEscaped: boolean;
  /** One Digest nonce for the device's whole life (never stale); nonce counts must keep increasing. */
  fixedNonce: boolean;
  /** RFC 7616 `username*` is not understood: only the plain `username` parameter is read. */
  ignoreUsernameStar: boolean;
  /**
   * Every Digest nonce signs one request only: a second request on it is refused with a fresh
   * challenge (not stale) and counted as a refused login, as Dahua devices log it (DOMAIN.md).
   */
  singleUseNonce: boolean;
  /** Every answer says `Connection: close` and the connection is closed (seen with single-use nonces). */
  connectionClose: boolean;
  /**
   * Out of connections (other viewers, a VMS, phone apps hold them all): every request that carries credentials
   * is refused exactly as a wrong password is, right ones included, and logged as a refused login (DOMAIN.md;
   * rroller/dahua issue 603: "A Dahua device answers 401 Unauthorized when its connection/user limit is
   * exhausted"). Whether such a refusal also spends the lockout counter is not public: here it does.
   */
  connectionsExhausted: boolean;
  /** Answers carry no HTTP Date header (the device clock is then only in GetSystemDateAndTime). */
  noDateHeader: boolean;
  /** GetSnapshotUri → ActionNotSupported (many cameras offer no snapshot). */
  noSnapshot: boolean;
  /** The snapshot endpoint answers 200 text/html (a login page) instead of a picture. */
  snapshotNotImage: boolean;
}

export const DEFAULT_FAULTS: DeviceFaults = {
  latencyMs: 0,
  timeout: false,
  drop: false,
  http500: false,
  malformedXml: false,
  clockSkewMs: 0,
  auth: 'both',
  lockout: { afterFailures: 5, lockMs: 30 * 60_000 },
  fixedAdmin: false,
  passwordRule: 'dahua',
  maxPasswordLength: 32,
  setUserNoop: false,
  setUserDelayMs: 0,
  wsseWindowMs: 300_000,
  nonceTtlMs: 60_000,
  authOff: false,
  dropAfterSetUser: false,
  storeEscaped: false,
  fixedNonce: false,
  ignoreUsernameStar: false,
  singleUseNonce: false,
  connectionClose: false,
  connectionsExhausted: false,
  noDateHeader: false,
  noSnapshot: false,
  snapshotNotImage: false,
};

export interface DeviceStats {
  requests: number;
  /** Requests the timeout fault holds unanswered (released by stop()). */
  held: number;
  failedAuths: number;
  consecutiveFailures: number;
  maxConsecutiveFailures: number;
  setUserCount: Record<string, number>;
  /** Device-clock ms; 0 when not locked. */
  lockedUntil: number;
  /** Successful authentications by method: 'digest-MD5', 'digest-SHA-256', 'wsse'. */
  authOk: Record<string, number>;
  /** Requests that carried both a Digest header and a UsernameToken (spec says: one kind only). */
  bothCredentialKinds: number;
  /** Snapshots served (after sign-in), pictures or not. */
  snapshots: number;
  /** Answers sent after a latency fault's wait, and the ms past that latency at which they left, summed (the sync bench reports the mean). */
  delayedAnswers: number;
  lateMs: number;
}
