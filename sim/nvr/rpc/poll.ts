import { cameraLogin } from '../camera-login';
import type { Nvr } from './nvr';
import { enabled } from './slots';
import type { SimChannel } from './types';

/**
 * The NVR keeps signing in to its channels' cameras with the stored credentials
 * (camera-login.ts): a stale stored password is a refused sign-in on that camera every
 * round, which is what locks cameras. A channel whose stored Address or Port no longer
 * says where its camera is cannot reach it.
 */

export interface Poller {
  /** One round over every enabled channel; one round at a time. */
  pollNow(): Promise<void>;
  /** Starts or changes the background round (ms; 0 stops it). */
  setPollInterval(ms: number): void;
  /** Without a background round: a round when the last one is older than `maxAgeMs`. */
  fresh(maxAgeMs: number): Promise<void>;
  /** Waits out the round in progress. */
  settled(): Promise<void>;
  background(): boolean;
}

async function signIn(nvr: Nvr, c: SimChannel, i: number): Promise<void> {
  const home = nvr.homes[i];
  if (!enabled(c) || !c.reachXaddr || !home || c.address !== home.address || c.port !== home.port) {
    c.state = enabled(c) ? 'Disconnected' : 'Unknown';
    return;
  }
  c.lastLogin = await cameraLogin(c.reachXaddr, c.username, c.password);
  if (c.lastLogin === 'refused') c.refusedLogins = (c.refusedLogins ?? 0) + 1;
  c.state = c.lastLogin === 'ok' ? 'Connected' : 'Disconnected';
}

export function makePoller(nvr: Nvr, pollMs: number): Poller {
  let round: Promise<void> | undefined;
  let lastRound = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const pollNow = (): Promise<void> => {
    // Like a recorder's reconnect loop: never two sign-ins at once to a camera.
    round ??= Promise.all(nvr.channels.map((c, i) => signIn(nvr, c, i))).then(() => {
      round = undefined;
      lastRound = Date.now();
    });
    return round;
  };
  const setPollInterval = (ms: number) => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (ms > 0) {
      timer = setInterval(() => void pollNow(), ms);
      timer.unref();
      void pollNow();
    }
  };
  setPollInterval(pollMs);
  return {
    pollNow,
    setPollInterval,
    fresh: (maxAgeMs) => (!timer && Date.now() - lastRound > maxAgeMs ? pollNow() : Promise.resolve()),
    settled: async () => void (await round),
    background: () => timer !== undefined,
  };
}
