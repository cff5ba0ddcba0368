/**
 * What the sync engine needs from an ONVIF client. main/onvif/client.ts's
 * OnvifClient satisfies it; tests plug in fakes. Kept structural so the engine
 * (and its tests) do not depend on the client module's internals.
 */
export interface Credentials {
  username: string;
  password: string;
}

export interface UserEntry {
  username: string;
  userLevel: string;
}

export interface DeviceClient {
  getSystemDateAndTime(): Promise<{ deviceTimeMs: number; clockOffsetMs: number }>;
  getUsers(c: Credentials): Promise<UserEntry[]>;
  setUser(c: Credentials, u: { username: string; password: string; userLevel: string }): Promise<void>;
  readonly requestCount: number;
  /** A credentialed call was answered without any credential: the device's ONVIF authentication is off. */
  readonly authOff?: boolean;
  /** Frees the device's keep-alive sockets once its pipeline is over. */
  close?(): void;
}

export interface ClientOptions {
  xaddr: string;
  timeoutMs: number;
  signal?: AbortSignal;
  clockOffsetMs?: number;
  allowBasic?: boolean;
  allowPasswordText?: boolean;
  /** Called once for every credential the device rejected: the credential gate counts these. */
  onAuthFailure: () => void;
}

export type ClientFactory = (o: ClientOptions) => DeviceClient;

export type ErrorKind =
  | 'unreachable' | 'timeout' | 'reset' | 'http' | 'protocol' | 'tls' | 'redirect'
  | 'auth-failed' | 'locked' | 'fault' | 'unsupported-auth' | 'cancelled';

/** The shape of main/onvif's OnvifError, read structurally. */
export interface ClientErrorLike extends Error {
  kind: ErrorKind;
  status?: number;
  subcode?: string;
  retryAfterMs?: number;
  transient: boolean;
}

export function isClientError(err: unknown): err is ClientErrorLike {
  return err instanceof Error && typeof (err as { kind?: unknown }).kind === 'string';
}

/** Tests' and fakes' way to raise a client error. */
export class FakeClientError extends Error implements ClientErrorLike {
  transient: boolean;
  constructor(
    public kind: ErrorKind,
    message: string = kind,
    extra: { status?: number; subcode?: string; retryAfterMs?: number; transient?: boolean } = {},
  ) {
    super(message);
    this.status = extra.status;
    this.subcode = extra.subcode;
    this.retryAfterMs = extra.retryAfterMs;
    this.transient = extra.transient ?? ['unreachable', 'timeout', 'reset'].includes(kind);
  }
  status?: number;
  subcode?: string;
  retryAfterMs?: number;
}
