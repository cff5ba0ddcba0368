import type { AppOptions, ServiceContext } from '../core/context';
import { createDispatcher, type Dispatch, type Handlers } from '../core/dispatch';
import type { EventBus } from '../core/events';
import type { HostAdapter } from '../core/host';
import type { Logger } from '../core/log';
import { setupCases } from '../cases/service';
import { setupDiscovery } from '../discovery/service';
import { setupSync } from '../sync/service';
import { setupSite } from '../site/service';
import { setupInit } from '../init/service';
import { createKeytarKeychain } from '../core/keychain-keytar';
import { casePasswordOf, createAppBase, setupNvrFeature, type AppBase } from './base';
import { APP_VERSION } from '../core/version';
import { setupAppFeature } from './app-feature';
import { assertHandlers, mergeHandlers } from './handlers';

/** The running main process, identical under every host. */
export interface AppCore {
  dispatch: Dispatch;
  events: EventBus;
  log: Logger;
  ctx: ServiceContext;
  dispose(): Promise<void>;
}

/** A host adapter that needs the running app (the browser host shows notifications as app events). */
export type HostFactory = (app: () => AppCore) => HostAdapter;

/**
 * What an entry may put around the app without the product knowing about it:
 * the demo (demo/) turns the simulated site on and routes mail to its mailbox;
 * the product entries pass nothing.
 */
export interface AppExtension {
  /** Options the entry insists on, over those read from the environment. */
  options?: Partial<AppOptions>;
  /** Wraps the host adapter; `app()` is the running app (valid once start-up is done). */
  wrapHost?(host: HostAdapter, app: () => AppCore): HostAdapter;
  /** Stopped after the app. */
  dispose?(): Promise<void>;
}

/** The features in order, each given what it needs from the base and from the features before it. */
async function setupFeatures(base: AppBase) {
  const { ctx, keychain } = base;
  const casePassword = casePasswordOf(keychain);
  const appFeature = setupAppFeature(ctx);
  const discovery = await setupDiscovery(ctx);
  const cases = await setupCases(ctx, { keychain });
  const sync = await setupSync(ctx, { keychain });
  const nvr = await setupNvrFeature(base);
  return [
    appFeature,
    discovery,
    cases,
    sync,
    nvr,
    await setupSite(ctx, { nvr: nvr.session, openRun: sync.openRun, casePassword }),
    await setupInit(ctx, { casePassword, caseGet: cases.handlers['cases.get'], devicesList: discovery.handlers['devices.list'], devicesScan: discovery.handlers['devices.scan'], nvr: nvr.session }),
  ] as const;
}

/**
 * The composition root: the one place that knows every feature. Builds the
 * base (context and keychain), the features in order, and the handler table —
 * checked by the compiler (`satisfies Handlers`) and again at start-up
 * (assertHandlers). A new feature is one more line in `setupFeatures`.
 */
export async function startApp(envOptions: AppOptions, hostOrFactory: HostAdapter | HostFactory, extension: AppExtension = {}): Promise<AppCore> {
  const options: AppOptions = { ...envOptions, ...extension.options };
  let core: AppCore | undefined = undefined;
  const app = () => {
    if (!core) throw new Error('The app is still starting.');
    return core;
  };
  const baseHost = typeof hostOrFactory === 'function' ? hostOrFactory(app) : hostOrFactory;
  const host = extension.wrapHost?.(baseHost, app) ?? baseHost;
  const base = createAppBase(options, host, createKeytarKeychain());
  const { ctx } = base;
  const features = await setupFeatures(base);
  const handlers = mergeHandlers(features) satisfies Handlers;
  try {
    assertHandlers(handlers);
  } catch (err) {
    for (const f of [...features].reverse()) await f.dispose?.();
    ctx.log.error('wiring error', { error: String(err) });
    ctx.log.close();
    throw err;
  }

  // The app exists before the features start: a feature's start may already use
  // the host (a reminder due at launch is a notification), and the host the app.
  core = {
    dispatch: createDispatcher(handlers, ctx.log),
    events: ctx.events,
    log: ctx.log,
    ctx,
    async dispose() {
      for (const f of [...features].reverse()) {
        try {
          await f.dispose?.();
        } catch (err) {
          ctx.log.error('dispose failed', { error: String(err) });
        }
      }
      try {
        await extension.dispose?.();
      } finally {
        ctx.log.close();
      }
    },
  };
  for (const f of features) await f.start?.();
  ctx.log.info('app started', { host: host.kind, testHooks: options.testHooks, version: APP_VERSION });
  return core;
}
