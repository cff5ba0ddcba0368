import { join } from 'node:path';
import { OffsetClock } from '../../common/clock';
import { CredentialGate, persistGate } from './credential-gate';
import { VerifiedCredentials } from './credentials';
import { EventBus } from './events';
import type { HostAdapter } from './host';
import { createLogger, SecretRegistry, type Logger } from './log';

/** Everything a feature service may depend on; built once per app launch. */
export interface ServiceContext {
  dataDir: string;
  clock: OffsetClock;
  log: Logger;
  secrets: SecretRegistry;
  /** Device credentials proven this session (memory only); see credentials.ts. */
  credentials: VerifiedCredentials;
  /** The one door to every device's credentials: one exchange at a time, one failure budget (credential-gate.ts). */
  gate: CredentialGate;
  events: EventBus;
  host: HostAdapter;
  /** Test hooks (clock moves, recorded external opens) are on only when the app is started for tests. */
  testHooks: boolean;
  /** Options from the command line / environment (see main/core/options.ts). */
  options: AppOptions;
}

export interface AppOptions {
  dataDir: string;
  testHooks: boolean;
  clockOffsetMs: number;
  /** IPv4 addresses of the adapters discovery runs on; empty = remembered choice or all. */
  interfaces: string[];
  /**
   * The simulated site runs inside this app (`npm run demo`, set by demo/ only,
   * never from the environment): targets beyond loopback must be refused.
   */
  embeddedSim: boolean;
  /**
   * NVR_DISCOVERY_PORTS: moves WS-Discovery/SSDP/DHIP off 3702/1900/37810 so a
   * test's app hears only its own simulated site (tests only).
   */
  discoveryPorts?: { wsd: number; ssdp: number; dhip?: number };
  /** NVR_AUTO_UPDATE=1: a packaged app checks the release feed (main/electron/update-policy.ts). */
  autoUpdate?: boolean;
}

/** A feature's contribution: its handlers, and what to stop on quit. */
export interface Feature<H> {
  handlers: H;
  start?(): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

/** The foundation every feature gets, on the options' data folder; logs under <dataDir>/logs. */
export function createContext(options: AppOptions, host: HostAdapter): ServiceContext {
  const secrets = new SecretRegistry();
  const log = createLogger({ dir: join(options.dataDir, 'logs'), secrets, stderr: options.testHooks });
  const clock = new OffsetClock(options.clockOffsetMs);
  // Every device's refused sign-ins and locks outlive the process: a restarted app must not start a budget again.
  const gate = new CredentialGate({ clock });
  persistGate(gate, join(options.dataDir, 'credential-gate.jsonl'), (what, detail) => log.warn(what, detail));
  return {
    dataDir: options.dataDir,
    clock,
    log,
    secrets,
    credentials: new VerifiedCredentials(secrets),
    gate,
    events: new EventBus(),
    host,
    testHooks: options.testHooks,
    options,
  };
}
