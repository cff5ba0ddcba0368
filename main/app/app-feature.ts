import { AppError, type CallName } from '../../common/contract';
import { checkExternalUrl } from '../../common/external-links';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import { APP_VERSION } from '../core/version';

type AppHandlers = Pick<Handlers, Extract<CallName, `app.${string}`>>;

/** app.* verbs: identity, the openExternal allow-list, the test clock. */
export function setupAppFeature(ctx: ServiceContext): Feature<AppHandlers> {
  const handlers: AppHandlers = {
    'app.info': () => ({
      name: 'NVR Support Console',
      version: APP_VERSION,
      host: ctx.host.kind,
      dataDir: ctx.dataDir,
      clockOffsetMs: ctx.clock.offset,
      now: ctx.clock.now(),
      testHooks: ctx.testHooks,
      demo: ctx.options.embeddedSim,
    }),
    'app.openExternal': async ({ url }) => {
      const checked = checkExternalUrl(url);
      if (!checked.ok) {
        ctx.log.warn('openExternal refused', { reason: checked.reason });
        throw new AppError('refused', checked.reason);
      }
      if (ctx.testHooks) {
        // Tests read the composed message from this event instead of a real mail client.
        ctx.events.emit('app.externalOpened', { url: checked.url });
      } else {
        await ctx.host.openExternal(checked.url);
      }
      ctx.log.info('opened external URL', { scheme: checked.scheme });
      return { opened: true as const };
    },
    'app.advanceClock': ({ ms }) => {
      if (!ctx.testHooks) throw new AppError('refused', 'The clock can only be moved when the app runs with test hooks.');
      const clockOffsetMs = ctx.clock.advance(ms);
      ctx.events.emit('app.clock', { clockOffsetMs, now: ctx.clock.now() });
      return { clockOffsetMs };
    },
  };
  return { handlers };
}
