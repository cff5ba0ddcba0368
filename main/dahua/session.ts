import type { Clock } from '../../common/clock';
import type { CredentialGate, DeviceLease } from '../core/credential-gate';
import { isSignInRefusal } from '../../common/dahua/errors';
import { DahuaError, type DahuaRpcClient } from './client';

/**
 * Every sign-in to an NVR goes through the app-wide credential gate: one
 * exchange at a time per device, the shared failure budget, a lock the NVR
 * reported respected. One user action = at most one refused sign-in: the only
 * second sign-in an action makes is after the NVR ended a session that had
 * just worked (the same password), and a refusal there ends the action too.
 */

const DEFAULT_LOCK_S = 30 * 60;

function signInOnce(lease: DeviceLease, client: DahuaRpcClient, password: string, clock: Clock): Promise<void> {
  const until = lease.lockedUntil();
  if (until !== undefined) {
    throw new DahuaError({ kind: 'locked', remainLockSeconds: Math.ceil((until - clock.now()) / 1000) });
  }
  if (!lease.canTry()) {
    throw new DahuaError(
      { kind: 'budget' },
      `The app already counted ${lease.failures()} refused sign-in${lease.failures() === 1 ? '' : 's'} on this NVR (its limit is ${lease.max}); it will not try again for now so the NVR does not lock the account. Check the password, then wait 30 minutes or sign in on the NVR's monitor.`,
    );
  }
  return client.login(password).catch((err: unknown) => {
    if (err instanceof DahuaError && isSignInRefusal(err.kind)) {
      // Every refusal, whatever its code or string, is one unit of the device's budget…
      lease.recordFailure();
      // …and one that says the account is (now) locked or the laptop blocked keeps the app away until then.
      const { kind, remainLoginTimes, remainLockSeconds } = err.info;
      if (kind === 'locked' || kind === 'blacklisted' || remainLoginTimes === 0 || (remainLockSeconds ?? 0) > 0) {
        lease.lock(clock.now() + (remainLockSeconds || DEFAULT_LOCK_S) * 1000);
      }
    }
    throw err;
  });
}

export interface NvrActionOptions {
  gate: CredentialGate;
  client: DahuaRpcClient;
  password: string;
  clock: Clock;
  signal?: AbortSignal;
}

/** Runs one user action on the NVR: signs in if needed, runs `fn`, signs in again once if the NVR ended the session. */
export function nvrAction<T>(o: NvrActionOptions, fn: (client: DahuaRpcClient) => Promise<T>): Promise<T> {
  return o.gate.withDevice(
    o.client.base.href,
    async (lease) => {
      if (!o.client.signedIn) await signInOnce(lease, o.client, o.password, o.clock);
      try {
        return await fn(o.client);
      } catch (err) {
        if (!(err instanceof DahuaError) || err.kind !== 'session-expired') throw err;
      }
      // The NVR ended a session that worked (a reboot, a timeout, another client): sign in again, once.
      await signInOnce(lease, o.client, o.password, o.clock);
      return fn(o.client);
    },
    o.signal,
  );
}
