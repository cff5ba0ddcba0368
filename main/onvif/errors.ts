export type OnvifErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'reset'
  | 'http'
  | 'protocol'
  | 'tls'
  | 'redirect'
  | 'auth-failed'
  | 'locked'
  | 'fault'
  | 'unsupported-auth'
  | 'cancelled';

const TRANSIENT: ReadonlySet<OnvifErrorKind> = new Set(['unreachable', 'timeout', 'reset']);

/**
 * The one rule for what is worth another try without changing anything: the
 * network failed, or the device's web server failed (HTTP 5xx). Never anything
 * about credentials, faults or protocol. Reads any error structurally
 * ({ kind, status }), so fakes and the sync engine share it.
 */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { kind, status } = err as { kind?: unknown; status?: unknown };
  if (kind === 'http') return typeof status === 'number' && status >= 500 && status < 600;
  return typeof kind === 'string' && TRANSIENT.has(kind as OnvifErrorKind);
}

export interface OnvifErrorDetails {
  status?: number;
  /** Innermost SOAP subcode, local name ('PasswordTooWeak' for ter:PasswordTooWeak). */
  subcode?: string;
  /** Whole SOAP code chain as local names, outermost first: ['Sender', 'OperationProhibited', 'PasswordTooWeak']. */
  codes?: string[];
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The only error the ONVIF client throws. Messages never contain credentials or request bodies,
 * so they may be logged and shown as they are.
 */
export class OnvifError extends Error {
  readonly kind: OnvifErrorKind;
  readonly status?: number;
  readonly subcode?: string;
  readonly codes?: string[];
  readonly retryAfterMs?: number;
  /** Worth retrying later without changing anything: the network, not the device, said no. */
  readonly transient: boolean;

  constructor(kind: OnvifErrorKind, message: string, details: OnvifErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'OnvifError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.subcode !== undefined) this.subcode = details.subcode;
    if (details.codes !== undefined) this.codes = details.codes;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    this.transient = isTransientError(this);
  }
}
