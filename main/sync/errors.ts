import type { SyncOutcome } from '../../common/sync/outcomes';
import { isTransientError } from '../onvif/errors';
import { isClientError } from './port';

/** Network trouble worth another try (main/onvif/errors.ts decides, for every caller). */
export const isTransient = isTransientError;

/**
 * The camera took the credential (a Digest sign-in is answered, not refused with 401) but will not let this
 * account make the call: ONVIF answers `ter:NotAuthorized` in a fault (Core, access classes). A refused
 * WS-UsernameToken reads the same on the wire, so the client reports that one as `auth-failed` instead.
 */
export function isPrivilegeFault(err: unknown): boolean {
  return isClientError(err) && err.kind === 'fault' && (err.codes ?? []).includes('NotAuthorized');
}

/** Maps a client error (hostile answers included) to an outcome and plain words. */
export function describeError(err: unknown): { outcome: SyncOutcome; detail: string; subcode?: string } {
  if (!isClientError(err)) {
    return { outcome: 'unsupported', detail: `Unexpected error while talking to the device: ${clip(String(err instanceof Error ? err.message : err))}` };
  }
  const m = clip(err.message);
  switch (err.kind) {
    case 'cancelled':
      return { outcome: 'cancelled', detail: 'Cancelled while talking to this device.' };
    case 'timeout':
      return { outcome: 'timeout', detail: `The device did not answer in time: ${m}` };
    case 'unreachable':
    case 'reset':
      return { outcome: 'unreachable', detail: `Could not talk to the device (${err.kind}): ${m}` };
    case 'tls':
      return { outcome: 'unreachable', detail: `The secure connection failed (TLS): ${m}`, subcode: 'tls' };
    case 'redirect':
      return { outcome: 'unsupported', detail: `The device redirected to another address; not followed, so no credential left the chosen address: ${m}`, subcode: 'redirect' };
    case 'http':
      return (err.status ?? 500) >= 500
        ? { outcome: 'unreachable', detail: `The device kept failing with HTTP ${err.status ?? '5xx'}: ${m}`, subcode: `http-${err.status ?? '5xx'}` }
        : { outcome: 'unsupported', detail: `The device answered HTTP ${err.status ?? '4xx'}: ${m}`, subcode: `http-${err.status ?? '4xx'}` };
    case 'protocol':
      return { outcome: 'unsupported', detail: `The device's answer is not usable ONVIF (malformed, oversized or wrong type): ${m}`, subcode: 'protocol' };
    case 'unsupported-auth':
      return { outcome: 'unsupported', detail: `The device asks for a sign-in method this app does not use: ${m}`, subcode: 'auth-method' };
    case 'fault':
      return { outcome: 'unsupported', detail: `The device refused the request${err.subcode ? ` (${err.subcode})` : ''}: ${m}`, subcode: err.subcode };
    case 'auth-failed':
      return { outcome: 'auth-failed', detail: 'The device refused the password.' };
    case 'locked':
      return { outcome: 'locked-out', detail: 'The device reports this account locked.' };
  }
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
