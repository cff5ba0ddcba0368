import type { OffsetClock } from '../../common/clock';
import type { CredentialGate } from './credential-gate';
import type { VerifiedCredentials } from './credentials';
import type { EventBus } from './events';
import type { HostAdapter } from './host';
import type { Logger, SecretRegistry } from './log';

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
  /** Start the simulated site inside the app (npm run demo). */
  embeddedSim: boolean;
  /**
   * NVR_DISCOVERY_PORTS: moves WS-Discovery/SSDP/DHIP off 3702/1900/37810 so a
   * test's app hears only its own simulated site (tests only).
   */
  discoveryPorts?: { wsd: number; ssdp: number; dhip?: number };
}

/** A feature's contribution: its handlers, and what to stop on quit. */
export interface Feature<H> {
  handlers: H;
  start?(): Promise<void> | void;
  dispose?(): Promise<void> | void;
}
