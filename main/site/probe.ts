import type { Clock } from '../../common/clock';
import type { SyncTarget } from '../../common/sync/target';
import type { CredentialGate } from '../core/credential-gate';
import { OnvifClient } from '../onvif/client';
import { OnvifError } from '../onvif/errors';
import type { ProbeResult } from './ports';

/**
 * Asks a camera which of a few passwords an account accepts — the only sign-in
 * close-the-loop makes on its own, for a channel an earlier run left paused or
 * a change an earlier run recorded. Through the credential gate: the camera's
 * one exchange at a time, each refusal counted in the budget every feature
 * shares, no try once the budget or a lock says no, and never more than the
 * candidates given (at most two: the NVR's stored password and the new one).
 */

/** A camera that says "locked" without saying how long: vendors' typical lock (DOMAIN.md). */
const LOCK_ASSUMED_MS = 30 * 60_000;

export async function probeAccount(gate: CredentialGate, clock: Clock, account: SyncTarget, candidates: readonly string[], timeoutMs = 5000): Promise<ProbeResult> {
  return gate.withDevice(account.xaddr, async (lease) => {
    const client = new OnvifClient({ xaddr: account.xaddr, timeoutMs, allowBasic: account.allowBasic ?? false, onAuthFailure: () => lease.recordFailure() });
    try {
      // Its clock, for cameras that sign with WS-UsernameToken (no credential is sent).
      await client.getSystemDateAndTime().catch(() => undefined);
      for (let index = 0; index < candidates.length; index++) {
        if (lease.lockedUntil() !== undefined) return { kind: 'unknown', why: 'the camera is locked after failed sign-ins' };
        if (!lease.canTry()) return { kind: 'unknown', why: 'the app already counted as many refused sign-ins on this camera as it allows; it will not risk another' };
        try {
          await client.getDeviceInformation({ username: account.username, password: candidates[index]! });
          return client.authOff ? { kind: 'auth-off' } : { kind: 'accepted', index };
        } catch (err) {
          if (err instanceof OnvifError && err.kind === 'auth-failed') continue;
          if (err instanceof OnvifError && err.kind === 'locked') lease.lock(clock.now() + (err.retryAfterMs ?? LOCK_ASSUMED_MS));
          return { kind: 'unknown', why: `the camera could not be asked (${err instanceof Error ? err.message : String(err)})` };
        }
      }
      return { kind: 'unknown', why: 'it refused every password the app knows for this account' };
    } finally {
      client.close();
    }
  });
}
