import { OffsetClock } from '../../common/clock';
import { setupAppFeature } from './app-feature';
import { createDispatcher, type Dispatch, type Handlers } from './dispatch';
import { VerifiedCredentials } from './credentials';
import { CredentialGate } from './credential-gate';
import { EventBus } from './events';
import type { HostAdapter } from './host';
import { createLogger, SecretRegistry, type Logger } from './log';
import type { AppOptions, Feature, ServiceContext } from './context';
import { setupDiscovery } from '../discovery/service';
import { setupCases } from '../cases/service';
import { setupSync } from '../sync/service';
import { join } from 'node:path';

/** The main-process services, identical under both hosts. */
export interface AppCore {
  dispatch: Dispatch;
  events: EventBus;
  log: Logger;
  ctx: ServiceContext;
  dispose(): Promise<void>;
}

/** Builds every feature in order; reads like the table of contents of main. */
export async function createAppCore(options: AppOptions, host: HostAdapter): Promise<AppCore> {
  const secrets = new SecretRegistry();
  const log = createLogger({ dir: join(options.dataDir, 'logs'), secrets, stderr: options.testHooks });
  const clock = new OffsetClock(options.clockOffsetMs);
  const ctx: ServiceContext = {
    dataDir: options.dataDir,
    clock,
    log,
    secrets,
    credentials: new VerifiedCredentials(secrets),
    gate: new CredentialGate({ clock }),
    events: new EventBus(),
    host,
    testHooks: options.testHooks,
    options,
  };

  const features: Feature<Partial<Handlers>>[] = [
    setupAppFeature(ctx),
    await setupDiscovery(ctx),
    await setupCases(ctx),
    await setupSync(ctx),
  ];
  // Each feature supplies its own verbs; the satisfies-check in each setupX()
  // plus this spread make a missing handler a compile error.
  const handlers = Object.assign({}, ...features.map((f) => f.handlers)) as Handlers;
  for (const f of features) await f.start?.();
  log.info('app started', { host: host.kind, testHooks: options.testHooks });

  return {
    dispatch: createDispatcher(handlers, log),
    events: ctx.events,
    log,
    ctx,
    async dispose() {
      for (const f of [...features].reverse()) {
        try {
          await f.dispose?.();
        } catch (err) {
          log.error('dispose failed', { error: String(err) });
        }
      }
    },
  };
}
